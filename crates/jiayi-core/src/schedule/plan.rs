//! The one rule for what an item owes under a term and how visits fulfil it: the work list,
//! the household page and the indicators all call [`plan`], [`fulfilled`] and [`standing_on`].
//!
//! - **Spread** (no windows in the catalog): `times_per_year` occurrences spread evenly over
//!   the term, or over the part of it from the anchor's date on (a patient diagnosed in
//!   mid-term owes the share of the year left, rounded up). Visits during the term fulfil
//!   occurrences in order, an early visit counting for the next occurrence; with
//!   `min_gap_days` a visit too close to the previous counted one does not count.
//! - **Windows**: one occurrence per window per anchor date (each pregnancy, each delivery, the
//!   birth). A term owes the windows that close on or after its first day and open by its last
//!   covered day; a window open across a renewal belongs to the term it opened in (or, for the
//!   contract's first term, to that term even when it opened before signing). A visit fulfils
//!   the open window it falls in; a visit outside every window fulfils, late, the last window
//!   that closed unfulfilled before it. A window that closed unfulfilled stays missed: the next
//!   window is not pushed back. Windows counted from a period that ends (a pregnancy ends the
//!   day before delivery, a treatment or diagnosis with its period) stop there: a window
//!   opening after it is not owed, one open across it closes with it.

use chrono::{Days, NaiveDate};

use super::window::{Anchor, ItemSchedule};
use crate::contract::Term;
use crate::person::PopulationGroup;
use crate::term::TermInForce;
use crate::year::groups::GroupPeriod;

/// What a resident's anchors are read from: the birth date and the dated group periods.
#[derive(Debug, Clone, Copy, Default)]
pub struct Anchors<'a> {
    pub birth_date: Option<NaiveDate>,
    pub periods: &'a [GroupPeriod],
}

impl Anchors<'_> {
    fn starts_of(&self, group: PopulationGroup) -> impl Iterator<Item = &GroupPeriod> {
        self.periods.iter().filter(move |p| p.group == group)
    }

    /// The anchor dates an item counts from, earliest first, each with the last day its
    /// windows may reach when the anchor is a period that ends (a pregnancy ends with the
    /// delivery, a treatment or a diagnosis with its period).
    pub fn dates(
        &self,
        schedule: &ItemSchedule,
        term: &Term,
    ) -> Vec<(NaiveDate, Option<NaiveDate>)> {
        let of_periods = |group| {
            self.starts_of(group)
                .map(|p| (p.start, p.last_day()))
                .collect::<Vec<_>>()
        };
        let mut dates = match (schedule.anchor, schedule.group) {
            (Anchor::Term, _) => vec![(term.start, None)],
            (Anchor::Birth, _) => self.birth_date.map(|b| (b, None)).into_iter().collect(),
            (Anchor::Pregnancy, _) => of_periods(PopulationGroup::Pregnant),
            (Anchor::Delivery, _) => self
                .starts_of(PopulationGroup::Postpartum)
                .map(|p| (p.start, None))
                .collect(),
            (Anchor::Diagnosis | Anchor::Treatment, Some(group)) => of_periods(group),
            (Anchor::Diagnosis | Anchor::Treatment, None) => Vec::new(),
        };
        dates.sort();
        dates.dedup_by_key(|(start, _)| *start);
        dates
    }
}

/// How visits fulfil a plan's occurrences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fulfilment {
    /// Visits from `counts_from` to the last covered day fulfil occurrences in order.
    InOrder {
        counts_from: NaiveDate,
        min_gap_days: u32,
    },
    /// A visit fulfils the window it falls in, or late the last one missed before it.
    ByWindow,
}

/// One owed occurrence: its window, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub opens_on: NaiveDate,
    pub due_by: NaiveDate,
    /// The anchor's date the window counts from (the birth, the last menstrual period, the
    /// delivery, the diagnosis, the start of treatment); none for items spread over the term.
    pub anchored_on: Option<NaiveDate>,
}

/// What an item owes under one term in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// What the item's windows count from (the catalog's anchor).
    pub anchor: Anchor,
    pub occurrences: Vec<Occurrence>,
    pub fulfilment: Fulfilment,
    /// The last day the contract covers in this term.
    pub covered_until: NaiveDate,
}

/// Where an item stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Its next window has not opened yet.
    Upcoming,
    /// A window is open and not fulfilled.
    Due,
    /// The last window closed unfulfilled and the next has not opened.
    Overdue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub state: ItemState,
    /// Index of the occurrence concerned in the plan.
    pub index: usize,
    pub delivered: u32,
    /// Occurrences whose window closed before the day unfulfilled.
    pub missed: u32,
}

/// Whether a member owes the item at all: an item owed once per household is owed by its head.
pub fn owed_by(schedule: &ItemSchedule, is_head: bool) -> bool {
    !schedule.per_household || is_head
}

/// Occurrence `k` (1-based) of `n` spread evenly over the days `start..=end`.
pub fn spread_window(start: NaiveDate, end: NaiveDate, n: u32, k: u32) -> (NaiveDate, NaiveDate) {
    let length = ((end - start).num_days() + 1).max(1) as u64;
    let n = u64::from(n.max(1));
    let k = u64::from(k.max(1));
    let opens = start + Days::new((k - 1) * length / n);
    let due = start + Days::new((k * length).div_ceil(n) - 1);
    (opens, due)
}

/// What an item owes under a term in force (`first_term`: the contract's signed term, not a
/// renewal), for a resident with these anchors.
pub fn plan(
    schedule: &ItemSchedule,
    times_per_year: u32,
    anchors: &Anchors<'_>,
    term: &Term,
    first_term: bool,
    covered_until: NaiveDate,
) -> Plan {
    let spread_over_term = schedule.anchor == Anchor::Term && schedule.windows.is_empty();
    let dates = if spread_over_term {
        Vec::new() // the common case: nothing to look up
    } else {
        anchors.dates(schedule, term)
    };
    let mut occurrences = Vec::with_capacity(times_per_year as usize);
    if schedule.windows.is_empty() {
        // Spread from the anchor's date in the term, or from the term's start.
        let from = match schedule.anchor {
            Anchor::Term => Some(term.start),
            Anchor::Diagnosis => Some(
                dates
                    .iter()
                    .map(|(d, _)| *d)
                    .filter(|d| *d <= term.end)
                    .max()
                    .map_or(term.start, |d| d.max(term.start)),
            ),
            _ => dates
                .iter()
                .map(|(d, _)| *d)
                .filter(|d| *d <= term.end)
                .max()
                .map(|d| d.max(term.start)),
        };
        // The anchor's own date, shown beside the item (the spread may start later, at the term).
        let anchored_on = match schedule.anchor {
            Anchor::Term => None,
            _ => dates
                .iter()
                .map(|(d, _)| *d)
                .filter(|d| *d <= term.end)
                .max(),
        };
        if let Some(from) = from.filter(|_| times_per_year > 0) {
            let length = term.days().max(1) as u64;
            let rest = ((term.end - from).num_days() + 1).max(0) as u64;
            let n = (u64::from(times_per_year) * rest).div_ceil(length) as u32;
            for k in 1..=n {
                let (opens_on, due_by) = spread_window(from, term.end, n, k);
                if opens_on <= covered_until {
                    occurrences.push(Occurrence {
                        opens_on,
                        due_by,
                        anchored_on,
                    });
                }
            }
        }
        return Plan {
            anchor: schedule.anchor,
            occurrences,
            fulfilment: Fulfilment::InOrder {
                counts_from: term.start,
                min_gap_days: schedule.min_gap_days,
            },
            covered_until,
        };
    }
    for (anchor, last_day) in dates {
        for w in &schedule.windows {
            let Some((opens_on, due_by)) = w.dates(anchor) else {
                continue;
            };
            // A window the period's end comes before is not owed; one it cuts closes with it.
            let due_by = match last_day {
                Some(last) if opens_on > last => continue,
                Some(last) => due_by.min(last),
                None => due_by,
            };
            let owned = due_by >= term.start
                && opens_on <= covered_until
                && (opens_on >= term.start || first_term);
            if owned {
                occurrences.push(Occurrence {
                    opens_on,
                    due_by,
                    anchored_on: Some(anchor),
                });
            }
        }
    }
    occurrences.sort_by_key(|o| (o.due_by, o.opens_on));
    Plan {
        anchor: schedule.anchor,
        occurrences,
        fulfilment: Fulfilment::ByWindow,
        covered_until,
    }
}

/// What a resident is owed while `current` is in force, as the work list shows it: the term's
/// own plan plus the windows the previous term (`previous`, when `current` renewed it) opened
/// and that close in this one. They stay the previous term's occurrences for the indicators.
pub fn plan_in_force(
    schedule: &ItemSchedule,
    times_per_year: u32,
    anchors: &Anchors<'_>,
    current: &TermInForce,
    previous: Option<&TermInForce>,
) -> Plan {
    let mut owed = plan(
        schedule,
        times_per_year,
        anchors,
        &current.term,
        current.renewal == 0,
        current.last_day,
    );
    if let (Fulfilment::ByWindow, Some(previous)) = (owed.fulfilment, previous) {
        let before = plan(
            schedule,
            times_per_year,
            anchors,
            &previous.term,
            previous.renewal == 0,
            previous.last_day,
        );
        owed.occurrences.extend(
            before
                .occurrences
                .into_iter()
                .filter(|o| o.due_by >= current.term.start),
        );
        owed.occurrences.sort_by_key(|o| (o.due_by, o.opens_on));
    }
    owed
}

/// The day each occurrence was fulfilled, if it was, by visits (sorted) up to `until`.
pub fn fulfilled(plan: &Plan, visits: &[NaiveDate], until: NaiveDate) -> Vec<Option<NaiveDate>> {
    let mut done = vec![None; plan.occurrences.len()];
    match plan.fulfilment {
        Fulfilment::InOrder {
            counts_from,
            min_gap_days,
        } => {
            let last = until.min(plan.covered_until);
            let mut previous: Option<NaiveDate> = None;
            let mut next = 0;
            for &v in visits.iter().filter(|v| counts_from <= **v && **v <= last) {
                if next == done.len() {
                    break;
                }
                let far_enough = previous.is_none_or(|p| {
                    min_gap_days == 0 || (v - p).num_days() >= i64::from(min_gap_days)
                });
                if far_enough {
                    done[next] = Some(v);
                    next += 1;
                    previous = Some(v);
                }
            }
        }
        Fulfilment::ByWindow => {
            for &v in visits.iter().filter(|v| **v <= until) {
                let open = plan
                    .occurrences
                    .iter()
                    .enumerate()
                    .position(|(i, o)| done[i].is_none() && o.opens_on <= v && v <= o.due_by);
                let late = || {
                    plan.occurrences
                        .iter()
                        .enumerate()
                        .rev()
                        .find(|(i, o)| done[*i].is_none() && o.due_by < v)
                        .map(|(i, _)| i)
                };
                if let Some(i) = open.or_else(late) {
                    done[i] = Some(v);
                }
            }
        }
    }
    done
}

/// Where the item stands on `day`, or `None` when nothing is left to do in the plan.
pub fn standing_on(plan: &Plan, done: &[Option<NaiveDate>], day: NaiveDate) -> Option<Standing> {
    let occ = &plan.occurrences;
    let delivered = done.iter().filter(|d| d.is_some()).count() as u32;
    let missed = occ
        .iter()
        .zip(done)
        .filter(|(o, d)| d.is_none() && o.due_by < day)
        .count() as u32;
    let standing = |state, index| {
        Some(Standing {
            state,
            index,
            delivered,
            missed,
        })
    };
    let state_of = |o: &Occurrence| {
        if o.opens_on > day {
            ItemState::Upcoming
        } else if o.due_by < day {
            ItemState::Overdue
        } else {
            ItemState::Due
        }
    };
    match plan.fulfilment {
        Fulfilment::InOrder { .. } => {
            let index = done.iter().position(Option::is_none)?;
            standing(state_of(&occ[index]), index)
        }
        Fulfilment::ByWindow => {
            let open = (0..occ.len())
                .find(|&i| done[i].is_none() && occ[i].opens_on <= day && day <= occ[i].due_by);
            if let Some(i) = open {
                return standing(ItemState::Due, i);
            }
            let last_closed = (0..occ.len()).rev().find(|&i| occ[i].due_by < day);
            // Overdue until a later window opens; from then on it is counted as missed.
            let later_opened = |i: usize| {
                occ.iter()
                    .any(|o| o.opens_on > occ[i].due_by && o.opens_on <= day)
            };
            if let Some(i) = last_closed.filter(|&i| done[i].is_none() && !later_opened(i)) {
                return standing(ItemState::Overdue, i);
            }
            let next = (0..occ.len()).find(|&i| done[i].is_none() && occ[i].opens_on > day)?;
            standing(ItemState::Upcoming, next)
        }
    }
}
