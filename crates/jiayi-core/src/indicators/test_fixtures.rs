//! Helpers both hand-computed townships share.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::contract::{Term, TermPolicy};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// A rolling-year term that renews by itself.
pub fn term(start: NaiveDate, end: NaiveDate) -> Term {
    Term {
        start,
        end,
        policy: TermPolicy::RollingYear,
        auto_renew: true,
    }
}
