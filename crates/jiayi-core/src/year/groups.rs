//! Recorded population groups as dated periods (人群分类的起止).
//!
//! A diagnosis, a pregnancy, a disability or a poverty registration starts on a day and may end
//! on a day; the groups in force on a date are the periods covering it plus the age groups that
//! follow from the birth date.
//!
//! Choices where the standard leaves room:
//! - A period's `end` is its last day in force (inclusive), like a contract term.
//! - Pregnancy starts on the last menstrual period; when only the expected delivery date is
//!   known the start is that date minus 280 days. It ends the day before delivery. A pregnancy
//!   with no recorded delivery stays in force for at most 294 days (42 weeks) from its start,
//!   so a forgotten delivery does not keep a woman in the group for ever.
//! - Postpartum (产妇) runs from the delivery day to the 42nd day after it inclusive, the day of
//!   the 42-day check (产后42天健康检查).

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::person::{PopulationGroup, Sex, age_groups};
use crate::year::order::SyncOrdered;
use crate::{CoreError, Result};

/// Days from the last menstrual period to the expected delivery date (40 weeks).
pub const PREGNANCY_DAYS: u64 = 280;
/// The longest an open pregnancy stays in force without a recorded delivery (42 weeks).
pub const PREGNANCY_OPEN_LIMIT_DAYS: u64 = 294;
/// Days after delivery that a woman stays in the postpartum group.
pub const POSTPARTUM_DAYS: u64 = 42;

/// What the start date of a period is.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodBasis {
    /// Date of diagnosis (hypertension, diabetes, severe mental disorder, tuberculosis).
    Diagnosed,
    /// Start of treatment, when the diagnosis date is unknown (tuberculosis often).
    TreatmentStarted,
    /// Last menstrual period (pregnancy).
    LastMenstrualPeriod,
    /// Expected delivery date minus 280 days (pregnancy).
    ExpectedDelivery,
    /// The day of delivery (postpartum).
    Delivery,
    /// Registration or certification (disability card, poverty register, living alone,
    /// bedridden, low income, family-planning special family).
    Registered,
}

/// One recorded group over a span of days. A synced record: written once, then only `end`
/// (and `end_noted_on`) is ever set, by a later write.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupPeriod {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub group: PopulationGroup,
    pub basis: PeriodBasis,
    pub start: NaiveDate,
    /// Last day in force (inclusive); `None` while it lasts.
    pub end: Option<NaiveDate>,
    #[ts(type = "string")]
    pub hlc: Hlc,
}

impl SyncOrdered for GroupPeriod {
    fn hlc(&self) -> Hlc {
        self.hlc
    }
    fn record_id(&self) -> Uuid {
        self.id
    }
}

/// The first day of a pregnancy from its expected delivery date.
pub fn pregnancy_start_from_expected_delivery(expected: NaiveDate) -> NaiveDate {
    expected - Days::new(PREGNANCY_DAYS)
}

impl GroupPeriod {
    /// The last day this period is in force, open periods having none (except pregnancy).
    pub fn last_day(&self) -> Option<NaiveDate> {
        match (self.end, self.group) {
            (Some(end), _) => Some(end),
            (None, PopulationGroup::Pregnant) => {
                Some(self.start + Days::new(PREGNANCY_OPEN_LIMIT_DAYS))
            }
            (None, _) => None,
        }
    }

    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.start <= day && self.last_day().is_none_or(|last| day <= last)
    }

    /// Records a delivery: the pregnancy ends the day before, and the postpartum period starts.
    pub fn delivered(
        &self,
        delivered_on: NaiveDate,
        postpartum_id: Uuid,
        hlc: Hlc,
    ) -> Result<(GroupPeriod, GroupPeriod)> {
        if self.group != PopulationGroup::Pregnant {
            return Err(CoreError::NotPregnant);
        }
        if delivered_on <= self.start {
            return Err(CoreError::GroupPeriodEndsBeforeStart { group: self.group });
        }
        let pregnancy = GroupPeriod {
            end: Some(delivered_on - Days::new(1)),
            hlc,
            ..self.clone()
        };
        let postpartum = GroupPeriod {
            id: postpartum_id,
            resident_id: self.resident_id,
            group: PopulationGroup::Postpartum,
            basis: PeriodBasis::Delivery,
            start: delivered_on,
            end: Some(delivered_on + Days::new(POSTPARTUM_DAYS)),
            hlc,
        };
        Ok((pregnancy, postpartum))
    }
}

/// The groups of a resident in force on a day: recorded periods covering it, plus the groups
/// that follow from the birth date. Recorded age groups are ignored (they are never typed in).
pub fn groups_on(
    periods: &[GroupPeriod],
    birth_date: Option<NaiveDate>,
    day: NaiveDate,
) -> BTreeSet<PopulationGroup> {
    let mut groups: BTreeSet<PopulationGroup> = periods
        .iter()
        .filter(|p| !p.group.is_derived() && p.in_force_on(day))
        .map(|p| p.group)
        .collect();
    if let Some(birth) = birth_date.filter(|b| *b <= day) {
        groups.extend(age_groups(birth, day));
    }
    groups
}

/// A resident's periods, with the groups recorded on the resident at registration (before
/// groups had dates) read as open periods in force since ever — unless a dated period of the
/// same group exists, which then says all there is to say about that group. So a resident
/// registered before dated groups keeps their figures, and ending such a group is one new
/// period with its end, never an edit of the registration. "Since ever" is the birth date (or
/// 1900 when it is unknown), like the implicit join of the register.
pub fn with_registered_groups(
    resident_id: Uuid,
    registered: &[PopulationGroup],
    periods: &[GroupPeriod],
    birth_date: Option<NaiveDate>,
) -> Vec<GroupPeriod> {
    let own: Vec<GroupPeriod> = periods
        .iter()
        .filter(|p| p.resident_id == resident_id)
        .cloned()
        .collect();
    let mut all = own.clone();
    for group in registered.iter().filter(|g| !g.is_derived()) {
        if !own.iter().any(|p| p.group == *group) && !all.iter().any(|p| p.group == *group) {
            all.push(GroupPeriod {
                id: Uuid::nil(),
                resident_id,
                group: *group,
                basis: PeriodBasis::Registered,
                start: crate::year::membership::registered_since(birth_date),
                end: None,
                hlc: Hlc::zero(Uuid::nil()),
            });
        }
    }
    all
}

/// The groups of a resident on a day from their registration-time groups and dated periods
/// (see [`with_registered_groups`]).
pub fn resident_groups_on(
    resident_id: Uuid,
    registered: &[PopulationGroup],
    periods: &[GroupPeriod],
    birth_date: Option<NaiveDate>,
    day: NaiveDate,
) -> BTreeSet<PopulationGroup> {
    groups_on(
        &with_registered_groups(resident_id, registered, periods, birth_date),
        birth_date,
        day,
    )
}

/// Checks one resident's periods: recorded groups only, ends after starts, pregnancy and
/// postpartum only for women, no start before birth or after today (a postpartum end may lie
/// ahead: it is computed from the delivery), and no two overlapping periods of one group.
pub fn check_group_periods(
    periods: &[GroupPeriod],
    sex: Sex,
    birth_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<()> {
    for p in periods {
        if p.group.is_derived() {
            return Err(CoreError::GroupIsDerived(p.group));
        }
        if p.end.is_some_and(|end| end < p.start) {
            return Err(CoreError::GroupPeriodEndsBeforeStart { group: p.group });
        }
        if p.group.is_womens() && sex == Sex::Male {
            return Err(CoreError::GroupNotForSex { group: p.group });
        }
        if p.start > today {
            return Err(CoreError::DateInFuture {
                field: "start",
                date: p.start,
            });
        }
        if let Some(end) = p.end.filter(|end| *end > today)
            && p.group != PopulationGroup::Postpartum
        {
            return Err(CoreError::DateInFuture {
                field: "end",
                date: end,
            });
        }
        if birth_date.is_some_and(|birth| p.start < birth) {
            return Err(CoreError::DateBeforeBirth {
                field: "start",
                date: p.start,
            });
        }
    }
    for (i, a) in periods.iter().enumerate() {
        for b in &periods[i + 1..] {
            if a.group != b.group {
                continue;
            }
            let a_last = a.last_day().unwrap_or(NaiveDate::MAX);
            let b_last = b.last_day().unwrap_or(NaiveDate::MAX);
            if a.start <= b_last && b.start <= a_last {
                return Err(CoreError::GroupPeriodsOverlap {
                    group: a.group,
                    from: a.start.max(b.start),
                });
            }
        }
    }
    Ok(())
}
