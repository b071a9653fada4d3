//! Step 5, checking: every member on their own (`member.rs`), people already registered or
//! named twice (`duplicates.rs`), then the household against the registration form's rules
//! with the members that have no error.

use chrono::NaiveDate;
use jiayi_core::household::{HouseholdInput, Village};
use jiayi_core::person::Relation;

use super::duplicates::{Lookups, SeenInFile, record_number_taken, registered};
use super::fields::Field;
use super::households::{Draft, Grouping};
use super::issues::{At, Issues};
use super::member::read_member;
use super::views::{ImportProgress, ImportStage, IssueScope, Severity};
use super::vocabulary::Vocabulary;
use crate::error::ApiResult;

/// Households checked between two progress reports.
const PROGRESS_EVERY: usize = 100;

const HOUSEHOLD_ERROR: (Severity, IssueScope) = (Severity::Error, IssueScope::Household);

/// What the checks hold fixed.
pub(super) struct CheckContext<'a> {
    /// The day ages and birth dates are checked on.
    pub today: NaiveDate,
    /// The township's villages (by name or code).
    pub villages: &'a [Village],
    pub grouping: Grouping,
    pub vocabulary: &'a Vocabulary,
}

/// Checks every draft: sets its village, its members' errors, its household (of the members
/// without errors) or its `blocked` flag, and writes what it found into `issues`. The store
/// is asked only through `lookups`.
pub(super) fn check_households(
    drafts: &mut [Draft],
    cx: &CheckContext<'_>,
    lookups: &mut Lookups<'_>,
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
        check_household(draft, cx, lookups, &mut seen, issues)?;
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
    lookups: &mut Lookups<'_>,
    seen: &mut SeenInFile,
    issues: &mut Issues<'_>,
) -> ApiResult<()> {
    check_village(draft, cx.villages, issues);
    let head_name = draft.head_name().to_string();
    let mut kept = Vec::with_capacity(draft.rows.len());
    let mut kept_numbers = Vec::new();
    let mut kept_at: Vec<(u32, String)> = Vec::new();
    draft.bad.clear();
    draft.record_numbers.clear();
    for row in &draft.rows {
        let read = read_member(
            row,
            &head_name,
            cx.grouping,
            (cx.today, cx.vocabulary),
            issues,
        );
        let at = At {
            row: row.excel_row,
            name: &read.input.name,
        };
        let mut bad = read.bad;
        if let Some(valid) = &read.valid {
            if let Some(village_id) = draft.village_id
                && registered(lookups, (village_id, &draft.village), valid, at, issues)?
            {
                bad = true;
            }
            if seen.note(&draft.village, valid, at, issues) {
                bad = true;
            }
        }
        if let Some(number) = &read.record_number {
            if seen.note_record_number(number, at, issues) {
                bad = true;
            }
            if record_number_taken(lookups, number, at, issues)? {
                bad = true;
            }
        }
        if bad && read.input.relation == Some(Relation::Head) {
            draft.blocked = true;
            issues.block_household_at(row.excel_row);
        }
        if !bad {
            kept_at.push((row.excel_row, read.input.name.clone()));
            kept.push(read.input);
            kept_numbers.push(read.record_number.clone());
        }
        draft.bad.push(bad);
        draft.record_numbers.push(read.record_number);
    }
    if draft.blocked || kept.is_empty() {
        return Ok(());
    }
    let first = &draft.rows[0];
    let group = first.get(Field::Group).to_string();
    let address = {
        let typed = first.get(Field::Address);
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
        members: kept,
    };
    match input.validate(cx.today) {
        Ok(mut valid) => {
            for (member, number) in valid.members.iter_mut().zip(kept_numbers) {
                member.record_number = number;
            }
            draft.valid = Some(valid);
        }
        Err(e) => {
            draft.blocked = true;
            let at = e
                .member_index
                .and_then(|i| kept_at.get(i).cloned())
                .unwrap_or((first.excel_row, String::new()));
            let field = match e.error {
                jiayi_core::CoreError::Required { field: "address" }
                | jiayi_core::CoreError::TooLong {
                    field: "address", ..
                } => Some(Field::Address),
                _ => None,
            };
            issues.core(
                At {
                    row: at.0,
                    name: &at.1,
                },
                field,
                IssueScope::Household,
                e.error,
            );
        }
    }
    Ok(())
}

/// A village's name without what clerks add or leave off: 东庄村委会, 东庄村村委会, 东庄村
/// and 东庄 are one village.
fn village_stem(name: &str) -> &str {
    let mut stem = name.trim();
    for suffix in ["村民委员会", "居民委员会", "村委会", "居委会", "社区", "村"]
    {
        if let Some(s) = stem.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            stem = s;
        }
    }
    stem
}

/// The township's village a cell names: by name or code, else the one village whose name
/// is the same without 村委会, 村 and the like.
fn find_village<'v>(villages: &'v [Village], text: &str) -> Option<&'v Village> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    villages
        .iter()
        .find(|v| v.name == text || v.code == text)
        .or_else(|| {
            let stem = village_stem(text);
            let mut same = villages.iter().filter(|v| village_stem(&v.name) == stem);
            match (same.next(), same.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        })
}

/// The household's village must be one of the township's (by name or code).
fn check_village(draft: &mut Draft, villages: &[Village], issues: &mut Issues<'_>) {
    let at = At {
        row: draft.rows[0].excel_row,
        name: "",
    };
    match find_village(villages, &draft.village) {
        Some(v) => {
            draft.village_id = Some(v.id);
            draft.village.clone_from(&v.name);
        }
        None => {
            draft.blocked = true;
            if draft.village.is_empty() {
                issues.add(
                    at,
                    Some(Field::Village),
                    HOUSEHOLD_ERROR,
                    "required",
                    ("请填写村", "the village is missing"),
                );
            } else {
                issues.add(
                    at,
                    Some(Field::Village),
                    HOUSEHOLD_ERROR,
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

#[cfg(test)]
mod tests {
    use jiayi_core::Lang;
    use jiayi_excel::Table;
    use uuid::Uuid;

    use super::*;
    use crate::import::columns::guess_columns;
    use crate::import::households::group_households;
    use crate::import::rows::person_rows;

    #[test]
    fn villages_and_unreadable_cells_are_reported_without_a_store() {
        let table = Table {
            sheet: "台账".into(),
            rows: [
                ["姓名", "性别", "村"],
                ["王某", "未知", "火星村"],
                ["李某", "男", "东庄村"],
            ]
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
            numbers: Default::default(),
        };
        let vocabulary = Vocabulary::shipped();
        let columns = guess_columns(&table.rows, 0, vocabulary);
        let grouping = Grouping::of(&columns);
        assert_eq!(grouping, Grouping::OnePerRow);
        let (rows, _) = person_rows(&table, 0, &columns, Lang::En);
        let mut drafts = group_households(rows, None, grouping);
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
            vocabulary,
        };
        let mut duplicates = |_: Uuid, _: &jiayi_core::household::ValidHousehold| Ok(Vec::new());
        let mut record = |_: &str| Ok(false);
        let mut lookups = Lookups {
            duplicates: &mut duplicates,
            record_number: &mut record,
        };
        let mut issues = Issues::new(Lang::En, "台账", &columns);
        let mut reports = 0;
        check_households(&mut drafts, &cx, &mut lookups, &mut issues, &mut |_| {
            reports += 1
        })
        .unwrap();
        let issues = issues.into_list();
        let codes: Vec<(Option<u32>, &str)> =
            issues.iter().map(|i| (i.row, i.code.as_str())).collect();
        assert!(codes.contains(&(Some(2), "unknown_village")), "{codes:?}");
        assert!(codes.contains(&(Some(2), "bad_sex")), "{codes:?}");
        let bad_sex = issues.iter().find(|i| i.code == "bad_sex").unwrap();
        assert_eq!(bad_sex.place, "sheet '台账' row 2, column '性别', 王某");
        assert!(
            issues
                .iter()
                .all(|i| i.row != Some(3) || i.code != "unknown_village")
        );
        assert!(drafts[0].blocked);
        for text in [
            "东庄村",
            "东庄",
            "东庄村委会",
            "东庄村村民委员会",
            " 140822100201 ",
        ] {
            assert_eq!(
                find_village(&villages, text).map(|v| v.id),
                Some(Uuid::from_u128(1)),
                "{text}"
            );
        }
        assert!(find_village(&villages, "西庄村").is_none());
        assert!(find_village(&villages, "").is_none());
        assert!(drafts[1].importable(false));
        assert_eq!(drafts[1].village_id, Some(Uuid::from_u128(1)));
        assert_eq!(reports, 2, "at the start and at the end");
    }
}
