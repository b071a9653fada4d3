//! What each signed resident is owed and when (履约计划).
//!
//! Each catalog item says what it is anchored on and its windows ([`window::ItemSchedule`]);
//! [`plan`] turns that, the resident's anchor dates and the term in force into occurrences,
//! says which visits fulfilled them and where the item stands on a day: *upcoming* before its
//! window opens, *due* inside it, *overdue* after it closes. The work list and the indicators
//! both call it. An item without an anchor (old catalogs) is spread evenly over the term:
//! occurrence `k` opens at `start + (k-1)·L/n` and is due by `start + ⌈k·L/n⌉ - 1`, where `L`
//! is the term's length in days.

pub mod applies;
pub mod plan;
pub mod window;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::Term;
use plan::{ItemState, Occurrence, Plan, fulfilled, spread_window, standing_on};

/// One service item a resident is owed under a contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwedItem {
    pub contract_id: Uuid,
    pub resident_id: Uuid,
    pub package_code: String,
    pub item_code: String,
    pub times_per_year: u32,
    pub term: Term,
    /// The last day the contract covers (earlier than the term end after a termination).
    pub covered_until: NaiveDate,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    Due,
    Overdue,
    /// Its next window opens within the days the work list looks ahead.
    Upcoming,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueItem {
    pub contract_id: Uuid,
    pub resident_id: Uuid,
    pub package_code: String,
    pub item_code: String,
    pub status: DueStatus,
    /// Which occurrence is next (1-based) out of `times_per_year`.
    pub occurrence: u32,
    pub times_per_year: u32,
    pub delivered: u32,
    /// Occurrences whose deadline has passed without a visit.
    pub missed: u32,
    pub opens_on: NaiveDate,
    pub due_by: NaiveDate,
    /// What the item counts from, and that anchor's date for this occurrence (none for items
    /// spread over the term).
    pub anchor: window::Anchor,
    pub anchored_on: Option<NaiveDate>,
}

/// Days ahead the work list shows an item whose window has not opened yet, so a round can
/// take it in (a newborn visit due next week, an antenatal check at 28 weeks).
pub const UPCOMING_DAYS: u64 = 14;

/// When occurrence `k` (1-based) of an item owed `n` times over the whole term opens and is due.
pub fn occurrence_window(term: &Term, n: u32, k: u32) -> (NaiveDate, NaiveDate) {
    spread_window(term.start, term.end, n, k)
}

/// An owed item with its plan under the term in force and the day each occurrence was
/// fulfilled.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledItem {
    pub owed: OwedItem,
    pub plan: Plan,
    pub done: Vec<Option<NaiveDate>>,
}

impl ScheduledItem {
    /// Plans the item and fulfils it with the visits (sorted) recorded for it up to `day`.
    pub fn new(owed: OwedItem, plan: Plan, visits: &[NaiveDate], day: NaiveDate) -> ScheduledItem {
        let done = fulfilled(&plan, visits, day);
        ScheduledItem { owed, plan, done }
    }

    /// The first occurrence not yet fulfilled that opens while the contract covers, numbered
    /// from 1: what a doctor is told is owed next after a visit.
    pub fn next_open(&self) -> Option<(u32, &Occurrence)> {
        self.plan
            .occurrences
            .iter()
            .enumerate()
            .find(|(i, o)| {
                self.done.get(*i).is_none_or(|d| d.is_none())
                    && o.opens_on <= self.owed.covered_until
            })
            .map(|(i, o)| (i as u32 + 1, o))
    }

    /// Occurrences fulfilled so far.
    pub fn delivered(&self) -> u32 {
        self.done.iter().filter(|d| d.is_some()).count() as u32
    }

    /// The item on `day` as the work list shows it, when it is due or overdue.
    pub fn due_on(&self, day: NaiveDate) -> Option<DueItem> {
        self.on(day, 0)
    }

    /// The item on `day` when it is due or overdue, or upcoming with its window opening within
    /// `ahead` days.
    pub fn on(&self, day: NaiveDate, ahead: u64) -> Option<DueItem> {
        if day > self.owed.covered_until {
            return None;
        }
        let standing = standing_on(&self.plan, &self.done, day)?;
        let occurrence = &self.plan.occurrences[standing.index];
        let status = match standing.state {
            ItemState::Upcoming
                if ahead > 0
                    && occurrence.opens_on <= day + chrono::Days::new(ahead)
                    && occurrence.opens_on <= self.owed.covered_until =>
            {
                DueStatus::Upcoming
            }
            ItemState::Upcoming => return None,
            ItemState::Due => DueStatus::Due,
            ItemState::Overdue => DueStatus::Overdue,
        };
        Some(DueItem {
            contract_id: self.owed.contract_id,
            resident_id: self.owed.resident_id,
            package_code: self.owed.package_code.clone(),
            item_code: self.owed.item_code.clone(),
            status,
            occurrence: standing.index as u32 + 1,
            times_per_year: self.plan.occurrences.len() as u32,
            delivered: standing.delivered,
            missed: standing.missed,
            opens_on: occurrence.opens_on,
            due_by: occurrence.due_by,
            anchor: self.plan.anchor,
            anchored_on: occurrence.anchored_on,
        })
    }
}

/// Every due or overdue item on `day`, overdue first, then by deadline.
pub fn due_list<'a>(
    items: impl IntoIterator<Item = &'a ScheduledItem>,
    day: NaiveDate,
) -> Vec<DueItem> {
    work_items(items, day, 0)
}

/// Every item overdue, due, or upcoming within `ahead` days on `day`, in that order, then by
/// deadline.
pub fn work_items<'a>(
    items: impl IntoIterator<Item = &'a ScheduledItem>,
    day: NaiveDate,
    ahead: u64,
) -> Vec<DueItem> {
    let mut due: Vec<DueItem> = items
        .into_iter()
        .filter_map(|item| item.on(day, ahead))
        .collect();
    due.sort_by(|a, b| {
        a.status
            .urgency()
            .cmp(&b.status.urgency())
            .then(a.due_by.cmp(&b.due_by))
            .then(a.resident_id.cmp(&b.resident_id))
            .then(a.item_code.cmp(&b.item_code))
    });
    due
}

impl DueStatus {
    /// Overdue first, then due, then upcoming.
    pub fn urgency(self) -> u8 {
        match self {
            DueStatus::Overdue => 0,
            DueStatus::Due => 1,
            DueStatus::Upcoming => 2,
        }
    }
}

/// Days the work list looks ahead for terms ending and back for automatic renewals
/// (`year::renewal::ending_within` and `renewed_within`).
pub const RENEWAL_REMINDER_DAYS: u64 = 30;

#[cfg(test)]
mod tests;
