//! How the catalog says when an item is owed: what it is anchored on and its windows.
//!
//! An item's `schedule` in `assets/catalog/*.toml` names an [`Anchor`] (the contract term, the
//! birth date, the last menstrual period, the delivery, the date of diagnosis, the start of
//! treatment) and either explicit windows counted from that anchor (`{ from = "16w", to =
//! "20w6d" }`) or nothing, in which case `times_per_year` is spread evenly over the term from
//! the anchor on. Offsets are written as signed sums of days, weeks, months and years
//! (`"3m-15d"`, `"12w6d"`, `"4y+1m"`); months and years are calendar months, so "3 months of
//! age" falls on the same day of the month as the birth.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::person::PopulationGroup;

/// What an item's windows are counted from.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The contract term in force (catalogs without anchors: the even spread of old).
    #[default]
    Term,
    /// The resident's birth date.
    Birth,
    /// The first day of a pregnancy: the last menstrual period, or the expected delivery date
    /// minus 280 days.
    Pregnancy,
    /// The day of delivery (the start of the postpartum period).
    Delivery,
    /// The date of diagnosis of the schedule's group.
    Diagnosis,
    /// The start of treatment of the schedule's group (tuberculosis).
    Treatment,
}

impl Anchor {
    /// Whether the anchor is a dated group period whose group the schedule must name.
    pub fn needs_group(self) -> bool {
        matches!(self, Anchor::Diagnosis | Anchor::Treatment)
    }
}

/// A signed distance from an anchor: calendar months plus days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Offset {
    pub months: i32,
    pub days: i32,
}

impl Offset {
    pub const fn days(days: i32) -> Offset {
        Offset { months: 0, days }
    }

    /// The day this far from `anchor`: months first (clamped to the month's end), then days.
    pub fn from(&self, anchor: NaiveDate) -> Option<NaiveDate> {
        let m = self.months.unsigned_abs();
        let moved = if self.months >= 0 {
            anchor.checked_add_months(Months::new(m))?
        } else {
            anchor.checked_sub_months(Months::new(m))?
        };
        let d = u64::from(self.days.unsigned_abs());
        if self.days >= 0 {
            moved.checked_add_days(Days::new(d))
        } else {
            moved.checked_sub_days(Days::new(d))
        }
    }
}

impl FromStr for Offset {
    type Err = String;

    /// `"0d"`, `"12w6d"`, `"3m-15d"`, `"4y+1m"`: terms of a number and a unit (d, w, m, y), each
    /// but the first with an optional sign.
    fn from_str(text: &str) -> Result<Offset, String> {
        let bad =
            || format!("cannot read the offset \"{text}\" (write e.g. 7d, 12w6d, 3m-15d, 4y)");
        let mut offset = Offset::default();
        let mut chars = text.trim().chars().peekable();
        if chars.peek().is_none() {
            return Err(bad());
        }
        while chars.peek().is_some() {
            let sign = match chars.peek() {
                Some('-') => {
                    chars.next();
                    -1
                }
                Some('+') => {
                    chars.next();
                    1
                }
                _ => 1,
            };
            let mut digits = String::new();
            while let Some(c) = chars.peek().filter(|c| c.is_ascii_digit()) {
                digits.push(*c);
                chars.next();
            }
            let n: i32 = digits.parse().map_err(|_| bad())?;
            let n = n.checked_mul(sign).ok_or_else(bad)?;
            match chars.next() {
                Some('d') => offset.days += n,
                Some('w') => offset.days += n * 7,
                Some('m') => offset.months += n,
                Some('y') => offset.months += n * 12,
                _ => return Err(bad()),
            }
        }
        Ok(offset)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.months, self.days) {
            (0, d) => write!(f, "{d}d"),
            (m, 0) => write!(f, "{m}m"),
            (m, d) if d < 0 => write!(f, "{m}m{d}d"),
            (m, d) => write!(f, "{m}m+{d}d"),
        }
    }
}

impl Serialize for Offset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Offset, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One window: from its first day to its last day (both included), counted from the anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WindowSpec {
    pub from: Offset,
    pub to: Offset,
}

impl WindowSpec {
    /// The window's first and last day for an anchor date.
    pub fn dates(&self, anchor: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        Some((self.from.from(anchor)?, self.to.from(anchor)?))
    }
}

/// When an item is owed. The default (no `schedule` in the catalog) is the even spread over
/// the term that catalogs before version 2026.2 meant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemSchedule {
    #[serde(default)]
    pub anchor: Anchor,
    /// The group whose dated period gives the anchor (diagnosis, treatment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<PopulationGroup>,
    /// Explicit windows from the anchor; empty means `times_per_year` spread evenly over the
    /// term from the anchor on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<WindowSpec>,
    /// Visits closer than this to the previous counted one do not count again (spread only).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_gap_days: u32,
    /// Owed once per household (health education): by its head only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub per_household: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ItemSchedule {
    /// What is wrong with the schedule, if anything (for the catalog's check).
    pub fn problem(&self) -> Option<String> {
        if self.anchor.needs_group() && self.group.is_none() {
            return Some("an anchor on a diagnosis or treatment needs its group".into());
        }
        if !self.windows.is_empty() && self.min_gap_days > 0 {
            return Some("min_gap_days applies to spread items, not to windows".into());
        }
        let probe = NaiveDate::from_ymd_opt(2024, 1, 31)?;
        for w in &self.windows {
            match w.dates(probe) {
                Some((from, to)) if from <= to => {}
                _ => {
                    return Some(format!(
                        "the window {}..{} ends before it starts",
                        w.from, w.to
                    ));
                }
            }
        }
        None
    }
}
