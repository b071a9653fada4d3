//! Hand-computed fixtures. The township below is small enough to count on paper; the comments
//! give the count each assertion checks, so a reader can verify the expected numbers.
//!
//! Villages V1 (team T1, family doctor D1) and V2 (team T2, doctor D2). D3 is in T1.
//!
//! | res | household | born       | recorded groups          | contract on 2026-12-31 |
//! |-----|-----------|------------|--------------------------|------------------------|
//! | R1  | H1 (V1)   | 1950-03-01 | hypertension             | C1                     |
//! | R2  | H1 (V1)   | 1961-06-15 | (turns 65 on 2026-06-15) | none                   |
//! | R3  | H2 (V1)   | 1980-01-01 | diabetes, poverty        | C2 terminated 09-01    |
//! | R4  | H2 (V1)   | 2022-05-01 | (child 0-6)              | C2 terminated 09-01    |
//! | R5  | H3 (V2)   | 1962-02-01 | family planning special  | C3 from 2026-07-01     |
//! | R6  | H3 (V2)   | 1955-01-01 | hypertension, diabetes   | C3 from 2026-07-01     |
//! | R7  | H4 (V2)   | 1990-04-04 |                          | C0 ended 2025-12-31    |
//! | R8  | H5 (V2)   | 2027-01-10 | (born after the period)  | none                   |

use chrono::NaiveDate;
use uuid::Uuid;

use super::dataset::*;
use super::test_fixtures::{d, id, term};
use super::*;
use crate::person::PopulationGroup as G;
use crate::visit::{VisitKind, VisitMode};
use crate::year::order::Stamped;

// Ids: villages 1x, teams 2x, doctors 3x, households 4x, residents 5x, contracts 6x.
const V1: u128 = 11;
const V2: u128 = 12;
const T1: u128 = 21;
const T2: u128 = 22;
const D1: u128 = 31;
const D2: u128 = 32;
const D3: u128 = 33;
const H1: u128 = 41;
const H2: u128 = 42;
const H3: u128 = 43;
const H4: u128 = 44;
const H5: u128 = 45;
const R1: u128 = 51;
const R2: u128 = 52;
const R3: u128 = 53;
const R4: u128 = 54;
const R5: u128 = 55;
const R6: u128 = 56;
const R7: u128 = 57;
const R8: u128 = 58;
const C0: u128 = 60;
const C1: u128 = 61;
const C2: u128 = 62;
const C3: u128 = 63;

fn owed(item: &str, n: u32) -> OwedSpec {
    OwedSpec {
        standard: None,
        package_code: "basic".into(),
        item_code: item.into(),
        times_per_year: n,
        schedule: Default::default(),
    }
}

fn resident(r: u128, h: u128, born: NaiveDate, groups: &[G]) -> ResidentInfo {
    ResidentInfo {
        id: id(r),
        household_id: id(h),
        name: format!("R{}", r - 50),
        id_number: None,
        birth_date: Some(born),
        groups: groups.to_vec(),
        head: false,
        periods: vec![],
        membership: vec![],
    }
}

fn visit(
    r: u128,
    contract: Option<u128>,
    item: Option<&str>,
    kind: VisitKind,
    on: NaiveDate,
) -> VisitInfo {
    VisitInfo {
        resident_id: id(r),
        contract_id: contract.map(id),
        item_code: item.map(str::to_string),
        kind,
        mode: VisitMode::Home,
        served_by: None,
        on,
        bp_on_target: None,
        glucose_on_target: None,
    }
}

fn bp(mut v: VisitInfo, on_target: bool) -> VisitInfo {
    v.bp_on_target = Some(on_target);
    v
}

fn glucose(mut v: VisitInfo, on_target: bool) -> VisitInfo {
    v.glucose_on_target = Some(on_target);
    v
}

fn township() -> Dataset {
    let ht = VisitKind::HypertensionFollowUp;
    let dm = VisitKind::DiabetesFollowUp;
    let ht_item = Some("hypertension_follow_up");
    Dataset {
        villages: vec![
            VillageInfo {
                id: id(V1),
                code: "001".into(),
                name: "东庄村".into(),
                team_id: Some(id(T1)),
                doctor_id: Some(id(D1)),
            },
            VillageInfo {
                id: id(V2),
                code: "002".into(),
                name: "西庄村".into(),
                team_id: Some(id(T2)),
                doctor_id: Some(id(D2)),
            },
        ],
        teams: vec![
            TeamInfo {
                id: id(T1),
                name: "一队".into(),
            },
            TeamInfo {
                id: id(T2),
                name: "二队".into(),
            },
        ],
        doctors: vec![
            DoctorInfo {
                id: id(D1),
                name: "甲医生".into(),
                team_id: id(T1),
            },
            DoctorInfo {
                id: id(D2),
                name: "乙医生".into(),
                team_id: id(T2),
            },
            DoctorInfo {
                id: id(D3),
                name: "丙医生".into(),
                team_id: id(T1),
            },
        ],
        households: vec![
            HouseholdInfo {
                id: id(H1),
                village_id: id(V1),
            },
            HouseholdInfo {
                id: id(H2),
                village_id: id(V1),
            },
            HouseholdInfo {
                id: id(H3),
                village_id: id(V2),
            },
            HouseholdInfo {
                id: id(H4),
                village_id: id(V2),
            },
            HouseholdInfo {
                id: id(H5),
                village_id: id(V2),
            },
        ],
        residents: vec![
            resident(R1, H1, d(1950, 3, 1), &[G::Hypertension]),
            resident(R2, H1, d(1961, 6, 15), &[]),
            resident(R3, H2, d(1980, 1, 1), &[G::Diabetes, G::PovertyRegistered]),
            // A recorded age group is ignored: age groups come from the birth date.
            resident(R4, H2, d(2022, 5, 1), &[G::Elderly65]),
            resident(R5, H3, d(1962, 2, 1), &[G::FamilyPlanningSpecial]),
            resident(R6, H3, d(1955, 1, 1), &[G::Hypertension, G::Diabetes]),
            resident(R7, H4, d(1990, 4, 4), &[]),
            resident(R8, H5, d(2027, 1, 10), &[]),
        ],
        contracts: vec![
            ContractInfo {
                id: id(C0),
                agreement_number: "2025-A-00001".into(),
                household_id: id(H4),
                team_id: id(T2),
                doctor_id: id(D2),
                term: term(d(2025, 1, 1), d(2025, 12, 31)),
                // Renewal declined: it ends with its term.
                terminated_on: Some(d(2026, 1, 1)),
                successor_from: None,
                doctor_changes: vec![],
                members: vec![MemberInfo {
                    resident_id: id(R7),
                    items: vec![owed("health_assessment", 1)],
                    spans: vec![],
                }],
            },
            ContractInfo {
                id: id(C1),
                agreement_number: "2026-A-00001".into(),
                household_id: id(H1),
                team_id: id(T1),
                doctor_id: id(D1),
                term: term(d(2026, 1, 1), d(2026, 12, 31)),
                terminated_on: None,
                successor_from: None,
                doctor_changes: vec![DoctorChange {
                    effective_on: d(2026, 10, 1),
                    doctor_id: id(D3),
                }],
                members: vec![MemberInfo {
                    resident_id: id(R1),
                    items: vec![owed("hypertension_follow_up", 4), owed("health_check", 1)],
                    spans: vec![],
                }],
            },
            ContractInfo {
                id: id(C2),
                agreement_number: "2026-A-00002".into(),
                household_id: id(H2),
                team_id: id(T1),
                doctor_id: id(D1),
                term: term(d(2026, 1, 1), d(2026, 12, 31)),
                terminated_on: Some(d(2026, 9, 1)),
                successor_from: None,
                doctor_changes: vec![],
                members: vec![
                    MemberInfo {
                        resident_id: id(R3),
                        items: vec![owed("diabetes_follow_up", 4)],
                        spans: vec![],
                    },
                    MemberInfo {
                        resident_id: id(R4),
                        items: vec![owed("child_check", 2)],
                        spans: vec![],
                    },
                ],
            },
            ContractInfo {
                id: id(C3),
                agreement_number: "2026-B-00001".into(),
                household_id: id(H3),
                team_id: id(T2),
                doctor_id: id(D2),
                term: term(d(2026, 7, 1), d(2027, 6, 30)),
                terminated_on: None,
                successor_from: None,
                doctor_changes: vec![],
                members: vec![
                    MemberInfo {
                        resident_id: id(R5),
                        items: vec![owed("health_assessment", 1)],
                        spans: vec![],
                    },
                    MemberInfo {
                        resident_id: id(R6),
                        items: vec![owed("hypertension_follow_up", 4)],
                        spans: vec![],
                    },
                ],
            },
        ],
        visits: vec![
            // R1: one visit before the term (counts for nothing in 2026), then 02-10 off
            // target, two on 05-05 (one day for management, two visits for the schedule),
            // 11-30 without a reading; the health check comes after the period.
            bp(visit(R1, Some(C1), ht_item, ht, d(2025, 12, 20)), true),
            bp(visit(R1, Some(C1), ht_item, ht, d(2026, 2, 10)), false),
            bp(visit(R1, Some(C1), ht_item, ht, d(2026, 5, 5)), true),
            bp(visit(R1, Some(C1), ht_item, ht, d(2026, 5, 5)), true),
            visit(R1, Some(C1), ht_item, ht, d(2026, 11, 30)),
            visit(
                R1,
                Some(C1),
                Some("health_check"),
                VisitKind::HealthCheck,
                d(2027, 1, 5),
            ),
            // R2 has the annual check before turning 65: it counts for the year.
            visit(R2, None, None, VisitKind::HealthCheck, d(2026, 3, 1)),
            // R3: one follow-up while covered, one after the termination took effect.
            glucose(
                visit(R3, Some(C2), Some("diabetes_follow_up"), dm, d(2026, 3, 15)),
                true,
            ),
            glucose(
                visit(R3, Some(C2), Some("diabetes_follow_up"), dm, d(2026, 9, 10)),
                false,
            ),
            // R6: an unlinked follow-up and one before C3's term (both count for management,
            // neither for fulfilment), then 08-01 at 140/85 (off) and 12-30 on target.
            bp(visit(R6, None, None, ht, d(2026, 3, 10)), true),
            bp(visit(R6, Some(C3), ht_item, ht, d(2026, 6, 20)), true),
            bp(visit(R6, Some(C3), ht_item, ht, d(2026, 8, 1)), false),
            bp(visit(R6, Some(C3), ht_item, ht, d(2026, 12, 30)), true),
        ],
        ..Default::default()
    }
}

fn params(period: Period, reference: NaiveDate) -> Params {
    Params { period, reference }
}

fn year() -> Params {
    params(Period::year(2026).unwrap(), d(2027, 1, 15))
}

fn counts(report: &UnitFigures, kind: IndicatorKind) -> (u64, u64) {
    let f = report.figure(kind).unwrap();
    (f.numerator, f.denominator)
}

fn drilled(ds: &Dataset, p: &Params, kind: IndicatorKind) -> (Vec<Uuid>, Vec<Uuid>) {
    let rows = drill_down(ds, p, kind, Level::Township, None);
    let who = |r: &DrillRow| match &r.subject {
        Subject::Resident { resident_id } => *resident_id,
        Subject::Household { household_id } => *household_id,
        Subject::Occurrence { resident_id, .. } => *resident_id,
    };
    let mut hits: Vec<Uuid> = rows.iter().filter(|r| r.hit).map(who).collect();
    let mut all: Vec<Uuid> = rows.iter().map(who).collect();
    hits.sort();
    all.sort();
    (hits, all)
}

fn ids(list: &[u128]) -> Vec<Uuid> {
    list.iter().map(|n| id(*n)).collect()
}

#[test]
fn year_signing_rates_count_the_population_at_period_end() {
    let ds = township();
    let report = compute(&ds, &year(), &Targets::default(), Level::Township);
    assert_eq!(report.as_of, d(2026, 12, 31));
    let t = &report.total;
    // Seven residents (R8 is born after the period); R1 (C1), R5 and R6 (C3) are covered.
    assert_eq!(counts(t, IndicatorKind::Signing), (3, 7));
    assert_eq!(
        drilled(&ds, &year(), IndicatorKind::Signing).0,
        ids(&[R1, R5, R6])
    );
    // Key groups: R1, R2, R3, R4, R6; signed R1, R6.
    assert_eq!(counts(t, IndicatorKind::KeyGroupSigning), (2, 5));
    // Hypertension or diabetes: R1, R3, R6.
    assert_eq!(counts(t, IndicatorKind::KeyChronicSigning), (2, 3));
    // Special: R3 (poverty) and R5 (family planning).
    assert_eq!(counts(t, IndicatorKind::SpecialGroupSigning), (1, 2));
    let group = |g| counts(t, IndicatorKind::GroupSigning(g));
    // 65+: R1, R6 and R2, who turned 65 in June; not R5, who turns 65 in 2027.
    assert_eq!(group(G::Elderly65), (2, 3));
    assert_eq!(
        drilled(&ds, &year(), IndicatorKind::GroupSigning(G::Elderly65)).1,
        ids(&[R1, R2, R6])
    );
    // R4 was recorded as elderly by mistake: the birth date makes them a child.
    assert_eq!(group(G::Child0To6), (0, 1));
    assert_eq!(group(G::Hypertension), (2, 2));
    assert_eq!(group(G::Diabetes), (1, 2));
    assert_eq!(group(G::PovertyRegistered), (0, 1));
    assert_eq!(group(G::FamilyPlanningSpecial), (1, 1));
    assert_eq!(group(G::Disabled), (0, 0));
    // Households H1..H4 (H5's only member is not born yet); H1 and H3 have a signed member.
    assert_eq!(counts(t, IndicatorKind::HouseholdSigning), (2, 4));
}

#[test]
fn rates_and_targets() {
    let ds = township();
    let report = compute(&ds, &year(), &Targets::default(), Level::Township);
    let signing = report.total.figure(IndicatorKind::Signing).unwrap();
    assert!((signing.rate.unwrap() - 3.0 / 7.0).abs() < 1e-12);
    assert_eq!(signing.target, Some(0.30));
    assert_eq!(signing.met, Some(true));
    let poverty = report
        .total
        .figure(IndicatorKind::GroupSigning(G::PovertyRegistered))
        .unwrap();
    assert_eq!(
        (poverty.rate, poverty.target, poverty.met),
        (Some(0.0), Some(1.0), Some(false))
    );
    let disabled = report
        .total
        .figure(IndicatorKind::GroupSigning(G::Disabled))
        .unwrap();
    assert_eq!((disabled.rate, disabled.met), (None, None));
    let mut strict = Targets::default();
    strict.set("signing", Some(0.5));
    let report = compute(&ds, &year(), &strict, Level::Township);
    assert_eq!(
        report.total.figure(IndicatorKind::Signing).unwrap().met,
        Some(false)
    );
}

#[test]
fn year_fulfilment_counts_deadlines_inside_the_cover() {
    let ds = township();
    let report = compute(&ds, &year(), &Targets::default(), Level::Township);
    // C1/R1 hypertension: deadlines 04-02, 07-02, 10-01, 12-31, four visits in the term
    //   (two on 05-05 both count, as on the work list; the 2025 one does not) → 4 of 4.
    // C1/R1 health check: deadline 12-31, the check came on 2027-01-05 → 0 of 1.
    // C2/R3 diabetes: covered until 08-31, so only 04-02 and 07-02 are due; one visit while
    //   covered (the 09-10 one is after the termination) → 1 of 2.
    // C2/R4 child check: 07-02 due, 12-31 not (terminated) → 0 of 1.
    // C3/R6 hypertension (term from 07-01): 09-30 and 12-30 due; visits 08-01 and 12-30
    //   (06-20 is before the term) → 2 of 2. C3/R5's assessment is due 2027-06-30.
    // C0 ended in 2025: nothing due in 2026.
    assert_eq!(counts(&report.total, IndicatorKind::Fulfilment), (7, 10));
    let rows = drill_down(
        &ds,
        &year(),
        IndicatorKind::Fulfilment,
        Level::Township,
        None,
    );
    let r3: Vec<(u32, NaiveDate, bool)> = rows
        .iter()
        .filter_map(|r| match &r.subject {
            Subject::Occurrence {
                resident_id,
                occurrence,
                due_by,
                ..
            } if *resident_id == id(R3) => Some((*occurrence, *due_by, r.hit)),
            _ => None,
        })
        .collect();
    assert_eq!(
        r3,
        vec![(1, d(2026, 4, 2), true), (2, d(2026, 7, 2), false)]
    );
    let f = report.total.figure(IndicatorKind::Fulfilment).unwrap();
    assert_eq!(f.met, Some(false)); // 70% against 90%
}

#[test]
fn year_management_rates() {
    let ds = township();
    let report = compute(&ds, &year(), &Targets::default(), Level::Township);
    let t = &report.total;
    // Hypertension patients on the register: R1 and R6 (R3 has diabetes only), both signed.
    // R1 was followed up on 3 distinct days in 2026 (02-10, 05-05, 11-30); R6 on 4
    // (03-10 unlinked, 06-20 before the term, 08-01, 12-30).
    assert_eq!(
        counts(t, IndicatorKind::HypertensionStandardManagement),
        (1, 2)
    );
    assert_eq!(
        drilled(&ds, &year(), IndicatorKind::HypertensionStandardManagement).0,
        ids(&[R6])
    );
    // R1's last follow-up had no reading, the one before was on target; R6's last on target.
    assert_eq!(counts(t, IndicatorKind::HypertensionControl), (2, 2));
    assert_eq!(
        counts(t, IndicatorKind::HypertensionStandardManagementSigned),
        (1, 2)
    );
    assert_eq!(counts(t, IndicatorKind::HypertensionControlSigned), (2, 2));
    // Diabetes: R3 (no longer signed: the contract was terminated) and R6 are under
    // management; R3 had 2 follow-ups of the 4, the last off target; R6 none.
    assert_eq!(counts(t, IndicatorKind::DiabetesStandardManagement), (0, 2));
    assert_eq!(counts(t, IndicatorKind::DiabetesControl), (0, 2));
    // The signed subset: R6 only.
    assert_eq!(
        counts(t, IndicatorKind::DiabetesStandardManagementSigned),
        (0, 1)
    );
    assert_eq!(counts(t, IndicatorKind::DiabetesControlSigned), (0, 1));
    // 65+: R1 (check after the period), R2 (checked in March, before turning 65), R6.
    assert_eq!(counts(t, IndicatorKind::ElderlyHealthManagement), (1, 3));
    assert_eq!(
        drilled(&ds, &year(), IndicatorKind::ElderlyHealthManagement).0,
        ids(&[R2])
    );
}

#[test]
fn a_running_quarter_stops_at_the_reference_date() {
    let ds = township();
    // Q3 2026 seen on 09-15: the as-of day is 09-15.
    let p = params(Period::quarter(2026, 3).unwrap(), d(2026, 9, 15));
    let report = compute(&ds, &p, &Targets::default(), Level::Township);
    assert_eq!(report.as_of, d(2026, 9, 15));
    let t = &report.total;
    // C2's termination took effect on 09-01: R3 and R4 are no longer signed; C3 has started.
    assert_eq!(counts(t, IndicatorKind::Signing), (3, 7));
    assert_eq!(
        drilled(&ds, &p, IndicatorKind::Signing).0,
        ids(&[R1, R5, R6])
    );
    // Due 07-01..09-15: C1/R1 hypertension #2 (07-02, 3 visits by then → delivered),
    // C2/R3 diabetes #2 (07-02, 1 visit → not), C2/R4 child check #1 (07-02 → not).
    // C3/R6's first deadline (09-30) is after the as-of day.
    assert_eq!(counts(t, IndicatorKind::Fulfilment), (1, 3));
    // The year is 2025-09-16..2026-09-15: R1's 2025-12-20 visit is inside it now, still only
    // 3 days; R6 has 03-10, 06-20, 08-01: 3 days.
    assert_eq!(
        counts(t, IndicatorKind::HypertensionStandardManagement),
        (0, 2)
    );
    // R1's last reading (05-05) on target; R6's last (08-01, 140/85) is not.
    assert_eq!(counts(t, IndicatorKind::HypertensionControl), (1, 2));
    assert_eq!(counts(t, IndicatorKind::ElderlyHealthManagement), (1, 3));
}

#[test]
fn mid_year_month_counts_the_contracts_in_force_then() {
    let ds = township();
    let p = params(Period::month(2026, 6).unwrap(), d(2027, 1, 15));
    let report = compute(&ds, &p, &Targets::default(), Level::Township);
    assert_eq!(report.as_of, d(2026, 6, 30));
    // On 06-30: C1 (R1) and C2 (R3, R4, terminated only later); C3 has not started.
    assert_eq!(
        drilled(&ds, &p, IndicatorKind::Signing).0,
        ids(&[R1, R3, R4])
    );
    // R2 turned 65 on 06-15: elderly on 06-30.
    assert_eq!(
        counts(&report.total, IndicatorKind::GroupSigning(G::Elderly65)),
        (1, 3)
    );
    // No deadline falls in June (they are 04-02 and 07-02): nothing due, no rate.
    let f = report.total.figure(IndicatorKind::Fulfilment).unwrap();
    assert_eq!((f.numerator, f.denominator, f.rate), (0, 0, None));
}

#[test]
fn rows_per_village_team_and_doctor() {
    let ds = township();
    let village = compute(&ds, &year(), &Targets::default(), Level::Village);
    let names: Vec<&str> = village.units.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["东庄村", "西庄村"]);
    // V1: R1..R4, R1 signed. V2: R5..R7, R5 and R6 signed.
    assert_eq!(counts(&village.units[0], IndicatorKind::Signing), (1, 4));
    assert_eq!(counts(&village.units[1], IndicatorKind::Signing), (2, 3));
    assert_eq!(counts(&village.units[0], IndicatorKind::Fulfilment), (5, 8));
    assert_eq!(counts(&village.units[1], IndicatorKind::Fulfilment), (2, 2));

    let doctor = compute(&ds, &year(), &Targets::default(), Level::Doctor);
    let row = |d: u128| {
        doctor
            .units
            .iter()
            .find(|u| u.id == Some(id(d)))
            .unwrap_or_else(|| panic!("doctor {d}"))
    };
    // Signed residents count for their doctor on the as-of day (R1 moved to D3 on 10-01);
    // unsigned ones for their village's family doctor.
    assert_eq!(counts(row(D1), IndicatorKind::Signing), (0, 3));
    assert_eq!(counts(row(D3), IndicatorKind::Signing), (1, 1));
    assert_eq!(counts(row(D2), IndicatorKind::Signing), (2, 3));
    // An occurrence counts for the doctor on its deadline: R1's 04-02 and 07-02 for D1,
    // 10-01 and 12-31 (and the health check) for D3; C2's three for D1.
    assert_eq!(counts(row(D1), IndicatorKind::Fulfilment), (3, 5));
    assert_eq!(counts(row(D3), IndicatorKind::Fulfilment), (2, 3));
    assert_eq!(counts(row(D2), IndicatorKind::Fulfilment), (2, 2));

    let team = compute(&ds, &year(), &Targets::default(), Level::Team);
    assert_eq!(team.units.len(), 2);
    let t1 = team.units.iter().find(|u| u.id == Some(id(T1))).unwrap();
    assert_eq!(counts(t1, IndicatorKind::Signing), (1, 4));
    assert_eq!(counts(t1, IndicatorKind::Fulfilment), (5, 8));
}

#[test]
fn rows_add_up_to_the_total_and_drill_downs_match_figures() {
    let ds = township();
    for p in [
        year(),
        params(Period::quarter(2026, 3).unwrap(), d(2026, 9, 15)),
        params(Period::month(2026, 6).unwrap(), d(2027, 1, 15)),
    ] {
        for level in [Level::Village, Level::Team, Level::Doctor] {
            let report = compute(&ds, &p, &Targets::default(), level);
            for kind in IndicatorKind::all() {
                let total = counts(&report.total, kind);
                let sum = report.units.iter().fold((0, 0), |acc, u| {
                    let c = counts(u, kind);
                    (acc.0 + c.0, acc.1 + c.1)
                });
                assert_eq!(sum, total, "{level:?} {kind:?}");
                let rows = drill_down(&ds, &p, kind, Level::Township, None);
                let hits = rows.iter().filter(|r| r.hit).count() as u64;
                assert_eq!((hits, rows.len() as u64), total, "{kind:?}");
                for unit in &report.units {
                    let rows = drill_down(&ds, &p, kind, level, unit.id);
                    let hits = rows.iter().filter(|r| r.hit).count() as u64;
                    assert_eq!((hits, rows.len() as u64), counts(unit, kind));
                }
            }
        }
    }
}

#[test]
fn a_contract_from_core_records_keeps_termination_and_doctor_changes() {
    use crate::catalog::Catalog;
    use crate::contract::{
        Contract, ContractEvent, ContractEventKind, ContractMember, TerminationReason,
    };
    let catalog = Catalog::default_catalog();
    let package = catalog
        .packages
        .iter()
        .find(|p| p.groups.contains(&G::Hypertension))
        .expect("the shipped catalog has a hypertension package");
    let contract = Contract {
        id: id(C1),
        agreement_number: "2026-A-00001".into(),
        household_id: id(H1),
        team_id: id(T1),
        doctor_id: id(D1),
        representative_id: id(R1),
        term: term(d(2026, 1, 1), d(2026, 12, 31)),
        members: vec![ContractMember {
            resident_id: id(R1),
            package_codes: vec![package.code.clone(), "no_such_package".into()],
        }],
        signed_at: "2026-01-01T02:00:00Z".parse().unwrap(),
        catalog_version: catalog.version.clone(),
        renews: None,
        snapshot_sha256: String::new(),
    };
    let event = |at: &str, kind| ContractEvent {
        id: Uuid::now_v7(),
        contract_id: id(C1),
        at: at.parse().unwrap(),
        kind,
    };
    let events = [
        event(
            "2026-10-02T02:00:00Z",
            ContractEventKind::Terminated {
                reason: TerminationReason::MovedOut,
                note: String::new(),
                effective_on: d(2026, 11, 1),
                resident_confirmed: true,
                doctor_confirmed: true,
                snapshot_sha256: String::new(),
            },
        ),
        event(
            "2026-05-02T02:00:00Z",
            ContractEventKind::DoctorChanged {
                from_doctor_id: id(D1),
                to_doctor_id: id(D3),
                effective_on: d(2026, 5, 2),
                note: String::new(),
            },
        ),
    ];
    // Applied in clock order: the termination was written last.
    let stamped: Vec<Stamped<ContractEvent>> = events
        .into_iter()
        .rev()
        .enumerate()
        .map(|(i, record)| Stamped {
            hlc: crate::hlc::Hlc {
                wall_ms: i as u64 + 1,
                counter: 0,
                device: Uuid::nil(),
            },
            record,
        })
        .collect();
    let info = ContractInfo::from_contract(&contract, &stamped, &catalog);
    assert_eq!(info.terminated_on, Some(d(2026, 11, 1)));
    assert_eq!(
        info.term_on(d(2026, 10, 31)).map(|t| t.last_day),
        Some(d(2026, 10, 31))
    );
    assert!(!info.covers_on(d(2026, 11, 1)));
    assert_eq!(info.doctor_on(d(2026, 5, 1)), id(D1));
    assert_eq!(info.doctor_on(d(2026, 5, 2)), id(D3));
    let items = &info.members[0].items;
    assert!(items.iter().any(|i| i.times_per_year >= 4), "{items:?}");
    assert!(items.iter().all(|i| i.times_per_year > 0));
}

#[test]
fn the_dataset_travels_as_json() {
    let ds = township();
    let json = serde_json::to_string(&ds).unwrap();
    assert!(json.contains("\"household_id\""));
    let back: Dataset = serde_json::from_str(&json).unwrap();
    assert_eq!(back, ds);
    let report = compute(&ds, &year(), &Targets::default(), Level::Village);
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(value["total"]["figures"][0]["kind"], "signing");
    assert_eq!(value["as_of"], "2026-12-31");
}

#[test]
fn periods_parse_and_label() {
    let table = [
        ("2026", d(2026, 1, 1), d(2026, 12, 31)),
        ("2026-02", d(2026, 2, 1), d(2026, 2, 28)),
        ("2026-Q4", d(2026, 10, 1), d(2026, 12, 31)),
        ("2026-03-05..2026-04-01", d(2026, 3, 5), d(2026, 4, 1)),
    ];
    for (text, start, end) in table {
        let p = Period::parse(text).unwrap();
        assert_eq!((p.start, p.end), (start, end), "{text}");
        assert_eq!(p.label(), text);
    }
    assert_eq!(Period::parse("2026-13"), None);
    assert_eq!(Period::parse("2026-04-01..2026-03-01"), None);
    assert_eq!(Period::parse("soon"), None);
    let p = Period::year(2026).unwrap();
    assert_eq!(p.as_of(d(2026, 5, 1)), d(2026, 5, 1));
    assert_eq!(p.as_of(d(2027, 5, 1)), d(2026, 12, 31));
    assert_eq!(p.as_of(d(2025, 5, 1)), d(2026, 1, 1));
    assert_eq!(
        year_window(d(2026, 9, 15)),
        (d(2025, 9, 16), d(2026, 9, 15))
    );
}

#[test]
fn a_dataset_from_domain_records() {
    use crate::catalog::Catalog;
    use crate::contract::{Contract, ContractMember};
    use crate::household::{Household, Resident, Team, TeamMember, TeamRole, Village};
    use crate::person::{Relation, Sex};
    use crate::visit::{ItemRef, Visit, VisitMode, Vitals};
    let catalog = Catalog::default_catalog();
    let village = Village {
        id: id(V1),
        code: "001".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    let member = |n: u128, role| TeamMember {
        id: id(n),
        name: format!("D{n}"),
        role,
        phone: String::new(),
    };
    let team = Team {
        id: id(T1),
        name: "一队".into(),
        institution: String::new(),
        village_clinic: String::new(),
        villages: vec![id(V1)],
        members: vec![
            member(D3, TeamRole::Leader),
            member(D1, TeamRole::FamilyDoctor),
        ],
        service_hotline: String::new(),
        complaint_phone: String::new(),
        service_hours: String::new(),
    };
    let household = Household {
        id: id(H1),
        village_id: id(V1),
        group: "一组".into(),
        address: "1号".into(),
        record_number: String::new(),
    };
    let resident = Resident {
        id: id(R1),
        household_id: id(H1),
        name: "张三".into(),
        id_number: None,
        id_number_missing: true,
        sex: Sex::Male,
        birth_date: Some(d(1950, 3, 1)),
        phone: None,
        relation: Relation::Head,
        groups: vec![G::Hypertension],
        record_number: None,
    };
    let contract = Contract {
        id: id(C1),
        agreement_number: "2026-A-00001".into(),
        household_id: id(H1),
        team_id: id(T1),
        doctor_id: id(D1),
        representative_id: id(R1),
        term: term(d(2026, 1, 1), d(2026, 12, 31)),
        members: vec![ContractMember {
            resident_id: id(R1),
            package_codes: vec!["basic_hypertension".into()],
        }],
        signed_at: "2026-01-01T02:00:00Z".parse().unwrap(),
        catalog_version: catalog.version.clone(),
        renews: None,
        snapshot_sha256: String::new(),
    };
    let visit = Visit {
        id: Uuid::now_v7(),
        resident_id: id(R1),
        served_by: None,
        kind: VisitKind::HypertensionFollowUp,
        mode: VisitMode::Home,
        // 23:30 UTC is the next morning in the village.
        occurred_at: "2026-02-09T23:30:00Z".parse().unwrap(),
        recorded_at: "2026-02-10T01:00:00Z".parse().unwrap(),
        fulfils: Some(ItemRef {
            contract_id: id(C1),
            package_code: "basic_hypertension".into(),
            item_code: "hypertension_follow_up".into(),
        }),
        vitals: Vitals {
            systolic_mmhg: Some(150),
            diastolic_mmhg: Some(85),
            ..Vitals::default()
        },
        notes: String::new(),
        form: None,
    };
    let ds = Dataset::from_records(&Records {
        villages: std::slice::from_ref(&village),
        teams: std::slice::from_ref(&team),
        households: std::slice::from_ref(&household),
        residents: std::slice::from_ref(&resident),
        contracts: std::slice::from_ref(&contract),
        events: &[],
        visits: std::slice::from_ref(&visit),
        catalogs: std::slice::from_ref(&catalog),
        year: Default::default(),
        ..Default::default()
    });
    assert_eq!(ds.villages[0].team_id, Some(id(T1)));
    assert_eq!(
        ds.villages[0].doctor_id,
        Some(id(D1)),
        "the family doctor, not the leader"
    );
    assert_eq!(ds.doctors.len(), 2);
    assert!(ds.residents[0].head);
    assert_eq!(
        ds.contracts[0].members[0].items,
        vec![
            owed_spec("basic_hypertension", "hypertension_follow_up", 4),
            owed_spec("basic_hypertension", "hypertension_annual_check", 1)
        ]
    );
    assert_eq!(ds.visits[0].on, d(2026, 2, 10));
    assert_eq!(ds.visits[0].bp_on_target, Some(false));
    let report = compute(&ds, &year(), &Targets::default(), Level::Township);
    // Four follow-ups and the annual check; the follow-up visit fulfilled one.
    assert_eq!(counts(&report.total, IndicatorKind::Fulfilment), (1, 5));
    // A catalog version nobody published but the app ships: read as the device reads it.
    let shipped = Dataset::from_records(&Records {
        contracts: std::slice::from_ref(&contract),
        catalogs: &[],
        ..Records::default()
    });
    assert_eq!(shipped.contracts[0].members[0].items.len(), 2);
    let mut old = contract.clone();
    old.catalog_version = "2026.1".into();
    let earlier = Dataset::from_records(&Records {
        contracts: std::slice::from_ref(&old),
        catalogs: &[],
        ..Records::default()
    });
    assert_eq!(
        earlier.contracts[0].members[0].items.len(),
        1,
        "the earlier default: follow-ups only, spread over the term"
    );
    // A catalog version the server does not hold: nothing is owed, nothing fails.
    let mut unknown_version = contract.clone();
    unknown_version.catalog_version = "1999.9".into();
    let unknown = Dataset::from_records(&Records {
        contracts: std::slice::from_ref(&unknown_version),
        catalogs: &[],
        ..Records::default()
    });
    assert!(unknown.contracts[0].members[0].items.is_empty());
}

fn owed_spec(package: &str, item: &str, n: u32) -> OwedSpec {
    let catalog = crate::catalog::Catalog::default_catalog();
    let schedule = catalog
        .effective_items(package)
        .unwrap()
        .into_iter()
        .find(|(_, i)| i.code == item)
        .unwrap()
        .1
        .schedule
        .clone();
    OwedSpec {
        standard: None,
        package_code: package.into(),
        item_code: item.into(),
        times_per_year: n,
        schedule,
    }
}

#[test]
fn standard_management_counts_face_to_face_follow_ups_only() {
    // R6 has four follow-up days in 2026 (03-10, 06-20, 08-01, 12-30), all at home; R1 has
    // three (02-10, 05-05, 11-30). Each case changes how one follow-up was made or adds one.
    let ht = VisitKind::HypertensionFollowUp;
    type Change = fn(&mut Dataset);
    let cases: [(&str, Change, u64); 5] = [
        ("all at home: R6 counts", |_| {}, 1),
        (
            "R6's 08-01 by phone: three face-to-face days",
            |ds| ds.visits[11].mode = VisitMode::Phone,
            0,
        ),
        (
            "R6's 08-01 at the clinic: still four",
            |ds| ds.visits[11].mode = VisitMode::Clinic,
            1,
        ),
        (
            "R1 gets a phone follow-up on 07-01: still three",
            |ds| {
                let mut v = visit(
                    R1,
                    None,
                    None,
                    VisitKind::HypertensionFollowUp,
                    d(2026, 7, 1),
                );
                v.mode = VisitMode::Phone;
                ds.visits.push(v);
            },
            1,
        ),
        (
            "R1 gets a clinic follow-up on 07-01: four",
            |ds| {
                let mut v = visit(
                    R1,
                    None,
                    None,
                    VisitKind::HypertensionFollowUp,
                    d(2026, 7, 1),
                );
                v.mode = VisitMode::Clinic;
                ds.visits.push(v);
            },
            2,
        ),
    ];
    for (name, change, expected) in cases {
        let mut ds = township();
        assert_eq!(ds.visits[11].on, d(2026, 8, 1));
        assert_eq!(ds.visits[11].kind, ht);
        change(&mut ds);
        let report = compute(&ds, &year(), &Targets::default(), Level::Township);
        let (num, den) = counts(&report.total, IndicatorKind::HypertensionStandardManagement);
        assert_eq!((num, den), (expected, 2), "{name}");
    }
    // A phone follow-up still decides control with its reading: R1's last reading by phone.
    let mut ds = township();
    let mut call = bp(visit(R1, None, None, ht, d(2026, 12, 1)), true);
    call.mode = VisitMode::Phone;
    ds.visits.push(call);
    let report = compute(&ds, &year(), &Targets::default(), Level::Township);
    // R1 now on target by the phone reading, R6 on target on 12-30.
    assert_eq!(
        counts(&report.total, IndicatorKind::HypertensionControl),
        (2, 2)
    );
}

#[test]
fn services_delivered_count_for_who_served() {
    // Visits in 2026 (as-of 12-31): R1 02-10, 05-05, 05-05 (C1, D1) and 11-30 (C1, D3 after
    // the change of doctor); R2 03-01 (unsigned, V1: D1); R3 03-15 and 09-10 (C2, D1); R6
    // 03-10 (before C3: V2's D2), 06-20, 08-01, 12-30 (C3, D2). 2025-12-20 and 2027-01-05 are
    // outside. Then nurse N1 of T1 is named on R2's check and on one of R1's 05-05 visits.
    const N1: u128 = 34;
    let mut ds = township();
    ds.doctors.push(DoctorInfo {
        id: id(N1),
        name: "丁护士".into(),
        team_id: id(T1),
    });
    let services = |report: &Report, unit: u128| {
        report
            .units
            .iter()
            .find(|u| u.id == Some(id(unit)))
            .map(|u| u.services)
    };
    let table = [
        // (who served R2's check and R1's second 05-05 visit, D1, D3, D2, N1)
        (None, Some(6), Some(1), Some(4), None),
        (Some(N1), Some(4), Some(1), Some(4), Some(2)),
        (Some(D3), Some(4), Some(3), Some(4), None),
    ];
    for (who, d1, d3, d2, n1) in table {
        ds.visits[3].served_by = who.map(id);
        ds.visits[6].served_by = who.map(id);
        assert_eq!(ds.visits[3].on, d(2026, 5, 5));
        assert_eq!(ds.visits[6].resident_id, id(R2));
        let report = compute(&ds, &year(), &Targets::default(), Level::Doctor);
        let got = (
            services(&report, D1),
            services(&report, D3),
            services(&report, D2),
            services(&report, N1),
        );
        assert_eq!(got, (d1, d3, d2, n1), "served by {who:?}");
        assert_eq!(report.total.services, 11);
        let sum: u64 = report.units.iter().map(|u| u.services).sum();
        assert_eq!(sum, 11, "the rows add up to the township");
        // A nurse who served gets a row with no residents of their own.
        if let Some(row) = report.units.iter().find(|u| u.id == Some(id(N1))) {
            assert_eq!(row.name, "丁护士");
            assert_eq!(counts(row, IndicatorKind::Signing), (0, 0));
        }
    }
    let village = compute(&ds, &year(), &Targets::default(), Level::Village);
    assert_eq!(services(&village, V1), Some(7));
    assert_eq!(services(&village, V2), Some(4));
    let team = compute(&ds, &year(), &Targets::default(), Level::Team);
    assert_eq!(services(&team, T1), Some(7));
    assert_eq!(services(&team, T2), Some(4));
    // A month: November has R1's 11-30 visit only, for D3.
    let november = params(Period::month(2026, 11).unwrap(), d(2027, 1, 15));
    let report = compute(&ds, &november, &Targets::default(), Level::Doctor);
    assert_eq!(report.total.services, 1);
    assert_eq!(services(&report, D3), Some(1));
}

#[test]
fn an_item_owed_once_per_household_counts_for_its_head_only() {
    let education = |per_household| OwedSpec {
        standard: None,
        package_code: "basic".into(),
        item_code: "health_education".into(),
        times_per_year: 4,
        schedule: crate::schedule::window::ItemSchedule {
            per_household,
            ..Default::default()
        },
    };
    let with = |per_household, head: Option<u128>| {
        let mut ds = township();
        for c in &mut ds.contracts {
            for m in &mut c.members {
                m.items = vec![education(per_household)];
            }
        }
        for r in &mut ds.residents {
            r.head = head.is_some_and(|h| r.id == id(h));
        }
        let report = compute(&ds, &year(), &Targets::default(), Level::Township);
        counts(&report.total, IndicatorKind::Fulfilment).1
    };
    let every_member = with(false, Some(R1));
    let heads_only = with(true, Some(R1));
    assert!(every_member > heads_only, "{every_member} vs {heads_only}");
    assert_eq!(
        heads_only, 4,
        "R1 heads H1 and is signed all year: four issues"
    );
    assert_eq!(
        with(true, None),
        0,
        "a household with no head recorded owes nothing"
    );
}
