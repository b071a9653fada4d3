//! Step 4a, the rows below the header: which are people, and which are not (a 合计 or 小计
//! row, a footer with the clerk's name and the date, the header repeated on each printed
//! page, a row with a number and nothing else). The rows that are not are reported, never
//! read as people.

use std::collections::{HashMap, HashSet};

use jiayi_core::Lang;
use jiayi_excel::Table;

use super::fields::Field;
use super::views::{ColumnView, SkippedRow};
use super::vocabulary::normalise;

/// A row of the sheet with the fields it holds (empty cells left out).
pub(super) struct SheetRow {
    /// The row as Excel numbers it.
    pub excel_row: u32,
    pub cells: HashMap<Field, String>,
    /// Fields whose cell the file stores as a number.
    pub numbers: HashSet<Field>,
}

impl SheetRow {
    /// The row's text for `field`; empty when the row has none.
    pub fn get(&self, field: Field) -> &str {
        self.cells.get(&field).map(String::as_str).unwrap_or("")
    }
}

/// Words a totals row starts with.
const TOTAL_WORDS: [&str; 7] = ["合计", "小计", "总计", "共计", "累计", "汇总", "总数"];
/// Words a footer line starts with.
const FOOTER_WORDS: [&str; 16] = [
    "制表",
    "填表",
    "审核",
    "负责人",
    "统计人",
    "填报",
    "注",
    "说明",
    "备注",
    "签字",
    "盖章",
    "日期",
    "单位",
    "经办",
    "村医",
    "核对",
];

/// What clerks write in a cell that has nothing to say: read as empty.
const PLACEHOLDERS: [&str; 12] = [
    "无", "/", "／", "-", "－", "—", "--", "——", "暂无", "空", "\\", "null",
];

fn is_placeholder(cell: &str) -> bool {
    PLACEHOLDERS.iter().any(|p| cell.eq_ignore_ascii_case(p))
}

fn is_total(cell: &str) -> bool {
    let n = normalise(cell);
    TOTAL_WORDS.iter().any(|w| n.starts_with(w))
}

fn is_footer(cell: &str) -> bool {
    let t = cell.trim();
    t.contains('：') || t.contains(':') || FOOTER_WORDS.iter().any(|w| normalise(t).starts_with(w))
}

/// The rows below the header at `header_index`: the people, and the rows skipped.
pub(super) fn person_rows(
    table: &Table,
    header_index: usize,
    columns: &[ColumnView],
    lang: Lang,
) -> (Vec<SheetRow>, Vec<SkippedRow>) {
    let mut people = Vec::new();
    let mut skipped = Vec::new();
    for (i, cells) in table.rows.iter().enumerate().skip(header_index + 1) {
        let texts: Vec<&str> = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if texts.is_empty() {
            continue;
        }
        let row = SheetRow {
            excel_row: i as u32 + 1,
            cells: columns
                .iter()
                .filter_map(|c| {
                    let value = cells.get(c.index)?.trim();
                    Some((c.field?, value.to_string()))
                })
                .filter(|(f, v)| !v.is_empty() && (*f == Field::Groups || !is_placeholder(v)))
                .collect(),
            numbers: columns
                .iter()
                .filter(|c| table.is_number(i, c.index))
                .filter_map(|c| c.field)
                .collect(),
        };
        let repeated = columns
            .iter()
            .filter(|c| c.field.is_some() && !c.header.trim().is_empty())
            .filter(|c| {
                cells
                    .get(c.index)
                    .is_some_and(|v| normalise(v) == normalise(&c.header))
            })
            .count();
        let name = row.get(Field::Name);
        // An ID cell holding a signature line is no ID number.
        let has_id = row
            .get(Field::IdNumber)
            .chars()
            .filter(char::is_ascii_digit)
            .count()
            >= 6;
        let reason = if !has_id && texts.iter().any(|t| is_total(t)) {
            Some((
                "total",
                (
                    "合计/小计行，不是居民，已跳过",
                    "a totals row, not a person: skipped",
                ),
            ))
        } else if repeated >= 2 {
            Some((
                "repeated_header",
                ("重复的表头行，已跳过", "the header repeated: skipped"),
            ))
        } else if !has_id
            && (name.is_empty() || is_footer(name))
            && texts.iter().any(|t| is_footer(t))
        {
            Some((
                "footer",
                (
                    "表尾的签名、日期或说明，已跳过",
                    "a footer (signature, date, note): skipped",
                ),
            ))
        } else if name.is_empty()
            && !has_id
            && [
                Field::Sex,
                Field::BirthDate,
                Field::Phone,
                Field::RecordNumber,
            ]
            .iter()
            .all(|f| row.get(*f).is_empty())
        {
            Some((
                "no_person",
                (
                    "没有姓名和身份证号，不是居民行，已跳过",
                    "no name and no ID number: not a person, skipped",
                ),
            ))
        } else {
            None
        };
        match reason {
            Some((code, (zh, en))) => {
                let mut text: String = texts.join(" ");
                if text.chars().count() > 40 {
                    text = text.chars().take(40).collect::<String>() + "…";
                }
                skipped.push(SkippedRow {
                    sheet: table.sheet.clone(),
                    row: row.excel_row,
                    reason: code.to_string(),
                    message: lang.pick(zh, en).to_string(),
                    text,
                });
            }
            None => people.push(row),
        }
    }
    (people, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::columns::guess_columns;
    use crate::import::vocabulary::Vocabulary;

    #[test]
    fn totals_footers_and_repeated_headers_are_not_people() {
        let texts: [&[&str]; 9] = [
            &["序号", "姓名", "身份证号", "性别"],
            &["1", "王芳", "110101199003070028", "女"],
            &["", "", "", ""],
            &["2", "李四", "无", "男"],
            &["序号", "姓名", "身份证号", "性别"],
            &["合 计", "", "", "2人"],
            &["3"],
            &["制表人：张三", "", "审核人：李四"],
            &["", "填表日期：2026年11月"],
        ];
        let table = Table {
            sheet: "台账".into(),
            rows: texts
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
            numbers: Default::default(),
        };
        let columns = guess_columns(&table.rows, 0, Vocabulary::shipped());
        let (people, skipped) = person_rows(&table, 0, &columns, Lang::Zh);
        assert_eq!(
            people.iter().map(|p| p.excel_row).collect::<Vec<_>>(),
            [2, 4]
        );
        let reasons: Vec<(u32, &str)> =
            skipped.iter().map(|s| (s.row, s.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [
                (5, "repeated_header"),
                (6, "total"),
                (7, "no_person"),
                (8, "footer"),
                (9, "footer")
            ]
        );
        assert_eq!(skipped[1].text, "合 计 2人");
    }
}
