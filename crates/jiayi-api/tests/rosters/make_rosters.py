#!/usr/bin/env python3
"""Writes the roster files the import tests read, shaped the way township clerks' tools make
them: openpyxl for the .xlsx files, LibreOffice (soffice --headless) for the .xls and .ods
files, Python's codecs for the GBK CSV. The files are committed, so the tests need neither.

    python3 make_rosters.py            # writes the files beside this script

ID numbers are composed like jiayi_core::id_number::compose (area 140822, MOD 11-2 check).
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(y, m, d, seq, area="140822"):
    body = f"{area}{y:04d}{m:02d}{d:02d}{seq:03d}"
    total = sum(int(c) * w for c, w in zip(body, WEIGHTS))
    return body + "10X98765432"[total % 11]


def bad_check(number):
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def put_rows(ws, first_row, rows):
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=1):
            if value is not None and value != "":
                ws.cell(row=r, column=c, value=value)


def merge_down(ws, column, first, last):
    if last > first:
        ws.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)
        ws.cell(row=first, column=column).alignment = Alignment(vertical="center")


def clerk_roster(path):
    """A village's roster: a merged title, the unit and date above the header on row 3,
    the head's name and the address merged down each family, a blank row, a 合计 row and a
    footer; 与户主的关系 as the relation header; names padded with a full-width space or
    holding a zero-width space; group words clerks use."""
    wb = Workbook()
    ws = wb.active
    ws.title = "东庄村台账"
    ws.cell(row=1, column=1, value="青山镇东庄村家庭医生签约服务居民台账（2026年）").font = Font(bold=True, size=14)
    ws.merge_cells("A1:K1")
    ws.cell(row=2, column=1, value="填报单位：东庄村卫生室")
    ws.merge_cells("A2:E2")
    ws.cell(row=2, column=8, value="填报日期：2026年11月20日")
    headers = ["序号", "户主姓名", "姓名", "与户主的关系", "性别", "身份证号码", "出生日期",
               "联系电话", "家庭住址", "重点人群", "备注"]
    put_rows(ws, 3, [headers])
    families = [
        ("张建国", "东庄村一组3号", [
            ("张建国", "户主", "男", id_number(1958, 3, 12, 131), "1958-03-12", 13812345678, "高血压、慢病"),
            ("李秀英", "妻子", "女", id_number(1960, 7, 8, 142), "1960-07-08", None, "糖尿病"),
            ("张伟", "儿子", "男", id_number(1985, 1, 20, 151), "1985-01-20", None, ""),
        ]),
        ("王\u3000芳", "东庄村一组8号", [
            ("王\u3000芳", "户主", "女", id_number(1972, 5, 5, 162), "1972-05-05", 13900001111, "五保户"),
            ("刘强", "丈夫", "男", id_number(1970, 11, 11, 171), "1970-11-11", None, ""),
        ]),
        None,  # a blank row between families
        ("赵德明", "东庄村二组1号", [
            ("赵德明", "户主", "男", id_number(1945, 9, 19, 111), "1945-09-19", None, "冠心病、慢阻肺"),
            ("孙桂兰", "妻子", "女", id_number(1948, 2, 2, 122), "1948-02-02", None, "脑卒中"),
            ("赵小燕", "孙女", "女", "", "2020.6.1", None, ""),
        ]),
        ("陈国华", "东庄村二组6号", [
            ("陈国华", "户主", "男", id_number(1966, 12, 1, 133), "1966-12-01", None, "重精"),
            ("陈\u200b明", "儿子", "男", id_number(1990, 4, 4, 135), "1990-04-04", None, ""),
        ]),
        ("周玉兰", "东庄村三组2号", [
            ("周玉兰", "户主", "女", id_number(1950, 10, 10, 144), "1950-10-10", None, "失独家庭"),
            ("吴老汉", "丈夫", "男", id_number(1948, 8, 8, 157), "1948-08-08", None, ""),
        ]),
    ]
    row = 4
    n = 1
    for family in families:
        if family is None:
            row += 1
            continue
        head, address, members = family
        first = row
        for name, relation, sex, number, birth, phone, groups in members:
            put_rows(ws, row, [[n, head if row == first else None, name, relation, sex, number,
                                birth, phone, address if row == first else None, groups, ""]])
            row += 1
            n += 1
        merge_down(ws, 2, first, row - 1)
        merge_down(ws, 9, first, row - 1)
    ws.cell(row=row, column=1, value="合计")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    ws.cell(row=row, column=3, value="5户12人")
    ws.cell(row=row + 2, column=1, value="制表人：李医生")
    ws.cell(row=row + 2, column=6, value="审核人：王院长")
    for column, width in zip("ABCDEFGHIJK", [6, 10, 10, 12, 6, 22, 12, 14, 18, 16, 8]):
        ws.column_dimensions[column].width = width
    wb.save(path)


def ids_as_numbers(path):
    """ID numbers typed into General cells: Excel keeps them as numbers, with 15 significant
    digits; one shown as 5.10102E+17 pasted back as text; a 15-digit legacy number, which a
    number keeps whole."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    cut = id_number(1990, 9, 9, 322)
    rows = [
        ["户主", "姓名", "性别", "身份证号", "与户主关系", "村", "组"],
        ["钱多多", "钱多多", "男", id_number(1965, 9, 19, 311), "户主", "西庄村", "二组"],
        ["钱多多", "钱小多", "男", int(id_number(1992, 2, 2, 333)), "儿子", "西庄村", "二组"],
        ["孙大海", "孙大海", "男", id_number(1960, 6, 16, 351), "户主", "西庄村", "二组"],
        ["孙大海", "李小红", "女", float(cut[:15] + "000"), "妻子", "西庄村", "二组"],
        ["老王", "老王", "男", int("140822450919131"), "户主", "西庄村", "二组"],
        ["老王", "王小二", "男", "5.10102E+17", "儿子", "西庄村", "二组"],
    ]
    put_rows(ws, 1, rows)
    wb.save(path)


def instructions_first(path):
    """A workbook whose first sheet holds the instructions; the roster is the second sheet,
    grouped by household number (户号), with health-record numbers and a child whose birth is
    known to the month."""
    wb = Workbook()
    notes = wb.active
    notes.title = "填表说明"
    put_rows(notes, 1, [
        ["填表说明"],
        ["1. 姓名：填写身份证上的姓名"],
        ["2. 公民身份号码：18位，末位X大写"],
        ["3. 与户主关系：户主、配偶、子女、父母等"],
        ["4. 出生年月：如 1965.09"],
        ["姓名", "请勿修改表头"],
    ])
    ws = wb.create_sheet("花名册")
    put_rows(ws, 1, [
        ["户号", "姓名", "性别", "公民身份号码", "出生年月", "与户主关系", "行政村", "村民小组",
         "健康档案编号", "联系电话"],
        ["001", "郑成功", "男", id_number(1962, 2, 2, 211), "1962.02", "户主", "西庄村", "一组",
         "14082210020200001", "13700000001"],
        ["001", "林淑芬", "女", id_number(1963, 3, 3, 222), "1963.03", "配偶", "西庄村", "一组",
         "14082210020200002", ""],
        ["001", "郑小龙", "男", id_number(1995, 5, 5, 231), "1995.05", "儿子", "西庄村", "一组",
         "", ""],
        ["002", "黄海", "男", id_number(1980, 8, 8, 241), "1980.08", "户主", "西庄村", "三组",
         "14082210020200003", ""],
        ["002", "黄宝宝", "女", "", "2023.03", "女儿", "西庄村", "三组", "", ""],
        ["003", "何静", "女", id_number(1988, 1, 15, 252), "1988.01", "户主", "西庄村", "三组",
         "14082210020200004", ""],
    ])
    wb.save(path)


def gbk_csv(path):
    """Excel's "CSV (comma delimited)" on a Chinese Windows: GBK, CRLF, a totals line; a
    relation column and no head's-name column; a sex that contradicts the ID number."""
    lines = [
        "序号,姓名,性别,身份证号,出生日期,与户主关系,村,组,人群分类",
        f"1,冯志强,男,{id_number(1975, 4, 4, 311)},1975.4.4,户主,东庄村,三组,高血压",
        f"2,冯丽,女,{id_number(2005, 6, 6, 322)},20050606,女儿,东庄村,三组,",
        f"3,褚红梅,女,{id_number(1982, 9, 9, 342)},1982年9月9日,户主,东庄村,三组,孕产妇",
        f"4,卫东,女,{id_number(1980, 1, 1, 351)},1980-01-01,丈夫,东庄村,三组,",
        ",合计,,,,,,,4人",
    ]
    with open(path, "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("gbk"))


def merged_family_workbook(path, title, headers, families, date_cells=False):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.cell(row=1, column=1, value=title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    put_rows(ws, 2, [headers])
    row = 3
    for household_cells, members in families:
        first = row
        for member in members:
            cells = [c if row == first else None for c in household_cells]
            values = list(member)
            if date_cells:
                values = [datetime.datetime(*v) if isinstance(v, tuple) else v for v in values]
            put_rows(ws, row, [cells + values])
            row += 1
        for column in range(1, len(household_cells) + 1):
            merge_down(ws, column, first, row - 1)
    wb.save(path)


def libreoffice(source, extension, target):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice is needed to write the .xls and .ods rosters")
    out = os.path.dirname(source)
    subprocess.run([soffice, "--headless", "--convert-to", extension, "--outdir", out, source],
                   check=True, stdout=subprocess.DEVNULL)
    converted = os.path.splitext(source)[0] + "." + extension
    shutil.move(converted, target)


def main():
    clerk_roster(os.path.join(HERE, "01_clerk_roster.xlsx"))
    ids_as_numbers(os.path.join(HERE, "02_ids_as_numbers.xlsx"))
    instructions_first(os.path.join(HERE, "03_instructions_first.xlsx"))
    gbk_csv(os.path.join(HERE, "04_gbk.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "xls_source.xlsx")
        merged_family_workbook(
            source,
            "东庄村居民花名册",
            ["村", "户主姓名", "住址", "姓名", "与户主关系", "性别", "身份证号", "出生日期", "人群分类"],
            [
                (["东庄村", "蒋大山", "东庄村四组7号"], [
                    ("蒋大山", "户主", "男", id_number(1955, 5, 15, 411), "1955-05-15", "高血压"),
                    ("沈梅", "妻子", "女", id_number(1957, 7, 17, 422), "1957-07-17", ""),
                ]),
                (["东庄村", "韩立", "东庄村四组9号"], [
                    ("韩立", "户主", "男", id_number(1978, 8, 18, 431), "1978-08-18", ""),
                    ("杨柳", "妻子", "女", id_number(1980, 10, 20, 442), "1980-10-20", "孕妇"),
                    ("韩小雪", "女儿", "女", id_number(2010, 12, 12, 462), "2010-12-12", ""),
                ]),
            ],
        )
        libreoffice(source, "xls", os.path.join(HERE, "05_libreoffice.xls"))
        source = os.path.join(tmp, "ods_source.xlsx")
        merged_family_workbook(
            source,
            "西庄村签约居民名单",
            ["序号", "户主", "家庭住址", "成员姓名", "家庭关系", "性别", "身份证", "出生日期", "人群"],
            [
                ([1, "朱一", "西庄村五组1号"], [
                    ("朱一", "户主", "男", id_number(1960, 1, 1, 511), (1960, 1, 1), "残疾"),
                    ("秦二", "妻子", "女", id_number(1962, 2, 2, 522), (1962, 2, 2), ""),
                ]),
                ([2, "许三", "西庄村五组2号"], [
                    ("许三", "户主", "男", id_number(1970, 3, 3, 531), (1970, 3, 3), "低保户"),
                ]),
                ([3, "尤四", "西庄村五组3号"], [
                    ("尤四", "户主", "女", id_number(1985, 4, 4, 542), (1985, 4, 4), ""),
                    ("尤小五", "儿子", "男", id_number(2015, 5, 5, 551), (2015, 5, 5), ""),
                ]),
            ],
            date_cells=True,
        )
        libreoffice(source, "ods", os.path.join(HERE, "06_libreoffice.ods"))
    dates_groups_bad_member(os.path.join(HERE, "07_dates_groups_bad_member.xlsx"))


def dates_groups_bad_member(path):
    """Birth dates in every form clerks type or Excel keeps, group words, a member with a
    wrong check digit and a man marked 孕产妇 in an otherwise good household, a head whose
    health-record number is another's."""
    wb = Workbook()
    ws = wb.active
    ws.title = "2026年台账"
    headers = ["户主姓名", "姓名", "与户主关系", "性别", "身份证号", "出生日期", "人群分类",
               "健康档案编号", "村"]
    put_rows(ws, 1, [headers])
    rows = [
        ["曹大", "曹大", "户主", "男", id_number(1950, 1, 1, 611), "19500101", "慢病、高血压",
         "14082210020100011", "东庄村"],
        ["曹大", "曹二", "妻子", "女", "", "1952.3.4", "五保户", "", "东庄村"],
        ["曹大", "曹三", "儿子", "男", "", "1975年6月7日", "重精", "", "东庄村"],
        ["曹大", "曹四", "孙子", "男", "", datetime.datetime(2012, 8, 9), "", "", "东庄村"],
        ["曹大", "曹五", "孙女", "女", "", 43000, "残疾", "", "东庄村"],
        ["曹大", "曹六", "孙女", "女", "", "2019.05", "", "", "东庄村"],
        ["曹大", "曹七", "儿媳", "女", id_number(1977, 7, 7, 622), 19770707, "", "", "东庄村"],
        ["严正", "严正", "户主", "男", id_number(1968, 6, 6, 631), "1968/6/6", "冠心病 慢阻肺 脑卒中",
         "", "东庄村"],
        ["严正", "华丽", "妻子", "女", bad_check(id_number(1970, 7, 7, 642)), "", "", "", "东庄村"],
        ["严正", "严小", "儿子", "男", id_number(1995, 9, 9, 651), "", "孕产妇", "", "东庄村"],
        ["严正", "严小妹", "女儿", "女", id_number(2000, 2, 2, 662), "", "火星病", "", "东庄村"],
        ["金花", "金花", "户主", "男", id_number(1990, 10, 10, 682), "1990.10.11", "",
         "14082210020100011", "东庄村"],
        ["金花", "金小", "儿子", "男", id_number(2015, 1, 1, 691), "", "", "", "东庄村"],
    ]
    put_rows(ws, 2, rows)
    ws.cell(row=5, column=6).number_format = "yyyy-mm-dd"
    wb.save(path)


if __name__ == "__main__":
    main()
