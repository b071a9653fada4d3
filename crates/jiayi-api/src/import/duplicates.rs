//! Duplicates, part of step 5: people already registered (the one step that asks the store,
//! through a lookup the caller passes) and people named twice in the file.

use std::collections::HashMap;

use jiayi_core::household::{ValidHousehold, ValidResident};
use jiayi_store::{DuplicateMatch, DuplicateReason};
use uuid::Uuid;

use super::fields::Field;
use super::issues::Issues;
use super::views::Severity;
use crate::error::ApiResult;

/// Finds people registered in the store like those of a household in a village.
pub(super) type DuplicateLookup<'a> =
    dyn FnMut(Uuid, &ValidHousehold) -> ApiResult<Vec<DuplicateMatch>> + 'a;

/// People already registered: the same ID number stops the household; the same name and
/// birth date in the village is a warning. Returns whether an error was found.
pub(super) fn registered(
    lookup: &mut DuplicateLookup<'_>,
    (village_id, village): (Uuid, &str),
    member: &ValidResident,
    row: Option<u32>,
    issues: &mut Issues<'_>,
) -> ApiResult<bool> {
    let one = ValidHousehold {
        village: village.to_string(),
        group: String::new(),
        address: String::new(),
        members: vec![member.clone()],
    };
    let mut errors = false;
    for m in lookup(village_id, &one)? {
        match m.reason {
            DuplicateReason::SameIdNumber => {
                errors = true;
                issues.add(
                    row,
                    Some(Field::IdNumber),
                    Severity::Error,
                    "already_registered",
                    (
                        &format!("已登记：{}（{}）", m.name, m.village),
                        &format!("already registered: {} ({})", m.name, m.village),
                    ),
                );
            }
            DuplicateReason::SameNameAndBirthDate => {
                issues.add(
                    row,
                    Some(Field::Name),
                    Severity::Warning,
                    "possible_duplicate",
                    (
                        &format!("本村已有同名、同出生日期的居民：{}", m.name),
                        &format!(
                            "someone of the same name and birth date lives in the village: {}",
                            m.name
                        ),
                    ),
                );
            }
        }
    }
    Ok(errors)
}

/// The people met so far in the file, to find them a second time.
#[derive(Default)]
pub(super) struct SeenInFile {
    /// ID number → the row it was first met on.
    ids: HashMap<String, u32>,
    /// (village, name, birth date) → the row first met on.
    people: HashMap<(String, String, String), u32>,
}

impl SeenInFile {
    /// Notes a member on `row`: the same ID number as an earlier row is an error; without an
    /// ID number, the same village, name and birth date is a warning. Returns whether an
    /// error was found.
    pub fn note(
        &mut self,
        village: &str,
        member: &ValidResident,
        row: u32,
        issues: &mut Issues<'_>,
    ) -> bool {
        let r = Some(row);
        let mut errors = false;
        if let Some(id) = &member.id_number {
            let id = id.to_string();
            if let Some(first) = self.ids.get(&id) {
                errors = true;
                issues.add(
                    r,
                    Some(Field::IdNumber),
                    Severity::Error,
                    "duplicate_in_file",
                    (
                        &format!("身份证号与第 {first} 行重复"),
                        &format!("the same ID number as row {first}"),
                    ),
                );
            } else {
                self.ids.insert(id, row);
            }
        }
        if let Some(birth) = member.birth_date {
            let key = (village.to_string(), member.name.clone(), birth.to_string());
            match self.people.get(&key) {
                Some(first) if member.id_number.is_none() => {
                    issues.add(
                        r,
                        Some(Field::Name),
                        Severity::Warning,
                        "possible_duplicate_in_file",
                        (
                            &format!("与第 {first} 行同村、同名、同出生日期，可能是同一人"),
                            &format!(
                                "same village, name and birth date as row {first}: maybe the same person"
                            ),
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    self.people.insert(key, row);
                }
            }
        }
        errors
    }
}
