//! Step 4b, rows to households: consecutive rows of one family make a household. A family is
//! told by its household number (户号), else by its head's name, else by each 户主 row
//! starting one; household cells left blank below the first row (merged cells as some tools
//! save them) take the value above.

use jiayi_core::household::{ValidHousehold, normalise_name};
use jiayi_core::person::Relation;
use jiayi_core::record_number::RecordNumber;

use super::columns::column_of;
use super::fields::Field;
use super::rows::SheetRow;
use super::values::parse_relation;
use super::views::ColumnView;

/// A household as read from the file, with its rows and what the checks made of it.
pub(super) struct Draft {
    pub village: String,
    pub rows: Vec<SheetRow>,
    /// Per row: the member has an error of their own.
    pub bad: Vec<bool>,
    /// Per row: the member's health-record number, when valid.
    pub record_numbers: Vec<Option<RecordNumber>>,
    /// The household as a whole cannot be imported.
    pub blocked: bool,
    /// The household with its members that have no error, when it holds together.
    pub valid: Option<ValidHousehold>,
    /// Set when the village is one of the township's.
    pub village_id: Option<uuid::Uuid>,
}

impl Draft {
    fn new(village: String, row: SheetRow) -> Draft {
        Draft {
            village,
            rows: vec![row],
            bad: Vec::new(),
            record_numbers: Vec::new(),
            blocked: false,
            valid: None,
            village_id: None,
        }
    }

    /// The head's name as the head-name column gives it (empty without one).
    pub fn head_name(&self) -> &str {
        self.rows[0].get(Field::HeadName)
    }

    /// Some error in it: of the household or of a member.
    pub fn has_errors(&self) -> bool {
        self.blocked || self.bad.iter().any(|b| *b)
    }

    /// Whether it is imported when members with errors are (`skip_members`) or are not left out.
    pub fn importable(&self, skip_members: bool) -> bool {
        !self.blocked
            && self.village_id.is_some()
            && self.valid.is_some()
            && (skip_members || !self.bad.iter().any(|b| *b))
    }
}

/// How rows make households, from the columns the sheet has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grouping {
    /// By the household number (户号).
    HouseholdNo,
    /// By the head's name.
    HeadColumn,
    /// A new household starts at each head.
    Relation,
    /// Neither: each row is a household of one.
    OnePerRow,
}

impl Grouping {
    pub fn of(columns: &[ColumnView]) -> Grouping {
        if column_of(columns, Field::HouseholdNo).is_some() {
            Grouping::HouseholdNo
        } else if column_of(columns, Field::HeadName).is_some() {
            Grouping::HeadColumn
        } else if column_of(columns, Field::Relation).is_some() {
            Grouping::Relation
        } else {
            Grouping::OnePerRow
        }
    }
}

/// Cells that describe the household rather than the member: blank ones below a family's
/// first row take its value.
const HOUSEHOLD_FIELDS: [Field; 5] = [
    Field::HouseholdNo,
    Field::HeadName,
    Field::Village,
    Field::Group,
    Field::Address,
];

fn is_head(row: &SheetRow) -> bool {
    !row.get(Field::Relation).is_empty()
        && parse_relation(row.get(Field::Relation)) == Relation::Head
}

/// Whether `row` goes on the household `current`, by `grouping`.
fn continues(current: &Draft, row: &SheetRow, grouping: Grouping) -> bool {
    let has_head = current.rows.iter().any(is_head);
    let second_head = is_head(row) && has_head;
    let same = |field: Field| {
        let value = row.get(field);
        value.is_empty() || normalise_name(value) == normalise_name(current.rows[0].get(field))
    };
    match grouping {
        Grouping::HouseholdNo => {
            same(Field::HouseholdNo) && !(row.get(Field::HouseholdNo).is_empty() && second_head)
        }
        Grouping::HeadColumn => {
            if row.get(Field::HeadName).is_empty() {
                !is_head(row)
            } else {
                same(Field::HeadName) && !second_head
            }
        }
        Grouping::Relation => !is_head(row),
        Grouping::OnePerRow => false,
    }
}

/// Rows → households, in the order they appear. `fixed_village` is the village of every row
/// when the request gives one.
pub(super) fn group_households(
    rows: Vec<SheetRow>,
    fixed_village: Option<&str>,
    grouping: Grouping,
) -> Vec<Draft> {
    let mut drafts: Vec<Draft> = Vec::new();
    for mut row in rows {
        // A village or group merged down several households: where the file keeps no
        // merges, the next household's cell is blank.
        if let Some(previous) = drafts.last() {
            for field in [Field::Village, Field::Group] {
                let above = previous.rows[0].get(field).to_string();
                if row.get(field).is_empty() && !above.is_empty() {
                    row.cells.insert(field, above);
                }
            }
        }
        match drafts.last_mut() {
            Some(current) if continues(current, &row, grouping) => {
                for field in HOUSEHOLD_FIELDS {
                    if row.get(field).is_empty() {
                        let above = current.rows[0].get(field).to_string();
                        if !above.is_empty() {
                            row.cells.insert(field, above);
                        }
                    }
                }
                current.rows.push(row);
            }
            _ => {
                if grouping == Grouping::HeadColumn
                    && row.get(Field::HeadName).is_empty()
                    && !row.get(Field::Name).is_empty()
                {
                    // A head row whose head-name cell is blank names the head itself.
                    let name = row.get(Field::Name).to_string();
                    row.cells.insert(Field::HeadName, name);
                }
                let village = fixed_village
                    .map(str::to_string)
                    .unwrap_or_else(|| row.get(Field::Village).to_string());
                drafts.push(Draft::new(village, row));
            }
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
            numbers: Default::default(),
        }
    }

    fn sizes(drafts: &[Draft]) -> Vec<usize> {
        drafts.iter().map(|d| d.rows.len()).collect()
    }

    #[test]
    fn households_by_number_by_head_by_relation_and_one_per_row() {
        let rows = || {
            vec![
                row(
                    2,
                    &[
                        (Field::HeadName, "王大"),
                        (Field::Name, "王大"),
                        (Field::Relation, "户主"),
                        (Field::Address, "1号"),
                    ],
                ),
                row(3, &[(Field::Name, "李梅"), (Field::Relation, "妻子")]),
                row(
                    4,
                    &[
                        (Field::HeadName, "李二"),
                        (Field::Name, "李二"),
                        (Field::Relation, "户主"),
                    ],
                ),
                row(
                    5,
                    &[
                        (Field::HeadName, "李 二"),
                        (Field::Name, "李三"),
                        (Field::Relation, "弟弟"),
                    ],
                ),
                row(6, &[(Field::Name, "赵五"), (Field::Relation, "户主")]),
            ]
        };
        let by_head = group_households(rows(), Some("东庄村"), Grouping::HeadColumn);
        assert_eq!(sizes(&by_head), [2, 2, 1]);
        assert_eq!(by_head[0].head_name(), "王大");
        assert_eq!(
            by_head[0].rows[1].get(Field::Address),
            "1号",
            "filled from above"
        );
        assert_eq!(by_head[0].village, "东庄村");
        assert_eq!(by_head[2].head_name(), "赵五");
        let by_relation = group_households(rows(), None, Grouping::Relation);
        assert_eq!(sizes(&by_relation), [2, 2, 1]);
        assert_eq!(group_households(rows(), None, Grouping::OnePerRow).len(), 5);
        // A village merged down the whole sheet, kept by no merge: every household's.
        let villages = vec![
            row(
                2,
                &[
                    (Field::Village, "东庄村"),
                    (Field::Name, "甲"),
                    (Field::Relation, "户主"),
                ],
            ),
            row(3, &[(Field::Name, "乙"), (Field::Relation, "户主")]),
        ];
        let drafts = group_households(villages, None, Grouping::Relation);
        assert_eq!(drafts[1].village, "东庄村");
        let numbered = vec![
            row(2, &[(Field::HouseholdNo, "001"), (Field::Name, "甲")]),
            row(3, &[(Field::Name, "乙")]),
            row(4, &[(Field::HouseholdNo, "002"), (Field::Name, "丙")]),
        ];
        let by_number = group_households(numbered, None, Grouping::HouseholdNo);
        assert_eq!(sizes(&by_number), [2, 1]);
    }
}
