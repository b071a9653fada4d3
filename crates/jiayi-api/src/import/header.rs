//! Step 2, the sheet and its header row: the ones the request gives, or the sheet and row
//! (among each sheet's first rows) that name the most known columns, the name among them. An
//! instructions sheet or a title above the table is passed over.

use std::collections::BTreeSet;

use jiayi_excel::Table;

use super::fields::Field;
use super::vocabulary::Vocabulary;
use crate::error::ApiError;

/// Rows searched for the header.
const SEARCHED_ROWS: usize = 30;

/// Distinct known fields a row names, when it names a person's name and at least one more.
fn score(row: &[String], vocabulary: &Vocabulary) -> usize {
    let fields: BTreeSet<Field> = row.iter().filter_map(|h| vocabulary.field_of(h)).collect();
    if fields.len() >= 2 && fields.contains(&Field::Name) {
        fields.len()
    } else {
        0
    }
}

/// The best header row of a sheet: its 0-based index and score.
fn best_row(table: &Table, vocabulary: &Vocabulary) -> Option<(usize, usize)> {
    table
        .rows
        .iter()
        .take(SEARCHED_ROWS)
        .enumerate()
        .map(|(i, r)| (i, score(r, vocabulary)))
        .filter(|(_, s)| *s > 0)
        .fold(None, |best: Option<(usize, usize)>, (i, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((i, s)),
        })
}

/// The sheet (its index in `tables`) and header row (0-based) to read. `sheet` and `given`
/// (the row as Excel numbers it) are the request's.
pub(super) fn find_sheet_and_header(
    tables: &[Table],
    sheet: Option<&str>,
    given: Option<u32>,
    vocabulary: &Vocabulary,
) -> Result<(usize, usize), ApiError> {
    let candidates: Vec<usize> = match sheet.map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            let i = tables.iter().position(|t| t.sheet == name).ok_or_else(|| {
                ApiError::invalid(
                    "no_sheet",
                    &format!(
                        "文件中没有名为“{name}”的工作表（有：{}）",
                        sheet_names(tables, "、")
                    ),
                    &format!(
                        "the file has no sheet named '{name}' (it has: {})",
                        sheet_names(tables, ", ")
                    ),
                )
            })?;
            vec![i]
        }
        None => (0..tables.len()).collect(),
    };
    if let Some(n) = given {
        return Ok((candidates[0], n.max(1) as usize - 1));
    }
    candidates
        .iter()
        .filter_map(|&i| best_row(&tables[i], vocabulary).map(|(row, s)| (i, row, s)))
        .fold(None, |best: Option<(usize, usize, usize)>, c| match best {
            Some(b) if b.2 >= c.2 => Some(b),
            _ => Some(c),
        })
        .map(|(i, row, _)| (i, row))
        .ok_or_else(|| {
            ApiError::invalid(
                "no_header",
                &format!(
                    "在工作表 {} 的前 {SEARCHED_ROWS} 行中找不到表头行（应含“姓名”及“身份证号”等列名），请指定工作表和表头所在行",
                    sheet_names(tables, "、")
                ),
                &format!(
                    "no header row (naming 姓名 and columns such as 身份证号) in the first {SEARCHED_ROWS} rows of sheet(s) {}; give the sheet and the header row",
                    sheet_names(tables, ", ")
                ),
            )
        })
}

/// The one village of the township that the title above the header (or the sheet's name)
/// names, for a roster without a village column: "东庄村居民台账".
pub(super) fn village_in_title<'v>(
    table: &Table,
    header_index: usize,
    villages: &'v [jiayi_core::household::Village],
) -> Option<&'v str> {
    let title: String = table.rows[..header_index.min(table.rows.len())]
        .iter()
        .flatten()
        .chain(std::iter::once(&table.sheet))
        .map(String::as_str)
        .collect();
    let named: Vec<&str> = villages
        .iter()
        .map(|v| v.name.as_str())
        .filter(|name| !name.is_empty() && title.contains(name))
        .collect();
    match named.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn sheet_names(tables: &[Table], separator: &str) -> String {
    tables
        .iter()
        .map(|t| format!("“{}”", t.sheet))
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(sheet: &str, texts: &[&[&str]]) -> Table {
        Table {
            sheet: sheet.into(),
            rows: texts
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
            numbers: Default::default(),
        }
    }

    #[test]
    fn the_sheet_and_row_naming_the_most_columns() {
        let v = Vocabulary::shipped();
        let notes = table(
            "填表说明",
            &[
                &["填表说明"],
                &["姓名：填写身份证上的姓名"],
                &["性别", "姓名"],
            ],
        );
        let roster = table(
            "台账",
            &[
                &["东庄村台账"],
                &["序号", "姓名", "身份证号", "与户主关系"],
                &["1", "王某", ""],
            ],
        );
        let tables = [notes, roster];
        assert_eq!(
            find_sheet_and_header(&tables, None, None, v).unwrap(),
            (1, 1)
        );
        assert_eq!(
            find_sheet_and_header(&tables, Some("台账"), Some(3), v).unwrap(),
            (1, 2)
        );
        assert_eq!(
            find_sheet_and_header(&tables, Some("填表说明"), None, v).unwrap(),
            (0, 2)
        );
        let e = find_sheet_and_header(&tables, Some("无"), None, v).unwrap_err();
        assert_eq!(e.code, "no_sheet");
        let e =
            find_sheet_and_header(&[table("x", &[&["序号", "姓名"]])], None, None, v).unwrap_err();
        assert_eq!(e.code, "no_header");
        let village = |name: &str| jiayi_core::household::Village {
            id: uuid::Uuid::nil(),
            code: String::new(),
            name: name.into(),
            township: String::new(),
        };
        let villages = [village("东庄村"), village("西庄村")];
        assert_eq!(village_in_title(&tables[1], 1, &villages), Some("东庄村"));
        let both = table("Sheet1", &[&["东庄村、西庄村台账"], &["姓名", "性别"]]);
        assert_eq!(village_in_title(&both, 1, &villages), None);
        let titled = table("Sheet1", &[&["青山镇东庄村台账"], &["姓名", "性别"]]);
        assert_eq!(village_in_title(&titled, 1, &villages), Some("东庄村"));
    }
}
