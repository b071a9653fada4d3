//! Step 3, mapping columns: a field guessed from each header, the request's overrides on
//! top, and the check that the columns every roster needs are there.

use std::collections::BTreeMap;

use jiayi_core::Lang;

use super::fields::Field;
use super::views::ColumnView;
use super::vocabulary::Vocabulary;
use crate::error::ApiError;

/// Excel's letter for a 0-based column (A, B, … Z, AA, …).
pub(super) fn column_letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (index % 26) as u8) as char);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.iter().rev().collect()
}

/// The columns of the sheet (as wide as its widest row) with their fields: guessed from the
/// header row at `header_index`, then overridden by `mapping` (see [`apply_mapping`]), then
/// labelled in `lang`.
pub(super) fn map_columns(
    rows: &[Vec<String>],
    header_index: usize,
    mapping: &BTreeMap<String, String>,
    lang: Lang,
    vocabulary: &Vocabulary,
) -> Result<Vec<ColumnView>, ApiError> {
    let mut columns = guess_columns(rows, header_index, vocabulary);
    apply_mapping(&mut columns, mapping)?;
    for c in columns.iter_mut() {
        c.field_label = c.field.map(|f| f.label(lang).to_string());
    }
    Ok(columns)
}

/// Each column with the field its header names. A field is guessed for one column only: the
/// first that names it.
pub(super) fn guess_columns(
    rows: &[Vec<String>],
    header_index: usize,
    vocabulary: &Vocabulary,
) -> Vec<ColumnView> {
    let headers: Vec<String> = rows.get(header_index).cloned().unwrap_or_default();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut columns: Vec<ColumnView> = (0..width)
        .map(|index| {
            let header = headers.get(index).cloned().unwrap_or_default();
            ColumnView {
                index,
                letter: column_letter(index),
                field: vocabulary.field_of(&header),
                header,
                field_label: None,
                overridden: false,
            }
        })
        .collect();
    for i in 0..columns.len() {
        if let Some(f) = columns[i].field
            && columns[..i].iter().any(|c| c.field == Some(f))
        {
            columns[i].field = None;
        }
    }
    columns
}

/// The request's overrides: column (header text, letter, or 1-based number) → field code or
/// `ignore`. A field moves to the column it is given to.
pub(super) fn apply_mapping(
    columns: &mut [ColumnView],
    mapping: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let width = columns.len();
    for (key, value) in mapping {
        let key = key.trim();
        let index = columns
            .iter()
            .position(|c| c.header.trim() == key)
            .or_else(|| {
                columns
                    .iter()
                    .position(|c| c.letter.eq_ignore_ascii_case(key))
            })
            .or_else(|| {
                key.parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1 && *n <= width)
                    .map(|n| n - 1)
            });
        let Some(index) = index else {
            return Err(ApiError::invalid(
                "bad_mapping",
                &format!("映射中的列“{key}”在表中不存在"),
                &format!("the mapping names a column '{key}' the sheet does not have"),
            ));
        };
        let field = match value.trim() {
            "" | "ignore" | "忽略" => None,
            code => Some(Field::from_code(code).ok_or_else(|| {
                ApiError::invalid(
                    "bad_mapping",
                    &format!(
                        "映射中的字段“{code}”无效，可用：{}",
                        Field::ALL.map(Field::code).join("、")
                    ),
                    &format!(
                        "unknown field '{code}' in the mapping; fields: {}",
                        Field::ALL.map(Field::code).join(", ")
                    ),
                )
            })?),
        };
        if let Some(f) = field {
            for c in columns.iter_mut() {
                if c.field == Some(f) {
                    c.field = None;
                }
            }
        }
        columns[index].field = field;
        columns[index].overridden = true;
    }
    Ok(())
}

/// The column that holds `field`, if one does.
pub(super) fn column_of(columns: &[ColumnView], field: Field) -> Option<&ColumnView> {
    columns.iter().find(|c| c.field == Some(field))
}

/// The header of the column that holds `field` (named in issues about its cells).
pub(super) fn header_of(columns: &[ColumnView], field: Field) -> Option<String> {
    column_of(columns, field).map(|c| c.header.clone())
}

/// Refuses a mapping without names, or without villages when no village is given for every
/// row.
pub(super) fn check_required(
    columns: &[ColumnView],
    fixed_village: Option<&str>,
) -> Result<(), ApiError> {
    if column_of(columns, Field::Name).is_none() {
        return Err(ApiError::invalid(
            "bad_mapping",
            "没有“姓名”列：请在映射中指定哪一列是姓名",
            "no name column: say in the mapping which column holds the names",
        ));
    }
    if column_of(columns, Field::Village).is_none() && fixed_village.is_none() {
        return Err(ApiError::invalid(
            "bad_mapping",
            "没有“村”列：请在映射中指定村列，或指定全部行所属的村",
            "no village column: map one, or give the village of every row",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn overrides_move_a_field_and_unknown_columns_are_refused() {
        let rows = vec![vec!["姓名".to_string(), "备注".to_string()]];
        let mut mapping = BTreeMap::new();
        mapping.insert("B".to_string(), "name".to_string());
        let v = Vocabulary::shipped();
        let columns = map_columns(&rows, 0, &mapping, Lang::En, v).unwrap();
        assert_eq!(columns[0].field, None);
        assert_eq!(columns[1].field, Some(Field::Name));
        assert!(columns[1].overridden);
        assert_eq!(columns[1].field_label.as_deref(), Some("name"));
        mapping.insert("Q".to_string(), "name".to_string());
        let e = map_columns(&rows, 0, &mapping, Lang::En, v).unwrap_err();
        assert_eq!(e.code, "bad_mapping");
        let e = check_required(&guess_columns(&rows, 0, v), None).unwrap_err();
        assert_eq!(e.code, "bad_mapping");
        assert!(check_required(&guess_columns(&rows, 0, v), Some("东庄村")).is_ok());
    }
}
