//! Duplicates, part of step 5: people already registered and health-record numbers already
//! held (the steps that ask the store, through lookups the caller passes), and people or
//! numbers named twice in the file. Each is the member's error, or a warning.

use std::collections::HashMap;

use jiayi_core::household::{ValidHousehold, ValidResident};
use jiayi_core::record_number::RecordNumber;
use jiayi_store::{DuplicateMatch, DuplicateReason};
use uuid::Uuid;

use super::fields::Field;
use super::issues::{At, Issues};
use super::views::{IssueScope, Severity};
use crate::error::ApiResult;

/// Finds people registered in the store like those of a household in a village.
pub(super) type DuplicateLookup<'a> =
    dyn FnMut(Uuid, &ValidHousehold) -> ApiResult<Vec<DuplicateMatch>> + 'a;

/// Whether a live resident holds a health-record number.
pub(super) type RecordNumberLookup<'a> = dyn FnMut(&str) -> ApiResult<bool> + 'a;

/// What the checks ask the store.
pub(super) struct Lookups<'a> {
    pub duplicates: &'a mut DuplicateLookup<'a>,
    pub record_number: &'a mut RecordNumberLookup<'a>,
}

const ERROR: (Severity, IssueScope) = (Severity::Error, IssueScope::Member);
const WARNING: (Severity, IssueScope) = (Severity::Warning, IssueScope::Member);

/// People already registered: the same ID number is the member's error; the same name and
/// birth date in the village is a warning. Returns whether an error was found.
pub(super) fn registered(
    lookups: &mut Lookups<'_>,
    (village_id, village): (Uuid, &str),
    member: &ValidResident,
    at: At<'_>,
    issues: &mut Issues<'_>,
) -> ApiResult<bool> {
    let one = ValidHousehold {
        village: village.to_string(),
        group: String::new(),
        address: String::new(),
        members: vec![member.clone()],
    };
    let mut errors = false;
    for m in (lookups.duplicates)(village_id, &one)? {
        match m.reason {
            DuplicateReason::SameIdNumber => {
                errors = true;
                issues.add(
                    at,
                    Some(Field::IdNumber),
                    ERROR,
                    "already_registered",
                    (
                        &format!("已登记：{}（{}）", m.name, m.village),
                        &format!("already registered: {} ({})", m.name, m.village),
                    ),
                );
            }
            DuplicateReason::SameNameAndBirthDate => {
                issues.add(
                    at,
                    Some(Field::Name),
                    WARNING,
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

/// A health-record number another live resident holds is the member's error. Returns
/// whether it is.
pub(super) fn record_number_taken(
    lookups: &mut Lookups<'_>,
    number: &RecordNumber,
    at: At<'_>,
    issues: &mut Issues<'_>,
) -> ApiResult<bool> {
    let taken = (lookups.record_number)(number.as_str())?;
    if taken {
        issues.add(
            at,
            Some(Field::RecordNumber),
            ERROR,
            "record_number_taken",
            (
                &format!("健康档案编号 {number} 已是另一位居民的"),
                &format!("the health-record number {number} is already another resident's"),
            ),
        );
    }
    Ok(taken)
}

/// Where a person was first met in the file: the row and their name.
type Met = (u32, String);

/// The people and numbers met so far in the file, to find them a second time.
#[derive(Default)]
pub(super) struct SeenInFile {
    ids: HashMap<String, Met>,
    records: HashMap<String, Met>,
    /// (village, name, birth date) → where first met.
    people: HashMap<(String, String, String), Met>,
}

fn first_zh((row, name): &Met) -> String {
    if name.is_empty() {
        format!("第 {row} 行")
    } else {
        format!("第 {row} 行（{name}）")
    }
}

fn first_en((row, name): &Met) -> String {
    if name.is_empty() {
        format!("row {row}")
    } else {
        format!("row {row} ({name})")
    }
}

impl SeenInFile {
    /// Notes a member: the same ID number as an earlier row is an error; without an ID
    /// number, the same village, name and birth date is a warning. Returns whether an error
    /// was found.
    pub fn note(
        &mut self,
        village: &str,
        member: &ValidResident,
        at: At<'_>,
        issues: &mut Issues<'_>,
    ) -> bool {
        let here: Met = (at.row, at.name.to_string());
        let mut errors = false;
        if let Some(id) = &member.id_number {
            let id = id.to_string();
            if let Some(first) = self.ids.get(&id) {
                errors = true;
                issues.add(
                    at,
                    Some(Field::IdNumber),
                    ERROR,
                    "duplicate_in_file",
                    (
                        &format!("身份证号与{}重复", first_zh(first)),
                        &format!("the same ID number as {}", first_en(first)),
                    ),
                );
            } else {
                self.ids.insert(id, here.clone());
            }
        }
        if let Some(birth) = member.birth_date {
            let key = (village.to_string(), member.name.clone(), birth.to_string());
            match self.people.get(&key) {
                Some(first) if member.id_number.is_none() => {
                    issues.add(
                        at,
                        Some(Field::Name),
                        WARNING,
                        "possible_duplicate_in_file",
                        (
                            &format!("与{}同村、同名、同出生日期，可能是同一人", first_zh(first)),
                            &format!(
                                "same village, name and birth date as {}: maybe the same person",
                                first_en(first)
                            ),
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    self.people.insert(key, here);
                }
            }
        }
        errors
    }

    /// Notes a member's health-record number: one met before is an error. Returns whether
    /// it was.
    pub fn note_record_number(
        &mut self,
        number: &RecordNumber,
        at: At<'_>,
        issues: &mut Issues<'_>,
    ) -> bool {
        if let Some(first) = self.records.get(number.as_str()) {
            issues.add(
                at,
                Some(Field::RecordNumber),
                ERROR,
                "duplicate_record_number",
                (
                    &format!("健康档案编号与{}重复", first_zh(first)),
                    &format!("the same health-record number as {}", first_en(first)),
                ),
            );
            return true;
        }
        self.records
            .insert(number.as_str().to_string(), (at.row, at.name.to_string()));
        false
    }
}
