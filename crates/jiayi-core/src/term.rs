//! Agreement terms and the rule of automatic renewal (视为自动续约): which term is in force on a
//! day, from the signed term and what the contract's events say about its end. A leaf module:
//! the contract, the renewal rules and the indicator dataset all answer with it.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// How a township sets agreement terms (a township setting).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermPolicy {
    /// One year from the signing day.
    #[default]
    RollingYear,
    /// Calendar years. A first signing runs from the signing day to 31 December; one made in
    /// the last quarter runs to the end of the next year, so a household signed in December is
    /// not due for renewal days later. Renewals cover the next calendar year.
    CalendarYear,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub start: NaiveDate,
    /// Last day covered (inclusive).
    pub end: NaiveDate,
    pub policy: TermPolicy,
    /// The term renews by itself at its end unless terminated (视为自动续约).
    pub auto_renew: bool,
}

impl Term {
    pub fn first(policy: TermPolicy, signed_on: NaiveDate) -> Term {
        let end = match policy {
            TermPolicy::RollingYear => one_year_from(signed_on),
            TermPolicy::CalendarYear if signed_on.month() >= 10 => {
                end_of_year(signed_on.year() + 1)
            }
            TermPolicy::CalendarYear => end_of_year(signed_on.year()),
        };
        Term {
            start: signed_on,
            end,
            policy,
            auto_renew: true,
        }
    }

    /// The term that follows this one, under the policy in force at renewal.
    pub fn next(&self, policy: TermPolicy) -> Term {
        let start = self.end + Days::new(1);
        let end = match policy {
            TermPolicy::RollingYear => one_year_from(start),
            TermPolicy::CalendarYear => end_of_year(start.year()),
        };
        Term {
            start,
            end,
            policy,
            auto_renew: true,
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// Number of days covered.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

fn one_year_from(start: NaiveDate) -> NaiveDate {
    // 29 February + 12 months is 28 February next year; the term ends the day before.
    start.checked_add_months(Months::new(12)).unwrap_or(start) - Days::new(1)
}

fn end_of_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Far enough for any real question (a century of yearly terms) and a bound on the loop.
const MAX_RENEWALS: u32 = 100;

/// The term of a contract in force on a day.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermInForce {
    pub term: Term,
    /// 0 for the signed term, 1 for the first renewal, and so on.
    pub renewal: u32,
    /// The day before an effective termination, when one falls in this term.
    pub last_day: NaiveDate,
}

/// The rule behind [`crate::year::renewal::term_on`], from what a contract's events say about its end: the day a
/// termination takes effect, and the day an explicit successor contract starts, if one was
/// signed (the contract renews by itself up to the day before). Readers that keep only these
/// facts (the indicator dataset) answer with it, so there is one rule.
pub fn term_in_force(
    signed: &Term,
    terminated: Option<NaiveDate>,
    successor_from: Option<NaiveDate>,
    day: NaiveDate,
) -> Option<TermInForce> {
    if day < signed.start
        || terminated.is_some_and(|t| t <= day)
        || successor_from.is_some_and(|s| s <= day)
    {
        return None;
    }
    let mut term = *signed;
    let mut renewal = 0;
    while day > term.end {
        if !term.auto_renew || renewal >= MAX_RENEWALS {
            return None;
        }
        term = term.next(term.policy);
        renewal += 1;
    }
    let stops = [terminated, successor_from]
        .into_iter()
        .flatten()
        .filter(|stop| *stop <= term.end)
        .min();
    let last_day = match stops {
        Some(t) => t.pred_opt().unwrap_or(t),
        None => term.end,
    };
    Some(TermInForce {
        term,
        renewal,
        last_day,
    })
}

/// The first day of the successor contract a `Renewed` event names: the day it records, or,
/// for events recorded before the day was kept, the day after the signed term.
pub fn successor_start(signed: &Term, recorded: Option<NaiveDate>) -> NaiveDate {
    recorded.unwrap_or_else(|| signed.end.succ_opt().unwrap_or(signed.end))
}

/// Every term in force from the signing up to a day, oldest first (the signed term, then each
/// renewal), each with its last day covered.
pub fn terms_until(
    signed: &Term,
    terminated: Option<NaiveDate>,
    successor_from: Option<NaiveDate>,
    until: NaiveDate,
) -> Vec<TermInForce> {
    let mut out = Vec::new();
    let mut day = signed.start;
    while day <= until {
        let Some(t) = term_in_force(signed, terminated, successor_from, day) else {
            break;
        };
        out.push(t);
        match t.term.end.checked_add_days(Days::new(1)) {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// The last day a contract covers, as far as its records tell: the day before an effective
/// termination or before its successor starts, or the end of a term that does not renew;
/// `None` while it renews by itself.
pub fn covered_until(
    signed: &Term,
    terminated: Option<NaiveDate>,
    successor_from: Option<NaiveDate>,
) -> Option<NaiveDate> {
    match [terminated, successor_from].into_iter().flatten().min() {
        Some(t) => Some(t.pred_opt().unwrap_or(t)),
        None if !signed.auto_renew => Some(signed.end),
        None => None,
    }
}
