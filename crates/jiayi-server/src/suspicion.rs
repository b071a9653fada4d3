//! Rules that pick out visits a township supervisor should look at: the same readings on many
//! residents, days no doctor could have worked, and records entered in a rush before a
//! deadline. Pure functions over plain facts (no I/O, no clock): the dashboard's supervision
//! page feeds them the period's visits. A flag is a reason to look, not a finding; every flag
//! lists the visits behind it. `docs/dashboard.md` explains each rule and its thresholds.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Timelike, Utc};
use jiayi_core::visit::Vitals;
use serde::Serialize;
use uuid::Uuid;

/// Residents with the very same readings, by one doctor on one day, that make a flag.
pub const IDENTICAL_READINGS_MIN_RESIDENTS: usize = 3;
/// The first local hour of the night (visits from then on are flagged).
pub const NIGHT_FROM_HOUR: u32 = 23;
/// The first local hour of the morning (visits before it are flagged).
pub const NIGHT_UNTIL_HOUR: u32 = 5;
/// The fewest minutes a home or clinic visit takes, measurements and record included.
pub const MIN_MINUTES_PER_VISIT: u32 = 10;
/// The longest working day the visit count is measured against (14 hours).
pub const MAX_WORKING_MINUTES_PER_DAY: u32 = 14 * 60;
/// The fewest minutes between visits in two different villages (no coordinates are kept, so
/// any two villages count as this far apart).
pub const MIN_MINUTES_BETWEEN_VILLAGES: i64 = 15;
/// The last days of a month (and so of a quarter) that count as "just before the deadline".
pub const DEADLINE_DAYS: u64 = 3;
/// Records a doctor entered in those days that make a burst…
pub const BURST_MIN_RECORDS: usize = 10;
/// …when they are at least this share of the doctor's records of the month.
pub const BURST_MIN_SHARE: f64 = 0.5;

/// What a rule knows of one visit.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitFact {
    pub visit_id: Uuid,
    pub resident_id: Uuid,
    /// Who delivered it (the contract's doctor when the visit does not say).
    pub doctor: Option<Uuid>,
    pub village_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// When the device stamped it entered.
    pub recorded_at: DateTime<Utc>,
    pub vitals: Vitals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The same readings on several residents, by one doctor on one day.
    IdenticalReadings,
    /// A visit at night.
    NightVisit,
    /// More visits in a day than its minutes allow.
    TooManyVisits,
    /// Visits in two villages minutes apart.
    VillagesTooClose,
    /// Most of a month's records entered in its last days.
    DeadlineBurst,
}

impl FlagKind {
    pub const ALL: [FlagKind; 5] = [
        FlagKind::IdenticalReadings,
        FlagKind::NightVisit,
        FlagKind::TooManyVisits,
        FlagKind::VillagesTooClose,
        FlagKind::DeadlineBurst,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FlagKind::IdenticalReadings => "identical_readings",
            FlagKind::NightVisit => "night_visit",
            FlagKind::TooManyVisits => "too_many_visits",
            FlagKind::VillagesTooClose => "villages_too_close",
            FlagKind::DeadlineBurst => "deadline_burst",
        }
    }

    pub fn from_code(code: &str) -> Option<FlagKind> {
        FlagKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Something to look at: a rule, a doctor, a local day (for a burst: the month's last day),
/// the visits behind it and the figure that tripped the rule (residents, visits, minutes or
/// records).
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub kind: FlagKind,
    pub doctor: Option<Uuid>,
    pub day: NaiveDate,
    pub visits: Vec<Uuid>,
    pub figure: i64,
}

fn local(at: DateTime<Utc>) -> chrono::DateTime<chrono::FixedOffset> {
    at.with_timezone(&jiayi_core::time::china_offset())
}

/// Every flag over `visits`, rule by rule.
pub fn flags(visits: &[VisitFact]) -> Vec<Flag> {
    let mut out = identical_readings(visits);
    out.extend(night_visits(visits));
    out.extend(too_many_visits(visits));
    out.extend(villages_too_close(visits));
    out.extend(deadline_bursts(visits));
    out
}

/// The readings two visits must share to count as the same: blood pressure and at least one
/// more measure (one blood pressure alone, such as 120/80, is common and proves nothing).
fn readings_key(v: &Vitals) -> Option<String> {
    let (Some(sys), Some(dia)) = (v.systolic_mmhg, v.diastolic_mmhg) else {
        return None;
    };
    let more = [
        v.fasting_glucose_mmol_l.map(|g| format!("g{g:.1}")),
        v.heart_rate_bpm.map(|h| format!("h{h}")),
        v.weight_kg.map(|w| format!("w{w:.1}")),
        v.waist_cm.map(|w| format!("c{w:.1}")),
    ];
    let more: Vec<String> = more.into_iter().flatten().collect();
    (!more.is_empty()).then(|| format!("{sys}/{dia} {}", more.join(" ")))
}

/// The same readings (see [`readings_key`]) on at least
/// [`IDENTICAL_READINGS_MIN_RESIDENTS`] residents, by one doctor on one local day.
pub fn identical_readings(visits: &[VisitFact]) -> Vec<Flag> {
    let mut groups: BTreeMap<(Option<Uuid>, NaiveDate, String), Vec<&VisitFact>> = BTreeMap::new();
    for v in visits {
        if let Some(key) = readings_key(&v.vitals) {
            groups
                .entry((v.doctor, local(v.occurred_at).date_naive(), key))
                .or_default()
                .push(v);
        }
    }
    groups
        .into_iter()
        .filter_map(|((doctor, day, _), group)| {
            let residents: BTreeSet<Uuid> = group.iter().map(|v| v.resident_id).collect();
            (residents.len() >= IDENTICAL_READINGS_MIN_RESIDENTS).then(|| Flag {
                kind: FlagKind::IdenticalReadings,
                doctor,
                day,
                visits: group.iter().map(|v| v.visit_id).collect(),
                figure: residents.len() as i64,
            })
        })
        .collect()
}

/// Each doctor's visits per local day, in time order.
fn by_doctor_day(visits: &[VisitFact]) -> BTreeMap<(Option<Uuid>, NaiveDate), Vec<&VisitFact>> {
    let mut days: BTreeMap<(Option<Uuid>, NaiveDate), Vec<&VisitFact>> = BTreeMap::new();
    for v in visits {
        days.entry((v.doctor, local(v.occurred_at).date_naive()))
            .or_default()
            .push(v);
    }
    for day in days.values_mut() {
        day.sort_by_key(|v| (v.occurred_at, v.visit_id));
    }
    days
}

/// Visits between [`NIGHT_FROM_HOUR`] and [`NIGHT_UNTIL_HOUR`] local time, one flag per
/// doctor and day.
pub fn night_visits(visits: &[VisitFact]) -> Vec<Flag> {
    by_doctor_day(visits)
        .into_iter()
        .filter_map(|((doctor, day), list)| {
            let night: Vec<Uuid> = list
                .iter()
                .filter(|v| {
                    let hour = local(v.occurred_at).hour();
                    !(NIGHT_UNTIL_HOUR..NIGHT_FROM_HOUR).contains(&hour)
                })
                .map(|v| v.visit_id)
                .collect();
            (!night.is_empty()).then_some(Flag {
                kind: FlagKind::NightVisit,
                doctor,
                day,
                figure: night.len() as i64,
                visits: night,
            })
        })
        .collect()
}

/// More visits by one doctor in one day than [`MAX_WORKING_MINUTES_PER_DAY`] allows at
/// [`MIN_MINUTES_PER_VISIT`] each.
pub fn too_many_visits(visits: &[VisitFact]) -> Vec<Flag> {
    let most = (MAX_WORKING_MINUTES_PER_DAY / MIN_MINUTES_PER_VISIT) as usize;
    by_doctor_day(visits)
        .into_iter()
        .filter(|(_, list)| list.len() > most)
        .map(|((doctor, day), list)| Flag {
            kind: FlagKind::TooManyVisits,
            doctor,
            day,
            figure: list.len() as i64,
            visits: list.iter().map(|v| v.visit_id).collect(),
        })
        .collect()
}

/// Two visits in a row by one doctor in different villages less than
/// [`MIN_MINUTES_BETWEEN_VILLAGES`] apart; one flag per doctor and day, its figure the
/// shortest gap in minutes.
pub fn villages_too_close(visits: &[VisitFact]) -> Vec<Flag> {
    by_doctor_day(visits)
        .into_iter()
        .filter_map(|((doctor, day), list)| {
            let mut involved: Vec<Uuid> = Vec::new();
            let mut shortest = i64::MAX;
            for pair in list.windows(2) {
                let gap = (pair[1].occurred_at - pair[0].occurred_at).num_minutes();
                if pair[0].village_id != pair[1].village_id && gap < MIN_MINUTES_BETWEEN_VILLAGES {
                    shortest = shortest.min(gap);
                    for v in pair {
                        if !involved.contains(&v.visit_id) {
                            involved.push(v.visit_id);
                        }
                    }
                }
            }
            (!involved.is_empty()).then_some(Flag {
                kind: FlagKind::VillagesTooClose,
                doctor,
                day,
                visits: involved,
                figure: shortest,
            })
        })
        .collect()
}

/// The last day of the month `day` is in.
fn month_end(day: NaiveDate) -> NaiveDate {
    day.with_day(1)
        .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
        .and_then(|next| next.checked_sub_days(Days::new(1)))
        .unwrap_or(day)
}

/// A doctor's records entered (by the device's stamp) in the last [`DEADLINE_DAYS`] days of a
/// month: at least [`BURST_MIN_RECORDS`] and at least [`BURST_MIN_SHARE`] of the doctor's
/// records entered that month. The flag's day is the month's last day.
pub fn deadline_bursts(visits: &[VisitFact]) -> Vec<Flag> {
    let mut months: BTreeMap<(Option<Uuid>, NaiveDate), Vec<&VisitFact>> = BTreeMap::new();
    for v in visits {
        let entered = local(v.recorded_at).date_naive();
        months
            .entry((v.doctor, month_end(entered)))
            .or_default()
            .push(v);
    }
    months
        .into_iter()
        .filter_map(|((doctor, end), list)| {
            let window_start = end - Days::new(DEADLINE_DAYS - 1);
            let late: Vec<Uuid> = list
                .iter()
                .filter(|v| local(v.recorded_at).date_naive() >= window_start)
                .map(|v| v.visit_id)
                .collect();
            let share = late.len() as f64 / list.len() as f64;
            (late.len() >= BURST_MIN_RECORDS && share >= BURST_MIN_SHARE).then_some(Flag {
                kind: FlagKind::DeadlineBurst,
                doctor,
                day: end,
                figure: late.len() as i64,
                visits: late,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: Uuid = Uuid::from_u128(0xD0C);
    const OTHER_DOC: Uuid = Uuid::from_u128(0xD0D);
    const EAST: Uuid = Uuid::from_u128(0xE);
    const WEST: Uuid = Uuid::from_u128(0xF);

    /// A visit at local (China Standard Time) `at`, `YYYY-MM-DD HH:MM`, entered at once.
    fn visit(n: u128, at: &str) -> VisitFact {
        let local = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").unwrap();
        let at = local
            .and_local_timezone(jiayi_core::time::china_offset())
            .unwrap()
            .with_timezone(&Utc);
        VisitFact {
            visit_id: Uuid::from_u128(n),
            resident_id: Uuid::from_u128(1000 + n),
            doctor: Some(DOC),
            village_id: EAST,
            occurred_at: at,
            recorded_at: at,
            vitals: Vitals::default(),
        }
    }

    fn vitals(sys: u16, dia: u16, glucose: Option<f64>) -> Vitals {
        Vitals {
            systolic_mmhg: Some(sys),
            diastolic_mmhg: Some(dia),
            fasting_glucose_mmol_l: glucose,
            ..Vitals::default()
        }
    }

    fn kinds(flags: &[Flag]) -> Vec<(FlagKind, i64, usize)> {
        flags
            .iter()
            .map(|f| (f.kind, f.figure, f.visits.len()))
            .collect()
    }

    #[test]
    fn identical_readings_on_three_residents_in_a_day_are_flagged() {
        let same = |n, at| VisitFact {
            vitals: vitals(128, 82, Some(6.1)),
            ..visit(n, at)
        };
        let cases: Vec<(&str, Vec<VisitFact>, usize)> = vec![
            (
                "three residents, one doctor, one day",
                vec![
                    same(1, "2026-11-03 09:00"),
                    same(2, "2026-11-03 10:00"),
                    same(3, "2026-11-03 11:00"),
                ],
                1,
            ),
            (
                "two residents are not enough",
                vec![same(1, "2026-11-03 09:00"), same(2, "2026-11-03 10:00")],
                0,
            ),
            (
                "on three days",
                vec![
                    same(1, "2026-11-03 09:00"),
                    same(2, "2026-11-04 10:00"),
                    same(3, "2026-11-05 11:00"),
                ],
                0,
            ),
            (
                "blood pressure alone is common",
                vec![
                    VisitFact {
                        vitals: vitals(120, 80, None),
                        ..visit(1, "2026-11-03 09:00")
                    },
                    VisitFact {
                        vitals: vitals(120, 80, None),
                        ..visit(2, "2026-11-03 10:00")
                    },
                    VisitFact {
                        vitals: vitals(120, 80, None),
                        ..visit(3, "2026-11-03 11:00")
                    },
                ],
                0,
            ),
            (
                "one glucose differs",
                vec![
                    same(1, "2026-11-03 09:00"),
                    same(2, "2026-11-03 10:00"),
                    VisitFact {
                        vitals: vitals(128, 82, Some(6.2)),
                        ..visit(3, "2026-11-03 11:00")
                    },
                ],
                0,
            ),
            (
                "two doctors",
                vec![
                    same(1, "2026-11-03 09:00"),
                    same(2, "2026-11-03 10:00"),
                    VisitFact {
                        doctor: Some(OTHER_DOC),
                        ..same(3, "2026-11-03 11:00")
                    },
                ],
                0,
            ),
        ];
        for (name, visits, expected) in cases {
            let found = identical_readings(&visits);
            assert_eq!(found.len(), expected, "{name}");
            if expected == 1 {
                assert_eq!(found[0].figure, 3, "{name}");
                assert_eq!(found[0].visits.len(), 3, "{name}");
            }
        }
    }

    #[test]
    fn night_visits_are_those_from_23_to_5_local_time() {
        for (at, flagged) in [
            ("2026-11-03 23:00", true),
            ("2026-11-03 02:30", true),
            ("2026-11-03 04:59", true),
            ("2026-11-03 05:00", false),
            ("2026-11-03 22:59", false),
            ("2026-11-03 12:00", false),
        ] {
            let found = night_visits(&[visit(1, at)]);
            assert_eq!(found.len(), usize::from(flagged), "{at}");
        }
        // 02:30 local is 18:30 UTC the day before: the flag's day is the local one.
        let found = night_visits(&[visit(1, "2026-11-03 02:30")]);
        assert_eq!(found[0].day, NaiveDate::from_ymd_opt(2026, 11, 3).unwrap());
    }

    #[test]
    fn more_visits_than_a_days_minutes_allow_are_flagged() {
        let most = (MAX_WORKING_MINUTES_PER_DAY / MIN_MINUTES_PER_VISIT) as u128;
        let day = |n: u128| -> Vec<VisitFact> {
            (0..n)
                .map(|i| {
                    let minute = 6 * 60 + i as u32 * 5;
                    visit(
                        i + 1,
                        &format!("2026-11-03 {:02}:{:02}", minute / 60 % 24, minute % 60),
                    )
                })
                .collect()
        };
        assert!(too_many_visits(&day(most)).is_empty(), "as many as allowed");
        assert_eq!(
            kinds(&too_many_visits(&day(most + 1))),
            vec![(
                FlagKind::TooManyVisits,
                (most + 1) as i64,
                (most + 1) as usize
            )]
        );
    }

    #[test]
    fn visits_in_two_villages_minutes_apart_are_flagged() {
        let west = |n, at| VisitFact {
            village_id: WEST,
            ..visit(n, at)
        };
        let cases: Vec<(&str, Vec<VisitFact>, Option<i64>)> = vec![
            (
                "five minutes apart in two villages",
                vec![visit(1, "2026-11-03 09:00"), west(2, "2026-11-03 09:05")],
                Some(5),
            ),
            (
                "a quarter of an hour is enough",
                vec![visit(1, "2026-11-03 09:00"), west(2, "2026-11-03 09:15")],
                None,
            ),
            (
                "minutes apart in one village",
                vec![visit(1, "2026-11-03 09:00"), visit(2, "2026-11-03 09:05")],
                None,
            ),
            (
                "two doctors",
                vec![
                    visit(1, "2026-11-03 09:00"),
                    VisitFact {
                        doctor: Some(OTHER_DOC),
                        ..west(2, "2026-11-03 09:05")
                    },
                ],
                None,
            ),
        ];
        for (name, visits, expected) in cases {
            let found = villages_too_close(&visits);
            assert_eq!(found.first().map(|f| f.figure), expected, "{name}");
        }
    }

    #[test]
    fn most_of_a_months_records_in_its_last_days_are_a_burst() {
        let entered = |n: u128, day: u32| VisitFact {
            recorded_at: visit(n, &format!("2026-11-{day:02} 20:00")).occurred_at,
            ..visit(n, "2026-11-02 09:00")
        };
        let month = |early: u128, late: u128| -> Vec<VisitFact> {
            (0..early)
                .map(|i| entered(i, 10))
                .chain((0..late).map(|i| entered(100 + i, 29)))
                .collect()
        };
        assert_eq!(
            kinds(&deadline_bursts(&month(2, 10))),
            vec![(FlagKind::DeadlineBurst, 10, 10)]
        );
        let flag = &deadline_bursts(&month(2, 10))[0];
        assert_eq!(flag.day, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert!(deadline_bursts(&month(0, 9)).is_empty(), "too few records");
        assert!(deadline_bursts(&month(11, 10)).is_empty(), "under half");
        let spread: Vec<VisitFact> = (0..20).map(|i| entered(i, 1 + i as u32)).collect();
        assert!(deadline_bursts(&spread).is_empty(), "spread over the month");
    }

    #[test]
    fn kinds_read_back_from_their_codes() {
        for kind in FlagKind::ALL {
            assert_eq!(FlagKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(FlagKind::from_code("nope"), None);
    }
}
