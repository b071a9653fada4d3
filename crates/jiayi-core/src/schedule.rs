//! What each signed resident is owed and when (履约计划).
//!
//! An item owed `n` times a year is spread evenly over the term: occurrence `k` opens at
//! `start + (k-1)·L/n` and is due by `start + k·L/n - 1`, where `L` is the term's length in days.
//! Visits recorded for the item during the term fulfil occurrences in order. On a given day an
//! item is *due* when its next occurrence is open, and *overdue* when that occurrence's deadline
//! has passed.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::Term;

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
}

/// When occurrence `k` (1-based) of an item owed `n` times opens and is due.
pub fn occurrence_window(term: &Term, n: u32, k: u32) -> (NaiveDate, NaiveDate) {
    let length = term.days().max(1) as u64;
    let n = u64::from(n.max(1));
    let k = u64::from(k.max(1));
    let opens = term.start + Days::new((k - 1) * length / n);
    let due = term.start + Days::new((k * length).div_ceil(n) - 1);
    (opens, due)
}

/// The next occurrence after `delivered` visits, if any remain in the term.
pub fn next_occurrence(item: &OwedItem, delivered: u32) -> Option<(u32, NaiveDate, NaiveDate)> {
    if item.times_per_year == 0 || delivered >= item.times_per_year {
        return None;
    }
    let k = delivered + 1;
    let (opens, due) = occurrence_window(&item.term, item.times_per_year, k);
    if opens > item.covered_until {
        return None;
    }
    Some((k, opens, due))
}

/// The item's state on `day`, given how many visits fulfilled it so far in the term.
pub fn due_on(item: &OwedItem, delivered: u32, day: NaiveDate) -> Option<DueItem> {
    if day < item.term.start || day > item.covered_until {
        return None;
    }
    let (occurrence, opens_on, due_by) = next_occurrence(item, delivered)?;
    if opens_on > day {
        return None;
    }
    let status = if due_by < day {
        DueStatus::Overdue
    } else {
        DueStatus::Due
    };
    let missed = (occurrence..=item.times_per_year)
        .take_while(|k| occurrence_window(&item.term, item.times_per_year, *k).1 < day)
        .count() as u32;
    Some(DueItem {
        contract_id: item.contract_id,
        resident_id: item.resident_id,
        package_code: item.package_code.clone(),
        item_code: item.item_code.clone(),
        status,
        occurrence,
        times_per_year: item.times_per_year,
        delivered,
        missed,
        opens_on,
        due_by,
    })
}

/// Every open item on `day`, overdue first, then by deadline.
pub fn due_list<'a>(
    items: impl IntoIterator<Item = (&'a OwedItem, u32)>,
    day: NaiveDate,
) -> Vec<DueItem> {
    let mut due: Vec<DueItem> = items
        .into_iter()
        .filter_map(|(item, delivered)| due_on(item, delivered, day))
        .collect();
    due.sort_by(|a, b| {
        (b.status == DueStatus::Overdue)
            .cmp(&(a.status == DueStatus::Overdue))
            .then(a.due_by.cmp(&b.due_by))
            .then(a.resident_id.cmp(&b.resident_id))
            .then(a.item_code.cmp(&b.item_code))
    });
    due
}

/// Days the work list looks ahead for terms ending and back for automatic renewals
/// (`year::renewal::ending_within` and `renewed_within`).
pub const RENEWAL_REMINDER_DAYS: u64 = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::TermPolicy;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn item(n: u32) -> OwedItem {
        let term = Term::first(TermPolicy::CalendarYear, d(2026, 1, 1));
        OwedItem {
            contract_id: Uuid::from_u128(1),
            resident_id: Uuid::from_u128(2),
            package_code: "basic_hypertension".into(),
            item_code: "hypertension_follow_up".into(),
            times_per_year: n,
            term,
            covered_until: term.end,
        }
    }

    #[test]
    fn quarterly_windows_cover_the_year() {
        let it = item(4);
        let windows: Vec<_> = (1..=4).map(|k| occurrence_window(&it.term, 4, k)).collect();
        assert_eq!(windows[0], (d(2026, 1, 1), d(2026, 4, 2)));
        assert_eq!(windows[3].1, d(2026, 12, 31));
        for pair in windows.windows(2) {
            assert!(
                pair[1].0 <= pair[0].1 + Days::new(1),
                "gap between {pair:?}"
            );
        }
    }

    #[test]
    fn due_and_overdue_by_table() {
        // (delivered, day, expected status, occurrence, missed)
        let table = [
            (0, d(2026, 2, 1), Some((DueStatus::Due, 1, 0))),
            (0, d(2026, 5, 1), Some((DueStatus::Overdue, 1, 1))),
            (0, d(2026, 11, 1), Some((DueStatus::Overdue, 1, 3))),
            (1, d(2026, 2, 1), None), // the second quarter has not opened yet
            (1, d(2026, 4, 10), Some((DueStatus::Due, 2, 0))),
            (4, d(2026, 12, 1), None),
            (0, d(2027, 1, 2), None), // outside the term
        ];
        let it = item(4);
        for (delivered, day, expected) in table {
            let got = due_on(&it, delivered, day).map(|d| (d.status, d.occurrence, d.missed));
            assert_eq!(got, expected, "delivered {delivered} on {day}");
        }
    }

    #[test]
    fn on_need_items_are_never_scheduled_and_termination_stops_the_rest() {
        assert_eq!(due_on(&item(0), 0, d(2026, 6, 1)), None);
        let mut ended = item(4);
        ended.covered_until = d(2026, 3, 31);
        assert_eq!(due_on(&ended, 0, d(2026, 4, 10)), None);
        assert_eq!(next_occurrence(&ended, 1), None);
    }
}
