//! Step 5, checking: every household against the same rules as the registration form, each
//! member on its own first so every bad cell is reported, then duplicates in the file and in
//! the store.

use chrono::NaiveDate;
use jiayi_core::CoreError;
use jiayi_core::household::{HouseholdInput, ResidentInput, Village};
use jiayi_core::person::Relation;

use super::duplicates::{DuplicateLookup, SeenInFile, registered};
use super::fields::Field;
use super::households::{Draft, Grouping, SheetRow};
use super::issues::Issues;
use super::values::{parse_groups, parse_relation, parse_sex};
use super::views::{ImportProgress, ImportStage, Severity};
use crate::error::ApiResult;

/// Households checked between two progress reports.
const PROGRESS_EVERY: usize = 100;

/// What the checks hold fixed.
pub(super) struct CheckContext<'a> {
    /// The day ages and birth dates are checked on.
    pub today: NaiveDate,
    /// The township's villages (by name or code).
    pub villages: &'a [Village],
    pub grouping: Grouping,
}

/// Checks every draft: sets its village, its validated household, or its `errors` flag, and
/// writes what it found into `issues`. The store is asked only through `lookup`.
pub(super) fn check_households(
    drafts: &mut [Draft],
    cx: &CheckContext<'_>,
    lookup: &mut DuplicateLookup<'_>,
    issues: &mut Issues<'_>,
    progress: &mut dyn FnMut(ImportProgress),
) -> ApiResult<()> {
    let mut seen = SeenInFile::default();
    let total = drafts.len();
    for (done, draft) in drafts.iter_mut().enumerate() {
        if done % PROGRESS_EVERY == 0 {
            progress(ImportProgress {
                stage: ImportStage::Checking,
                done,
                total,
            });
        }
        check_household(draft, cx, lookup, &mut seen, issues)?;
    }
    progress(ImportProgress {
        stage: ImportStage::Checking,
        done: total,
        total,
    });
    Ok(())
}

fn check_household(
    draft: &mut Draft,
    cx: &CheckContext<'_>,
    lookup: &mut DuplicateLookup<'_>,
    seen: &mut SeenInFile,
    issues: &mut Issues<'_>,
) -> ApiResult<()> {
    let first_row = draft.rows[0].excel_row;
    check_village(draft, cx.villages, issues);
    let mut inputs = Vec::with_capacity(draft.rows.len());
    for row in &draft.rows {
        let r = Some(row.excel_row);
        let (input, bad_cells) = resident_input(row, cx.grouping, issues);
        if bad_cells {
            draft.errors = true;
        }
        match input.validate(cx.today) {
            Ok(valid) => {
                if let Some(village_id) = draft.village_id
                    && registered(lookup, (village_id, &draft.village), &valid, r, issues)?
                {
                    draft.errors = true;
                }
                if seen.note(&draft.village, &valid, row.excel_row, issues) {
                    draft.errors = true;
                }
            }
            Err(e) => {
                draft.errors = true;
                let field = match &e {
                    CoreError::IdNumber(_) | CoreError::BirthDateMismatch => Some(Field::IdNumber),
                    CoreError::Phone(_) => Some(Field::Phone),
                    CoreError::Date(_) => Some(Field::BirthDate),
                    CoreError::Required { field: "sex" } => Some(Field::Sex),
                    CoreError::Required { .. } | CoreError::TooLong { .. } => Some(Field::Name),
                    _ => None,
                };
                issues.core(r, field, e);
            }
        }
        inputs.push(input);
    }
    let group = draft.rows[0].get(Field::Group).to_string();
    let address = {
        let typed = draft.rows[0].get(Field::Address);
        if typed.is_empty() {
            format!("{}{}", draft.village, group)
        } else {
            typed.to_string()
        }
    };
    let input = HouseholdInput {
        village: draft.village.clone(),
        group,
        address,
        members: inputs,
    };
    if !draft.errors {
        match input.validate(cx.today) {
            Ok(valid) => draft.valid = Some(valid),
            Err(e) => {
                draft.errors = true;
                let row = e
                    .member_index
                    .and_then(|i| draft.rows.get(i))
                    .map(|r| r.excel_row)
                    .unwrap_or(first_row);
                issues.core(Some(row), None, e.error);
            }
        }
    }
    Ok(())
}

/// The household's village must be one of the township's (by name or code).
fn check_village(draft: &mut Draft, villages: &[Village], issues: &mut Issues<'_>) {
    let first_row = Some(draft.rows[0].excel_row);
    match villages
        .iter()
        .find(|v| v.name == draft.village || v.code == draft.village)
    {
        Some(v) => draft.village_id = Some(v.id),
        None => {
            draft.errors = true;
            if draft.village.is_empty() {
                issues.add(
                    first_row,
                    Some(Field::Village),
                    Severity::Error,
                    "required",
                    ("请填写村", "the village is missing"),
                );
            } else {
                issues.add(
                    first_row,
                    Some(Field::Village),
                    Severity::Error,
                    "unknown_village",
                    (
                        &format!("本乡镇没有“{}”村", draft.village),
                        &format!("there is no village '{}' in this township", draft.village),
                    ),
                );
            }
        }
    }
}

/// A row as the registration form's member, with the cells that cannot be read reported.
/// Returns whether any was.
fn resident_input(
    row: &SheetRow,
    grouping: Grouping,
    issues: &mut Issues<'_>,
) -> (ResidentInput, bool) {
    let r = Some(row.excel_row);
    let mut bad = false;
    let (groups, unknown) = parse_groups(row.get(Field::Groups));
    for word in unknown {
        bad = true;
        issues.core(r, Some(Field::Groups), CoreError::UnknownGroup(word));
    }
    let sex_text = row.get(Field::Sex);
    let sex = parse_sex(sex_text);
    if !sex_text.is_empty() && sex.is_none() {
        bad = true;
        issues.add(
            r,
            Some(Field::Sex),
            Severity::Error,
            "bad_sex",
            (
                &format!("无法识别性别“{sex_text}”（应为 男 或 女）"),
                &format!("cannot read the sex '{sex_text}' (男 or 女)"),
            ),
        );
    }
    let relation_text = row.get(Field::Relation);
    let relation = if relation_text.is_empty() {
        // Without a relation, the row naming the head is the head, and so is the one member
        // of a household of one.
        let head = row.get(Field::HeadName);
        if grouping == Grouping::OnePerRow || (!head.is_empty() && head == row.get(Field::Name)) {
            Relation::Head
        } else {
            Relation::Other
        }
    } else {
        parse_relation(relation_text)
    };
    let input = ResidentInput {
        name: row.get(Field::Name).to_string(),
        id_number: Some(row.get(Field::IdNumber).to_string()).filter(|s| !s.is_empty()),
        sex,
        birth_date: Some(row.get(Field::BirthDate).to_string()).filter(|s| !s.is_empty()),
        phone: Some(row.get(Field::Phone).to_string()).filter(|s| !s.is_empty()),
        relation: Some(relation),
        groups,
    };
    (input, bad)
}

#[cfg(test)]
mod tests {
    use jiayi_core::Lang;
    use uuid::Uuid;

    use super::*;
    use crate::import::columns::guess_columns;
    use crate::import::households::{group_households, sheet_rows};

    #[test]
    fn villages_and_unreadable_cells_are_reported_without_a_store() {
        let sheet: Vec<Vec<String>> = [
            ["姓名", "性别", "村"],
            ["王某", "未知", "火星村"],
            ["李某", "男", "东庄村"],
        ]
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
        let columns = guess_columns(&sheet, 0);
        let grouping = Grouping::of(&columns);
        assert_eq!(grouping, Grouping::OnePerRow);
        let mut drafts = group_households(sheet_rows(&sheet, 0, &columns), None, grouping);
        let villages = [Village {
            id: Uuid::from_u128(1),
            code: "140822100201".into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        }];
        let cx = CheckContext {
            today: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            villages: &villages,
            grouping,
        };
        let mut lookup = |_: Uuid, _: &jiayi_core::household::ValidHousehold| Ok(Vec::new());
        let mut issues = Issues::new(Lang::En, &columns);
        let mut reports = 0;
        check_households(&mut drafts, &cx, &mut lookup, &mut issues, &mut |_| {
            reports += 1
        })
        .unwrap();
        let issues = issues.into_list();
        let codes: Vec<(Option<u32>, &str)> =
            issues.iter().map(|i| (i.row, i.code.as_str())).collect();
        assert!(codes.contains(&(Some(2), "unknown_village")), "{codes:?}");
        assert!(codes.contains(&(Some(2), "bad_sex")), "{codes:?}");
        assert!(
            issues
                .iter()
                .all(|i| i.row != Some(3) || i.code != "unknown_village")
        );
        assert!(drafts[0].errors);
        assert_eq!(drafts[1].village_id, Some(Uuid::from_u128(1)));
        assert_eq!(reports, 2, "at the start and at the end");
    }
}
