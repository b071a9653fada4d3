//! Indicators the township reports (定期报表): signing rates, fulfilment, standard management
//! and control of hypertension and diabetes, the 65+ health management rate.
//!
//! Every formula is a pure function over a plain in-memory [`Dataset`] (residents, contracts,
//! visits), a [`Period`] and a reference date. The device builds the dataset from its SQLite
//! file; the township server can build the same one from its record payloads.
//!
//! What the words mean here (`docs/indicators.md` says the same at more length):
//! - **as-of day**: the period's last day, or the reference date ("today") when the period is
//!   not over yet. Population, groups, ages and coverage are all taken on the as-of day.
//! - **signed**: covered on the as-of day by a contract (term started, not ended, not
//!   terminated). A contract whose term ended without a recorded renewal does not cover.
//! - **due in the period**: an occurrence of an owed item (see [`crate::schedule`]) whose
//!   deadline falls between the period's first day and the as-of day, while the contract
//!   still covered the resident on that deadline.
//! - **delivered**: visits recorded for that item of that contract, from the term's start to
//!   the as-of day (never after the cover ended), fulfil occurrences in order.
//! - **the year** of the management rates: the twelve months ending on the as-of day.

mod compute;
pub mod dataset;
mod kinds;
pub mod services;
pub mod year;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use compute::{
    Contribution, DrillRow, Subject, SubjectRef, Units, compute, drill_down, evaluate,
};
pub use dataset::Dataset;
pub use kinds::{IndicatorKind, Targets};

/// A reporting period: both days included.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Option<Period> {
        (start <= end).then_some(Period { start, end })
    }

    pub fn month(year: i32, month: u32) -> Option<Period> {
        let start = NaiveDate::from_ymd_opt(year, month, 1)?;
        let end = start.checked_add_months(Months::new(1))? - Days::new(1);
        Some(Period { start, end })
    }

    pub fn quarter(year: i32, quarter: u32) -> Option<Period> {
        if !(1..=4).contains(&quarter) {
            return None;
        }
        let start = NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1)?;
        let end = start.checked_add_months(Months::new(3))? - Days::new(1);
        Some(Period { start, end })
    }

    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            start: NaiveDate::from_ymd_opt(year, 1, 1)?,
            end: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }

    /// Reads `2026`, `2026-11`, `2026-Q4` or `2026-01-01..2026-06-30`.
    pub fn parse(text: &str) -> Option<Period> {
        let text = text.trim();
        if let Some((a, b)) = text.split_once("..") {
            let start = crate::household::parse_date(a).ok()?;
            let end = crate::household::parse_date(b).ok()?;
            return Period::new(start, end);
        }
        let parts: Vec<&str> = text.split('-').collect();
        match parts.as_slice() {
            [y] => Period::year(y.parse().ok()?),
            [y, q] if q.starts_with(['Q', 'q']) => {
                Period::quarter(y.parse().ok()?, q[1..].parse().ok()?)
            }
            [y, m] => Period::month(y.parse().ok()?, m.parse().ok()?),
            _ => None,
        }
    }

    /// The day stocks are counted on: the last day, or `reference` while the period runs.
    pub fn as_of(&self, reference: NaiveDate) -> NaiveDate {
        self.end.min(reference).max(self.start)
    }

    /// Short text for titles and file names: `2026-11`, `2026`, or `2026-01-01..2026-06-30`.
    pub fn label(&self) -> String {
        let (s, e) = (self.start, self.end);
        if Period::year(s.year()) == Some(*self) {
            return s.year().to_string();
        }
        if Period::month(s.year(), s.month()) == Some(*self) {
            return format!("{}-{:02}", s.year(), s.month());
        }
        if s.month() % 3 == 1 && Period::quarter(s.year(), s.month() / 3 + 1) == Some(*self) {
            return format!("{}-Q{}", s.year(), s.month() / 3 + 1);
        }
        format!("{s}..{e}")
    }
}

/// The twelve months ending on `as_of`, both days included.
pub fn year_window(as_of: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = as_of
        .checked_sub_months(Months::new(12))
        .map(|d| d + Days::new(1))
        .unwrap_or(NaiveDate::MIN);
    (start, as_of)
}

/// Level of a report: one row per village, team, doctor, or the township as a whole.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Township,
    Village,
    Team,
    Doctor,
}

impl Level {
    pub fn from_code(code: &str) -> Option<Level> {
        match code.trim() {
            "township" => Some(Level::Township),
            "village" => Some(Level::Village),
            "team" => Some(Level::Team),
            "doctor" => Some(Level::Doctor),
            _ => None,
        }
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            Level::Township => ("全镇", "township"),
            Level::Village => ("村", "village"),
            Level::Team => ("团队", "team"),
            Level::Doctor => ("医生", "doctor"),
        };
        lang.pick(zh, en)
    }
}

/// What a report is computed for: the period and "today".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Params {
    pub period: Period,
    /// The day the report is made; figures never look past it.
    pub reference: NaiveDate,
}

impl Params {
    pub fn as_of(&self) -> NaiveDate {
        self.period.as_of(self.reference)
    }
}

/// One figure: numerator over denominator, against the township's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Figure {
    pub kind: IndicatorKind,
    pub numerator: u64,
    pub denominator: u64,
    /// `numerator / denominator`; none when nobody is counted.
    pub rate: Option<f64>,
    pub target: Option<f64>,
    pub met: Option<bool>,
}

impl Figure {
    pub fn new(kind: IndicatorKind, numerator: u64, denominator: u64, target: Option<f64>) -> Self {
        let rate = (denominator > 0).then(|| numerator as f64 / denominator as f64);
        // A tolerance so that 9 of 10 meets a 90% target despite binary fractions.
        let met = rate.zip(target).map(|(r, t)| r + 1e-9 >= t);
        Figure {
            kind,
            numerator,
            denominator,
            rate,
            target,
            met,
        }
    }
}

/// The row a figure belongs to: a village, team or doctor (`id` none for the township, or for
/// residents no team or doctor is responsible for).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UnitFigures {
    pub level: Level,
    pub id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub figures: Vec<Figure>,
    /// Services delivered in the period (visits of any kind and mode, up to the as-of day)
    /// counted for the row: at the doctor level by who served, so nurses and public-health
    /// workers get rows too (see `docs/indicators.md`).
    #[serde(default)]
    pub services: u64,
}

impl UnitFigures {
    pub fn figure(&self, kind: IndicatorKind) -> Option<&Figure> {
        self.figures.iter().find(|f| f.kind == kind)
    }
}

/// Every indicator for a period, one row per unit of the level, and the township's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Report {
    pub period: Period,
    pub as_of: NaiveDate,
    pub level: Level,
    pub units: Vec<UnitFigures>,
    pub total: UnitFigures,
}

#[cfg(test)]
mod standard_tests;
#[cfg(test)]
mod test_fixtures;
#[cfg(test)]
mod tests;
