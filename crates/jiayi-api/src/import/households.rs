//! Step 4, rows to households: the sheet's rows below the header with the fields they hold,
//! gathered into the households they describe.

use std::collections::HashMap;

use jiayi_core::household::ValidHousehold;
use jiayi_core::person::Relation;

use super::columns::column_of;
use super::fields::Field;
use super::values::parse_relation;
use super::views::ColumnView;

/// A row of the sheet with the fields it holds (empty cells left out).
pub(super) struct SheetRow {
    /// The row as Excel numbers it.
    pub excel_row: u32,
    pub cells: HashMap<Field, String>,
}

impl SheetRow {
    /// The row's text for `field`; empty when the row has none.
    pub fn get(&self, field: Field) -> &str {
        self.cells.get(&field).map(String::as_str).unwrap_or("")
    }
}

/// A household as read from the file, with its rows and what the checks made of it.
pub(super) struct Draft {
    /// Village, group, head's name and address, as the rows give them.
    pub key: String,
    pub village: String,
    pub rows: Vec<SheetRow>,
    /// Set when every check passed.
    pub valid: Option<ValidHousehold>,
    /// Set when the village is one of the township's.
    pub village_id: Option<uuid::Uuid>,
    /// Some check failed: the household is not imported.
    pub errors: bool,
}

impl Draft {
    fn new(key: String, village: String, row: SheetRow) -> Draft {
        Draft {
            key,
            village,
            rows: vec![row],
            valid: None,
            village_id: None,
            errors: false,
        }
    }

    /// The head's name as the key holds it (empty without a head's-name column).
    pub fn head_in_key(&self) -> &str {
        self.key.split(KEY_SEPARATOR).nth(2).unwrap_or("")
    }
}

const KEY_SEPARATOR: char = '\u{1}';

/// How rows make households, from the columns the sheet has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grouping {
    /// By (village, group, head's name, address).
    HeadColumn,
    /// A new household starts at each head.
    Relation,
    /// Neither the head's name nor the relation: each row is a household of one.
    OnePerRow,
}

impl Grouping {
    pub fn of(columns: &[ColumnView]) -> Grouping {
        if column_of(columns, Field::HeadName).is_some() {
            Grouping::HeadColumn
        } else if column_of(columns, Field::Relation).is_some() {
            Grouping::Relation
        } else {
            Grouping::OnePerRow
        }
    }
}

/// The rows below the header, empty ones skipped, each with the fields its mapped cells hold.
pub(super) fn sheet_rows(
    rows: &[Vec<String>],
    header_index: usize,
    columns: &[ColumnView],
) -> Vec<SheetRow> {
    rows.iter()
        .enumerate()
        .skip(header_index + 1)
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, cells)| SheetRow {
            excel_row: i as u32 + 1,
            cells: columns
                .iter()
                .filter_map(|c| {
                    let value = cells.get(c.index)?.trim();
                    Some((c.field?, value.to_string()))
                })
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        })
        .collect()
}

/// Rows → households, in the order they first appear. `fixed_village` is the village of every
/// row when the request gives one.
pub(super) fn group_households(
    rows: Vec<SheetRow>,
    fixed_village: Option<&str>,
    grouping: Grouping,
) -> Vec<Draft> {
    let mut drafts: Vec<Draft> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let village = fixed_village
            .map(str::to_string)
            .unwrap_or_else(|| row.get(Field::Village).to_string());
        let key = [
            village.as_str(),
            row.get(Field::Group),
            row.get(Field::HeadName),
            row.get(Field::Address),
        ]
        .join(&KEY_SEPARATOR.to_string());
        let starts_new = match grouping {
            Grouping::HeadColumn => !by_key.contains_key(&key),
            Grouping::OnePerRow => true,
            Grouping::Relation => {
                drafts.is_empty() || parse_relation(row.get(Field::Relation)) == Relation::Head
            }
        };
        if starts_new {
            by_key.insert(key.clone(), drafts.len());
            drafts.push(Draft::new(key, village, row));
        } else {
            let at = match grouping {
                Grouping::HeadColumn => by_key[&key],
                _ => drafts.len() - 1,
            };
            drafts[at].rows.push(row);
        }
    }
    drafts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(excel_row: u32, cells: &[(Field, &str)]) -> SheetRow {
        SheetRow {
            excel_row,
            cells: cells.iter().map(|(f, v)| (*f, v.to_string())).collect(),
        }
    }

    #[test]
    fn households_by_head_column_by_relation_and_one_per_row() {
        let rows = || {
            vec![
                row(2, &[(Field::HeadName, "王大"), (Field::Relation, "户主")]),
                row(3, &[(Field::HeadName, "李二"), (Field::Relation, "户主")]),
                row(4, &[(Field::HeadName, "王大"), (Field::Relation, "妻子")]),
            ]
        };
        let by_head = group_households(rows(), Some("东庄村"), Grouping::HeadColumn);
        assert_eq!(by_head.len(), 2);
        assert_eq!(by_head[0].rows.len(), 2);
        assert_eq!(by_head[0].head_in_key(), "王大");
        assert_eq!(by_head[0].village, "东庄村");
        let by_relation = group_households(rows(), None, Grouping::Relation);
        assert_eq!(
            by_relation.iter().map(|d| d.rows.len()).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(group_households(rows(), None, Grouping::OnePerRow).len(), 3);
    }
}
