//! A hand-computed township for the figures as the national standard defines them: a year
//! (2026) with a birth, a delivery, two deaths, a diagnosis within the year, an automatic
//! renewal, a declined one and a signed household never served. Every expected number below is
//! worked out in the comments from the records, not read back from the code.

use chrono::NaiveDate;
use uuid::Uuid;

use super::dataset::*;
use super::test_fixtures::{d, id, term};
use super::*;
use crate::catalog::Catalog;
use crate::contract::Term;
use crate::hlc::Hlc;
use crate::person::PopulationGroup as G;
use crate::visit::{VisitKind as K, VisitMode};
use crate::year::groups::{GroupPeriod, PeriodBasis};
use crate::year::membership::{
    JoinReason, LeaveReason, MembershipChange, MembershipEvent, registration_event,
};

const V1: u128 = 1;
const T1: u128 = 2;
const D1: u128 = 3;
const D2: u128 = 4;
// Households 1x, residents by household (A 2x, B 3x, E 5x, F 6x, G 7x), contracts 9x.
const H1: u128 = 11;
const H2: u128 = 12;
const H3: u128 = 13;
const H4: u128 = 14;
const H5: u128 = 15;
const H6: u128 = 16;
const A1: u128 = 21; // head of H1, 78, hypertension since before the year
const A2: u128 = 22; // his wife, 76
const A3: u128 = 23; // their daughter-in-law: pregnant, delivers on 2026-08-10
const A4: u128 = 24; // her baby, born 2026-08-10
const B1: u128 = 31; // head of H2, 71, diabetes diagnosed 2026-07-01
const B2: u128 = 32; // his wife, dies 2026-10-15
const E1: u128 = 51; // head of H3, hypertension, signed in December
const F1: u128 = 61; // head of H4, signed, never served
const F2: u128 = 66; // head of H6, hypertension, not signed
const G1: u128 = 71; // head of H5, elderly, dies 2026-03-01
const C1: u128 = 91;
const C2: u128 = 92;
const C3: u128 = 93;
const C4: u128 = 94;

fn resident(r: u128, h: u128, born: NaiveDate, groups: &[G], head: bool) -> ResidentInfo {
    ResidentInfo {
        id: id(r),
        household_id: id(h),
        name: format!("R{r}"),
        id_number: None,
        birth_date: Some(born),
        groups: groups.to_vec(),
        head,
        periods: vec![],
        membership: vec![],
    }
}

fn period(n: u128, r: u128, group: G, basis: PeriodBasis, start: NaiveDate) -> GroupPeriod {
    GroupPeriod {
        id: id(1000 + n),
        resident_id: id(r),
        group,
        basis,
        start,
        end: None,
        hlc: Hlc::zero(Uuid::nil()),
    }
}

fn membership(
    n: u128,
    r: u128,
    h: u128,
    on: NaiveDate,
    change: MembershipChange,
) -> MembershipEvent {
    MembershipEvent {
        id: id(2000 + n),
        resident_id: id(r),
        household_id: id(h),
        effective_on: on,
        change,
        hlc: Hlc::zero(Uuid::nil()),
    }
}

fn died(n: u128, r: u128, h: u128, on: NaiveDate) -> MembershipEvent {
    membership(
        n,
        r,
        h,
        on,
        MembershipChange::Left {
            reason: LeaveReason::Died,
        },
    )
}

fn member(r: u128, packages: &[&str]) -> MemberInfo {
    let codes: Vec<String> = packages.iter().map(|p| p.to_string()).collect();
    MemberInfo {
        resident_id: id(r),
        items: owed_specs(&Catalog::default_catalog(), &codes),
        spans: vec![],
    }
}

fn contract(
    c: u128,
    h: u128,
    term: Term,
    terminated_on: Option<NaiveDate>,
    members: Vec<MemberInfo>,
) -> ContractInfo {
    ContractInfo {
        id: id(c),
        agreement_number: format!("C{c}"),
        household_id: id(h),
        team_id: id(T1),
        doctor_id: id(D1),
        term,
        terminated_on,
        successor_from: None,
        doctor_changes: vec![],
        members,
    }
}

fn visit(r: u128, link: Option<(u128, &str)>, kind: K, on: NaiveDate) -> VisitInfo {
    VisitInfo {
        resident_id: id(r),
        contract_id: link.map(|(c, _)| id(c)),
        item_code: link.map(|(_, item)| item.to_string()),
        kind,
        mode: VisitMode::Home,
        served_by: Some(id(D2)),
        on,
        bp_on_target: None,
        glucose_on_target: None,
    }
}

fn phone(mut v: VisitInfo) -> VisitInfo {
    v.mode = VisitMode::Phone;
    v
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
    let ht = K::HypertensionFollowUp;
    let dm = K::DiabetesFollowUp;
    let mut residents = vec![
        resident(A1, H1, d(1948, 4, 1), &[G::Hypertension], true),
        resident(A2, H1, d(1950, 9, 9), &[], false),
        resident(A3, H1, d(1996, 3, 3), &[], false),
        resident(A4, H1, d(2026, 8, 10), &[], false),
        resident(B1, H2, d(1955, 1, 1), &[], true),
        resident(B2, H2, d(1957, 12, 1), &[], false),
        resident(E1, H3, d(1980, 1, 1), &[G::Hypertension], true),
        resident(F1, H4, d(1970, 5, 5), &[], true),
        resident(G1, H5, d(1940, 1, 1), &[G::Hypertension], true),
        resident(F2, H6, d(1972, 2, 2), &[G::Hypertension], true),
    ];
    // A3: last menstrual period 2025-11-20; delivered on 2026-08-10 (the pregnancy ends the
    // day before, 42 days postpartum follow).
    let pregnancy = period(
        1,
        A3,
        G::Pregnant,
        PeriodBasis::LastMenstrualPeriod,
        d(2025, 11, 20),
    );
    let (pregnancy, postpartum) = pregnancy
        .delivered(d(2026, 8, 10), id(1002), Hlc::zero(Uuid::nil()))
        .unwrap();
    residents[2].periods = vec![pregnancy, postpartum];
    // A4 is born into H1 on the delivery day.
    residents[3].membership = vec![membership(
        1,
        A4,
        H1,
        d(2026, 8, 10),
        MembershipChange::Joined {
            reason: JoinReason::Birth { mother_id: id(A3) },
        },
    )];
    // B1: type 2 diabetes diagnosed on 2026-07-01.
    residents[4].periods = vec![period(
        3,
        B1,
        G::Diabetes,
        PeriodBasis::Diagnosed,
        d(2026, 7, 1),
    )];
    // A death is recorded after the join the register implies, as the app writes it.
    residents[5].membership = vec![
        registration_event(id(B2), id(H2), Some(d(1957, 12, 1))),
        died(2, B2, H2, d(2026, 10, 15)),
    ];
    residents[8].membership = vec![
        registration_event(id(G1), id(H5), Some(d(1940, 1, 1))),
        died(3, G1, H5, d(2026, 3, 1)),
    ];

    // C1: H1, signed 2025-03-01 for a rolling year, renewed by itself on 2026-03-01. The
    // baby is added from 2026-08-20 (the amendment's day).
    let mut baby = member(A4, &["basic_child"]);
    baby.spans = vec![CoverSpan {
        from: d(2026, 8, 20),
        until: None,
    }];
    let mother = member(A3, &["basic_maternal"]);
    let c1 = contract(
        C1,
        H1,
        term(d(2025, 3, 1), d(2026, 2, 28)),
        None,
        vec![
            member(A1, &["basic_elderly"]),
            member(A2, &[]),
            mother,
            baby,
        ],
    );
    // C2: H2, 2025-06-01..2026-05-31; the household declined renewal (ends with the term).
    let c2 = contract(
        C2,
        H2,
        term(d(2025, 6, 1), d(2026, 5, 31)),
        Some(d(2026, 6, 1)),
        vec![member(B1, &[]), member(B2, &[])],
    );
    // C3: H3, signed on 2026-12-10: too new to be held "not served" on 12-31.
    let c3 = contract(
        C3,
        H3,
        term(d(2026, 12, 10), d(2027, 12, 9)),
        None,
        vec![member(E1, &[])],
    );
    // C4: H4, signed on 2026-01-15 and never served.
    let c4 = contract(
        C4,
        H4,
        term(d(2026, 1, 15), d(2027, 1, 14)),
        None,
        vec![member(F1, &[])],
    );

    let check = (C1, "elderly_health_check");
    let visits = vec![
        // A1: four face-to-face hypertension follow-ups, the last on target; the 65+ check
        // (the catalog's marked item) on 2025-10-01 for the first term and 2026-06-01 for
        // the year; the TCM assessment on 2026-02-10.
        bp(visit(A1, None, ht, d(2026, 2, 1)), false),
        bp(visit(A1, None, ht, d(2026, 5, 1)), true),
        bp(visit(A1, None, ht, d(2026, 8, 1)), false),
        bp(visit(A1, None, ht, d(2026, 11, 1)), true),
        visit(A1, Some(check), K::HealthCheck, d(2025, 10, 1)),
        visit(A1, Some(check), K::HealthCheck, d(2026, 6, 1)),
        visit(
            A1,
            Some((C1, "tcm_assessment")),
            K::TcmAssessment,
            d(2026, 2, 10),
        ),
        // A2: a paid extended check is a check, but not the 65+ annual check.
        visit(
            A2,
            Some((C1, "elderly_extended_check")),
            K::HealthCheck,
            d(2026, 5, 1),
        ),
        // A3: antenatal visits in windows 1, 2, 4 and 5 (window 3, 04-16..05-13, missed);
        // the postpartum visit on day 5; no 42-day check.
        visit(
            A3,
            Some((C1, "antenatal_visit")),
            K::AntenatalVisit,
            d(2026, 1, 10),
        ),
        visit(
            A3,
            Some((C1, "antenatal_visit")),
            K::AntenatalVisit,
            d(2026, 3, 20),
        ),
        visit(
            A3,
            Some((C1, "antenatal_visit")),
            K::AntenatalVisit,
            d(2026, 6, 15),
        ),
        visit(
            A3,
            Some((C1, "antenatal_visit")),
            K::AntenatalVisit,
            d(2026, 8, 7),
        ),
        visit(
            A3,
            Some((C1, "postpartum_visit")),
            K::PostpartumVisit,
            d(2026, 8, 15),
        ),
        // A4: the newborn visit on the day the contract took the baby in; the 满月 check; no
        // 3-month check.
        visit(
            A4,
            Some((C1, "newborn_visit")),
            K::NewbornVisit,
            d(2026, 8, 20),
        ),
        visit(
            A4,
            Some((C1, "child_health_check")),
            K::ChildCheck,
            d(2026, 9, 15),
        ),
        // B1: three face-to-face diabetes follow-ups since the diagnosis, the last off target;
        // an annual check with no item (no contract covers him by then).
        glucose(visit(B1, None, dm, d(2026, 8, 1)), true),
        glucose(visit(B1, None, dm, d(2026, 10, 1)), true),
        glucose(visit(B1, None, dm, d(2026, 12, 1)), false),
        visit(B1, None, K::HealthCheck, d(2026, 9, 1)),
        // F2: three face-to-face follow-ups and a phone call, which carries the last reading.
        bp(visit(F2, None, ht, d(2026, 3, 1)), false),
        bp(visit(F2, None, ht, d(2026, 6, 1)), false),
        bp(visit(F2, None, ht, d(2026, 9, 1)), false),
        bp(phone(visit(F2, None, ht, d(2026, 12, 1))), true),
        // G1 was followed up before dying: he is in no denominator on 12-31.
        bp(visit(G1, None, ht, d(2026, 2, 1)), true),
    ];
    Dataset {
        villages: vec![VillageInfo {
            id: id(V1),
            code: "001".into(),
            name: "东庄村".into(),
            team_id: Some(id(T1)),
            doctor_id: Some(id(D1)),
        }],
        teams: vec![TeamInfo {
            id: id(T1),
            name: "一队".into(),
        }],
        doctors: vec![
            DoctorInfo {
                id: id(D1),
                name: "甲医生".into(),
                team_id: id(T1),
            },
            DoctorInfo {
                id: id(D2),
                name: "乙护士".into(),
                team_id: id(T1),
            },
        ],
        households: [H1, H2, H3, H4, H5, H6]
            .into_iter()
            .map(|h| HouseholdInfo {
                id: id(h),
                village_id: id(V1),
            })
            .collect(),
        residents,
        contracts: vec![c1, c2, c3, c4],
        visits,
        referrals_out: vec![
            referral(1, A1, H1, d(2026, 4, 1)),
            referral(2, F2, H6, d(2026, 11, 1)),
            // Referred in 2025: outside the year.
            referral(3, B1, H2, d(2025, 12, 20)),
        ],
        referrals_back: vec![returned(1, A1, H1, d(2026, 4, 20))],
        surveys: vec![
            // H1 in C1's renewed year: all answers 满意; a second device surveyed it again ten
            // days later (all 不满意), which does not count.
            survey(1, H1, C1, d(2026, 3, 1), d(2026, 6, 1), 14),
            survey(2, H1, C1, d(2026, 3, 1), d(2026, 6, 10), 0),
            // H4: mostly 不满意 (4 of 14 points, a score of 29).
            survey(3, H4, C4, d(2026, 1, 15), d(2026, 7, 1), 4),
        ],
    }
}

fn referral(n: u128, r: u128, h: u128, on: NaiveDate) -> crate::referral::ReferralOut {
    crate::referral::ReferralOut {
        id: id(3000 + n),
        resident_id: id(r),
        household_id: id(h),
        village_id: id(V1),
        doctor_id: Some(id(D1)),
        to_institution: "县人民医院".into(),
        reason: "血压控制不佳".into(),
        referred_on: on,
        urgency: None,
        recorded_at: crate::time::china_noon(on),
    }
}

fn returned(n: u128, r: u128, h: u128, on: NaiveDate) -> crate::referral::ReferralBack {
    crate::referral::ReferralBack {
        id: id(3100 + n),
        referral_id: id(3000 + n),
        resident_id: id(r),
        household_id: id(h),
        village_id: id(V1),
        doctor_id: Some(id(D1)),
        returned_on: on,
        follow_up_plan: "每两周随访一次".into(),
        recorded_at: crate::time::china_noon(on),
    }
}

fn survey(
    n: u128,
    h: u128,
    c: u128,
    year_start: NaiveDate,
    on: NaiveDate,
    points: u32,
) -> crate::survey::SatisfactionSurvey {
    crate::survey::SatisfactionSurvey {
        id: id(3200 + n),
        household_id: id(h),
        village_id: id(V1),
        contract_id: id(c),
        contract_year_start: year_start,
        doctor_id: Some(id(D1)),
        answered_by: id(h * 2),
        asked_by: id(D2),
        surveyed_on: on,
        questionnaire_version: "2026".into(),
        answers: vec![],
        points,
        max_points: 14,
        recorded_at: crate::time::china_noon(on),
    }
}

/// The year 2026, reported on 2027-01-10: the as-of day is 2026-12-31.
fn year_2026() -> Params {
    Params {
        period: Period::year(2026).unwrap(),
        reference: d(2027, 1, 10),
    }
}

fn figures() -> Report {
    compute(
        &township(),
        &year_2026(),
        &Targets::default(),
        Level::Township,
    )
}

fn counts(kind: IndicatorKind) -> (u64, u64) {
    let report = figures();
    let f = report.total.figure(kind).unwrap();
    (f.numerator, f.denominator)
}

/// The residents (or households) in a figure's numerator and denominator.
fn behind(kind: IndicatorKind) -> (Vec<Uuid>, Vec<Uuid>) {
    let rows = drill_down(&township(), &year_2026(), kind, Level::Township, None);
    let who = |r: &DrillRow| match r.subject {
        Subject::Resident { resident_id } => resident_id,
        Subject::Household { household_id } => household_id,
        Subject::Occurrence { resident_id, .. } => resident_id,
    };
    let mut hits: Vec<Uuid> = rows.iter().filter(|r| r.hit).map(who).collect();
    let mut all: Vec<Uuid> = rows.iter().map(who).collect();
    hits.sort();
    all.sort();
    (hits, all)
}

fn ids(list: &[u128]) -> Vec<Uuid> {
    let mut v: Vec<Uuid> = list.iter().map(|n| id(*n)).collect();
    v.sort();
    v
}

#[test]
fn signing_counts_the_living_register_on_the_as_of_day() {
    // On the register on 12-31: A1 A2 A3 A4 (born in August) B1 E1 F1 F2 = 8; B2 and G1 died.
    // Covered: A1 A2 A3 (C1 renewed itself), A4 (from 08-20), E1 (C3), F1 (C4) = 6; B1's
    // contract ended with the declined renewal, F2 never signed.
    assert_eq!(counts(IndicatorKind::Signing), (6, 8));
    // Households with a living member: H1 H2 H3 H4 H6 (H5's only member died); signed: H1 H3 H4.
    assert_eq!(counts(IndicatorKind::HouseholdSigning), (3, 5));
    // The baby is the one child 0–6, and signed.
    assert_eq!(counts(IndicatorKind::GroupSigning(G::Child0To6)), (1, 1));
    // A3's postpartum period (08-10 + 42 days) is over by 12-31: no pregnant or postpartum
    // woman is counted.
    assert_eq!(counts(IndicatorKind::GroupSigning(G::Pregnant)), (0, 0));
    assert_eq!(counts(IndicatorKind::GroupSigning(G::Postpartum)), (0, 0));
}

#[test]
fn management_counts_every_patient_in_the_area_and_the_signed_beside() {
    // Hypertension patients on the register: A1 (4 face-to-face, last on target), E1 (no
    // follow-up), F2 (3 face-to-face + a phone call: 3 of 4; the phone call's reading on target
    // counts for control). G1 died.
    assert_eq!(
        counts(IndicatorKind::HypertensionStandardManagement),
        (1, 3)
    );
    assert_eq!(
        behind(IndicatorKind::HypertensionStandardManagement).0,
        ids(&[A1])
    );
    assert_eq!(counts(IndicatorKind::HypertensionControl), (2, 3));
    assert_eq!(behind(IndicatorKind::HypertensionControl).0, ids(&[A1, F2]));
    // Signed among them: A1 and E1.
    assert_eq!(
        counts(IndicatorKind::HypertensionStandardManagementSigned),
        (1, 2)
    );
    assert_eq!(counts(IndicatorKind::HypertensionControlSigned), (1, 2));
    // B1, diagnosed 2026-07-01: 184 days to 12-31 is three quarters begun, so 3 follow-ups
    // are asked and 3 were made. His last glucose was off target. He is not signed.
    assert_eq!(counts(IndicatorKind::DiabetesStandardManagement), (1, 1));
    assert_eq!(counts(IndicatorKind::DiabetesControl), (0, 1));
    assert_eq!(
        counts(IndicatorKind::DiabetesStandardManagementSigned),
        (0, 0)
    );
}

#[test]
fn the_elderly_rate_counts_the_65_plus_check_only() {
    // 65+ on 12-31: A1, A2, B1 (G1 died). A1 had the marked 65+ check in June; A2 only a paid
    // extended check (another item); B1 a health check with no item.
    assert_eq!(counts(IndicatorKind::ElderlyHealthManagement), (2, 3));
    assert_eq!(
        behind(IndicatorKind::ElderlyHealthManagement).0,
        ids(&[A1, B1])
    );
}

#[test]
fn fulfilment_follows_the_birth_and_the_delivery() {
    // Due in 2026 (deadline in the year, covered that day):
    // A1: the 65+ check and the TCM assessment of C1's first term (due 2026-02-28), done
    //     2025-10-01 and 2026-02-10: 2 of 2 (the renewed term's fall due in 2027).
    // A3: antenatal windows from the LMP 2025-11-20 — 1 (to 02-18, first term), 2 (03-12..
    //     04-15), 3 (04-16..05-13), 4 (06-04..08-05), 5 (08-06.., cut at 08-09 by the
    //     delivery): 4 of 5; the postpartum visit (08-13..08-20): 1 of 1; the 42-day check
    //     (09-21..10-05): 0 of 1.
    // A4: the newborn visit (08-10..08-20, due the day the cover starts): 1 of 1; child checks
    //     满月 (09-07..09-25) done, 3 months (10-26..11-25) missed; 6 months is due in 2027.
    // 9 of 12.
    assert_eq!(counts(IndicatorKind::Fulfilment), (9, 12));
}

#[test]
fn renewal_counts_terms_that_ran_their_course() {
    // C1's first term ended 2026-02-28 with A1 A2 A3 covered and all still there on 03-01,
    // covered by the automatic renewal: 3 of 3. C2 ended 05-31 (renewal declined) with B1 and
    // B2, both alive on 06-01: not renewed. C3 and C4 end in 2027.
    assert_eq!(counts(IndicatorKind::Renewal), (3, 5));
    assert_eq!(behind(IndicatorKind::Renewal).0, ids(&[A1, A2, A3]));
    assert_eq!(behind(IndicatorKind::Renewal).1, ids(&[A1, A2, A3, B1, B2]));
}

#[test]
fn renewal_waits_for_the_day_after_the_term() {
    // Reported on the last day of C1's first term, its renewal cannot be judged yet.
    let p = Params {
        period: Period::month(2026, 2).unwrap(),
        reference: d(2026, 2, 28),
    };
    let report = compute(&township(), &p, &Targets::default(), Level::Township);
    let f = report.total.figure(IndicatorKind::Renewal).unwrap();
    assert_eq!((f.numerator, f.denominator), (0, 0));
}

#[test]
fn signed_but_not_served_lists_the_households_with_no_service() {
    // Covered on 12-31 and at least 30 days old: C1 (H1, served all year) and C4 (H4, no
    // visit ever). C3 was signed on 12-10; C2 ended.
    assert_eq!(counts(IndicatorKind::ContractsServed), (1, 2));
    let (served, all) = behind(IndicatorKind::ContractsServed);
    assert_eq!(served, ids(&[H1]));
    assert_eq!(all, ids(&[H1, H4]));
}

#[test]
fn referrals_and_the_satisfaction_survey() {
    // Referred out in 2026: A1 (back on 04-20) and F2 (not back); B1's was in 2025.
    assert_eq!(counts(IndicatorKind::ReferralsReturned), (1, 2));
    assert_eq!(behind(IndicatorKind::ReferralsReturned).0, ids(&[A1]));
    // Covered on 12-31: C1 (surveyed in its renewed year), C3 (not), C4 (surveyed).
    assert_eq!(counts(IndicatorKind::SurveyCoverage), (2, 3));
    // Surveyed in 2026, once per household and contract year: H1 (score 100) and H4 (29).
    assert_eq!(counts(IndicatorKind::Satisfaction), (1, 2));
    assert_eq!(behind(IndicatorKind::Satisfaction).0, ids(&[H1]));
}

#[test]
fn a_quarter_begun_asks_one_follow_up() {
    let as_of = d(2026, 12, 31);
    assert_eq!(super::compute::required_follow_ups(d(1950, 1, 1), as_of), 4);
    assert_eq!(
        super::compute::required_follow_ups(d(2026, 12, 31), as_of),
        1
    );
    assert_eq!(
        super::compute::required_follow_ups(d(2026, 10, 2), as_of),
        1
    ); // 91 days
    assert_eq!(
        super::compute::required_follow_ups(d(2026, 10, 1), as_of),
        2
    ); // 92 days
    assert_eq!(super::compute::required_follow_ups(d(2026, 7, 1), as_of), 3); // 184 days
    assert_eq!(super::compute::required_follow_ups(d(2026, 4, 1), as_of), 4); // 275 days
    assert_eq!(super::compute::required_follow_ups(d(2027, 1, 5), as_of), 1); // not yet: never 0
}
