//! Residents who left during a drill-down's period (died, moved out, moved to another
//! household), with the reason and the day: beside the rows where they still count for part of
//! the period, and apart for those the figure no longer counts on its as-of day, so nobody
//! vanishes from the list unexplained.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jiayi_core::Lang;
use jiayi_core::indicators::dataset::Dataset;
use jiayi_core::indicators::{DrillRow, IndicatorKind, Level, Params, Subject, drill_down};
use jiayi_core::year::membership::{LeaveReason, MembershipChange};
use uuid::Uuid;

/// Why and when a resident left their household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    Died(NaiveDate),
    MovedOut(NaiveDate),
    MovedToHousehold(NaiveDate),
}

impl Leaving {
    /// `已故 2026-09-12`, `迁出 2026-11-03`, `迁往他户 2026-10-01`.
    pub fn text(&self, lang: Lang) -> String {
        let (zh, en, day) = match self {
            Leaving::Died(d) => ("已故", "died", d),
            Leaving::MovedOut(d) => ("迁出", "moved out", d),
            Leaving::MovedToHousehold(d) => ("迁往他户", "moved to another household", d),
        };
        format!("{} {day}", lang.pick(zh, en))
    }
}

/// Each resident's last leaving of a household, when it took effect within the period up to
/// its as-of day.
pub fn leavings(ds: &Dataset, params: &Params) -> HashMap<Uuid, Leaving> {
    let (start, as_of) = (params.period.start, params.as_of());
    let mut out = HashMap::new();
    for r in &ds.residents {
        let last = r
            .membership
            .iter()
            .filter(|e| (start..=as_of).contains(&e.effective_on))
            .filter_map(|e| match &e.change {
                MembershipChange::Left { reason } => Some((e.effective_on, reason)),
                MembershipChange::Joined { .. } => None,
            })
            .max_by_key(|(day, _)| *day);
        if let Some((day, reason)) = last {
            let leaving = match reason {
                LeaveReason::Died => Leaving::Died(day),
                LeaveReason::MovedOut { .. } => Leaving::MovedOut(day),
                LeaveReason::MovedToHousehold { .. } => Leaving::MovedToHousehold(day),
            };
            out.insert(r.id, leaving);
        }
    }
    out
}

/// Rows of residents who left during the period and whom the figure no longer counts on its
/// as-of day: the rows the figure would have for them had they stayed.
pub fn left_rows(
    ds: &Dataset,
    params: &Params,
    kind: IndicatorKind,
    level: Level,
    unit: Option<Uuid>,
    rows: &[DrillRow],
    leavings: &HashMap<Uuid, Leaving>,
) -> Vec<DrillRow> {
    if leavings.is_empty() {
        return Vec::new();
    }
    let listed: HashSet<Uuid> = rows
        .iter()
        .filter_map(|r| resident_of(&r.subject))
        .collect();
    let mut stayed = ds.clone();
    for r in &mut stayed.residents {
        if leavings.contains_key(&r.id) {
            r.membership.retain(|e| {
                !(matches!(e.change, MembershipChange::Left { .. })
                    && e.effective_on >= params.period.start)
            });
        }
    }
    let mut seen = HashSet::new();
    drill_down(&stayed, params, kind, level, unit)
        .into_iter()
        .filter(|r| {
            resident_of(&r.subject).is_some_and(|id| {
                leavings.contains_key(&id) && !listed.contains(&id) && seen.insert(id)
            })
        })
        .collect()
}

pub fn resident_of(subject: &Subject) -> Option<Uuid> {
    match subject {
        Subject::Resident { resident_id } | Subject::Occurrence { resident_id, .. } => {
            Some(*resident_id)
        }
        Subject::Household { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use jiayi_core::hlc::Hlc;
    use jiayi_core::indicators::Period;
    use jiayi_core::indicators::dataset::ResidentInfo;
    use jiayi_core::year::membership::{JoinReason, MembershipEvent};

    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    fn event(resident: u128, on: NaiveDate, change: MembershipChange) -> MembershipEvent {
        MembershipEvent {
            id: Uuid::now_v7(),
            resident_id: Uuid::from_u128(resident),
            household_id: Uuid::from_u128(9),
            effective_on: on,
            change,
            hlc: Hlc {
                wall_ms: 1,
                counter: 0,
                device: Uuid::from_u128(1),
            },
        }
    }

    fn resident(id: u128, membership: Vec<MembershipEvent>) -> ResidentInfo {
        ResidentInfo {
            id: Uuid::from_u128(id),
            household_id: Uuid::from_u128(9),
            name: format!("居民{id}"),
            id_number: None,
            birth_date: None,
            groups: vec![],
            head: false,
            periods: vec![],
            membership,
        }
    }

    #[test]
    fn a_leaving_counts_when_it_falls_in_the_period_up_to_its_as_of_day() {
        let left = |reason| MembershipChange::Left { reason };
        let ds = Dataset {
            residents: vec![
                resident(1, vec![event(1, day(9, 12), left(LeaveReason::Died))]),
                resident(
                    2,
                    vec![
                        event(
                            2,
                            day(1, 1),
                            MembershipChange::Joined {
                                reason: JoinReason::Registered,
                            },
                        ),
                        event(
                            2,
                            day(11, 3),
                            left(LeaveReason::MovedOut {
                                destination: "县城".into(),
                            }),
                        ),
                    ],
                ),
                // Before the period, and after its as-of day.
                resident(3, vec![event(3, day(6, 30), left(LeaveReason::Died))]),
                resident(4, vec![event(4, day(12, 20), left(LeaveReason::Died))]),
            ],
            ..Dataset::default()
        };
        let params = Params {
            period: Period::new(day(7, 1), day(12, 31)).unwrap_or_else(|| unreachable!()),
            reference: day(12, 7),
        };
        let found = leavings(&ds, &params);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[&Uuid::from_u128(1)].text(Lang::Zh), "已故 2026-09-12");
        assert_eq!(found[&Uuid::from_u128(2)].text(Lang::Zh), "迁出 2026-11-03");
        assert_eq!(
            found[&Uuid::from_u128(2)].text(Lang::En),
            "moved out 2026-11-03"
        );
        assert_eq!(
            Leaving::MovedToHousehold(day(10, 1)).text(Lang::Zh),
            "迁往他户 2026-10-01"
        );
    }
}
