use chrono::{Days, NaiveDate};
use uuid::Uuid;

use super::plan::{Anchors, ItemState, Plan, fulfilled, owed_by, plan, plan_in_force, standing_on};
use super::window::{Anchor, ItemSchedule, Offset, WindowSpec};
use super::*;
use crate::catalog::Catalog;
use crate::contract::TermPolicy;
use crate::hlc::Hlc;
use crate::person::PopulationGroup;
use crate::term::TermInForce;
use crate::year::groups::{GroupPeriod, PeriodBasis};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn year_2026() -> Term {
    Term::first(TermPolicy::CalendarYear, d(2026, 1, 1))
}

fn owed(n: u32, term: Term) -> OwedItem {
    OwedItem {
        contract_id: Uuid::from_u128(1),
        resident_id: Uuid::from_u128(2),
        package_code: "basic_hypertension".into(),
        item_code: "hypertension_follow_up".into(),
        times_per_year: n,
        term,
        covered_until: term.end,
    }
}

fn period(group: PopulationGroup, basis: PeriodBasis, start: NaiveDate) -> GroupPeriod {
    GroupPeriod {
        id: Uuid::from_u128(start.num_days_from_ce() as u128),
        resident_id: Uuid::from_u128(2),
        group,
        basis,
        start,
        end: None,
        hlc: Hlc::zero(Uuid::nil()),
    }
}

use chrono::Datelike;

/// The shipped catalog's schedule of an item.
fn shipped(package: &str, item: &str) -> (ItemSchedule, u32) {
    let catalog = Catalog::default_catalog();
    let item = catalog
        .package(package)
        .unwrap()
        .items
        .iter()
        .find(|i| i.code == item)
        .cloned()
        .unwrap();
    (item.schedule, item.times_per_year)
}

fn windows(p: &Plan) -> Vec<(NaiveDate, NaiveDate)> {
    p.occurrences
        .iter()
        .map(|o| (o.opens_on, o.due_by))
        .collect()
}

/// The state on `day` with visits on `visits`: (state, 1-based occurrence, missed).
fn state(p: &Plan, visits: &[NaiveDate], day: NaiveDate) -> Option<(ItemState, usize, u32)> {
    let done = fulfilled(p, visits, day);
    standing_on(p, &done, day).map(|s| (s.state, s.index + 1, s.missed))
}

// ------------------------------------------------------------------ offsets and the catalog

#[test]
fn offsets_read_days_weeks_months_and_years() {
    let table = [
        ("0d", Offset::days(0)),
        ("7d", Offset::days(7)),
        ("12w6d", Offset::days(90)),
        (
            "3m-15d",
            Offset {
                months: 3,
                days: -15,
            },
        ),
        (
            "1m+15d",
            Offset {
                months: 1,
                days: 15,
            },
        ),
        (
            "4y-1m",
            Offset {
                months: 47,
                days: 0,
            },
        ),
    ];
    for (text, expected) in table {
        assert_eq!(text.parse::<Offset>(), Ok(expected), "{text}");
    }
    for bad in ["", "3", "m", "3x", "1d+"] {
        assert!(bad.parse::<Offset>().is_err(), "{bad:?} should be refused");
    }
    // Calendar months: 3 months after 31 January is the end of April.
    let three_months = Offset { months: 3, days: 0 };
    assert_eq!(three_months.from(d(2026, 1, 31)), Some(d(2026, 4, 30)));
}

#[test]
fn catalogs_without_anchors_load_and_spread_over_the_term() {
    let old = Catalog::shipped("2026.1").expect("the earlier default is still shipped");
    assert!(
        old.packages
            .iter()
            .flat_map(|p| &p.items)
            .all(|i| i.schedule == ItemSchedule::default()),
        "an old catalog reads as anchored on the term"
    );
    let new = Catalog::default_catalog();
    assert_ne!(
        new.version, old.version,
        "a catalog with anchors has a new version"
    );
    let bad = "version='1'\nregion='x'\n[[package]]\ncode='a'\nname='a'\nname_en='a'\nkind='basic'\n[[package.item]]\ncode='i'\nname='i'\nname_en='i'\ntimes_per_year=4\nvisit_kind='hypertension_follow_up'\n[package.item.schedule]\nanchor='diagnosis'\n";
    let err = Catalog::from_toml(bad).unwrap_err();
    assert!(err.to_string().contains("group"), "{err}");
    let reversed = bad.replace(
        "anchor='diagnosis'\n",
        "anchor='birth'\nwindows=[{from='3m', to='1m'}]\n",
    );
    let err = Catalog::from_toml(&reversed).unwrap_err();
    assert!(err.to_string().contains("ends before"), "{err}");
}

// ------------------------------------------------------------------ the term (even spread)

#[test]
fn quarterly_windows_cover_the_year() {
    let term = year_2026();
    let windows: Vec<_> = (1..=4).map(|k| occurrence_window(&term, 4, k)).collect();
    assert_eq!(windows[0], (d(2026, 1, 1), d(2026, 4, 2)));
    assert_eq!(windows[3].1, d(2026, 12, 31));
    for pair in windows.windows(2) {
        assert!(
            pair[1].0 <= pair[0].1 + Days::new(1),
            "gap between {pair:?}"
        );
    }
}

#[test]
fn term_items_due_and_overdue_by_table() {
    let term = year_2026();
    let p = plan(
        &ItemSchedule::default(),
        4,
        &Anchors::default(),
        &term,
        true,
        term.end,
    );
    let visits = |n: usize| -> Vec<NaiveDate> { vec![d(2026, 1, 10); n] };
    // (visits delivered, day, expected (status, occurrence, missed))
    let table = [
        (0, d(2026, 2, 1), Some((DueStatus::Due, 1, 0))),
        (0, d(2026, 5, 1), Some((DueStatus::Overdue, 1, 1))),
        (0, d(2026, 11, 1), Some((DueStatus::Overdue, 1, 3))),
        (1, d(2026, 2, 1), None), // the second quarter has not opened: upcoming
        (1, d(2026, 4, 10), Some((DueStatus::Due, 2, 0))),
        (4, d(2026, 12, 1), None),
        (0, d(2027, 1, 2), None), // after the cover
    ];
    for (n, day, expected) in table {
        let item = ScheduledItem::new(owed(4, term), p.clone(), &visits(n), day);
        let got = item.due_on(day).map(|d| (d.status, d.occurrence, d.missed));
        assert_eq!(got, expected, "{n} delivered on {day}");
    }
    assert_eq!(
        state(&p, &visits(1), d(2026, 2, 1)),
        Some((ItemState::Upcoming, 2, 0))
    );
}

#[test]
fn on_need_items_are_never_scheduled_and_termination_stops_the_rest() {
    let term = year_2026();
    let none = plan(
        &ItemSchedule::default(),
        0,
        &Anchors::default(),
        &term,
        true,
        term.end,
    );
    assert!(none.occurrences.is_empty());
    let ended = plan(
        &ItemSchedule::default(),
        4,
        &Anchors::default(),
        &term,
        true,
        d(2026, 3, 31),
    );
    assert_eq!(
        ended.occurrences.len(),
        1,
        "only the window open before the end"
    );
    let mut item = owed(4, term);
    item.covered_until = d(2026, 3, 31);
    let scheduled = ScheduledItem::new(item, ended, &[d(2026, 2, 1)], d(2026, 4, 10));
    assert_eq!(scheduled.due_on(d(2026, 4, 10)), None);
    assert_eq!(
        scheduled.next_open(),
        None,
        "nothing is owed next once the contract stops covering"
    );
}

#[test]
fn a_minimum_gap_keeps_two_close_visits_from_counting_twice() {
    let term = year_2026();
    let schedule = ItemSchedule {
        min_gap_days: 30,
        ..ItemSchedule::default()
    };
    let p = plan(&schedule, 4, &Anchors::default(), &term, true, term.end);
    let visits = [
        d(2026, 1, 10),
        d(2026, 1, 20),
        d(2026, 2, 15),
        d(2026, 3, 1),
    ];
    let done = fulfilled(&p, &visits, d(2026, 12, 31));
    assert_eq!(
        done,
        vec![Some(d(2026, 1, 10)), Some(d(2026, 2, 15)), None, None],
        "20 Jan and 1 Mar are under 30 days after the visit counted before them"
    );
}

// ------------------------------------------------------------------ diagnosis

#[test]
fn follow_ups_run_from_the_diagnosis_for_the_rest_of_the_term() {
    let (schedule, n) = shipped("basic_hypertension", "hypertension_follow_up");
    assert_eq!((schedule.anchor, n), (Anchor::Diagnosis, 4));
    let term = year_2026();
    // (diagnosed on, occurrences owed, first window)
    let table = [
        (None, 4, (d(2026, 1, 1), d(2026, 4, 2))), // recorded with no date: the whole term
        (Some(d(2020, 5, 1)), 4, (d(2026, 1, 1), d(2026, 4, 2))), // before the term
        (Some(d(2026, 7, 3)), 2, (d(2026, 7, 3), d(2026, 10, 1))), // half a year left
        (Some(d(2026, 12, 1)), 1, (d(2026, 12, 1), d(2026, 12, 31))),
        (Some(d(2027, 2, 1)), 4, (d(2026, 1, 1), d(2026, 4, 2))), // after the term: not this one
    ];
    for (diagnosed, count, first) in table {
        let periods: Vec<GroupPeriod> = diagnosed
            .map(|on| period(PopulationGroup::Hypertension, PeriodBasis::Diagnosed, on))
            .into_iter()
            .collect();
        let anchors = Anchors {
            birth_date: None,
            periods: &periods,
        };
        let p = plan(&schedule, n, &anchors, &term, true, term.end);
        assert_eq!(p.occurrences.len(), count, "diagnosed {diagnosed:?}");
        assert_eq!(windows(&p)[0], first, "diagnosed {diagnosed:?}");
    }
}

// ------------------------------------------------------------------ pregnancy and delivery

#[test]
fn antenatal_windows_count_from_the_last_menstrual_period() {
    let (schedule, _) = shipped("basic_maternal", "antenatal_visit");
    let lmp = d(2026, 1, 5);
    let periods = [period(
        PopulationGroup::Pregnant,
        PeriodBasis::LastMenstrualPeriod,
        lmp,
    )];
    let anchors = Anchors {
        birth_date: None,
        periods: &periods,
    };
    let term = year_2026();
    let p = plan(&schedule, 5, &anchors, &term, true, term.end);
    let week = |w: u64| lmp + Days::new(w * 7);
    assert_eq!(
        windows(&p),
        vec![
            (lmp, week(13) - Days::new(1)),
            (week(16), week(21) - Days::new(1)),
            (week(21), week(25) - Days::new(1)),
            (week(28), week(37) - Days::new(1)),
            (week(37), week(41) - Days::new(1)),
        ]
    );
    // (visits, day, expected (state, occurrence, missed))
    let table = [
        (vec![], week(10), Some((ItemState::Due, 1, 0))),
        (vec![week(11)], week(14), Some((ItemState::Upcoming, 2, 0))),
        (vec![], week(14), Some((ItemState::Overdue, 1, 1))),
        // The first window was missed: the second is due, the miss stays counted.
        (vec![], week(17), Some((ItemState::Due, 2, 1))),
        (
            vec![week(11), week(18)],
            week(26),
            Some((ItemState::Overdue, 3, 1)),
        ),
        // A visit after a window closed fulfils it late.
        (
            vec![week(11), week(18), week(26)],
            week(27),
            Some((ItemState::Upcoming, 4, 0)),
        ),
        (
            vec![week(11), week(18), week(22), week(30), week(38)],
            week(39),
            None,
        ),
    ];
    for (visits, day, expected) in table {
        assert_eq!(
            state(&p, &visits, day),
            expected,
            "visits {visits:?} on {day}"
        );
    }
}

#[test]
fn a_delivery_ends_the_antenatal_windows() {
    let (schedule, _) = shipped("basic_maternal", "antenatal_visit");
    let lmp = d(2026, 1, 5);
    let term = year_2026();
    let week = |w: u64| lmp + Days::new(w * 7);
    // (delivered on, windows owed, last window's end)
    let table = [
        (None, 5, week(41) - Days::new(1)),
        (Some(week(38)), 5, week(38) - Days::new(1)), // the 37–40 week window closes with it
        (Some(week(33)), 4, week(33) - Days::new(1)), // early: the last window never opens
    ];
    for (delivered, count, last) in table {
        let mut pregnancy = period(
            PopulationGroup::Pregnant,
            PeriodBasis::LastMenstrualPeriod,
            lmp,
        );
        pregnancy.end = delivered.map(|on| on - Days::new(1));
        let periods = [pregnancy];
        let anchors = Anchors {
            birth_date: None,
            periods: &periods,
        };
        let p = plan(&schedule, 5, &anchors, &term, true, term.end);
        assert_eq!(p.occurrences.len(), count, "delivered {delivered:?}");
        assert_eq!(
            p.occurrences.last().unwrap().due_by,
            last,
            "delivered {delivered:?}"
        );
    }
}

#[test]
fn signing_mid_pregnancy_owes_only_the_windows_still_open_and_renewals_do_not_owe_twice() {
    let (schedule, _) = shipped("basic_maternal", "antenatal_visit");
    let lmp = d(2026, 8, 3);
    let periods = [period(
        PopulationGroup::Pregnant,
        PeriodBasis::LastMenstrualPeriod,
        lmp,
    )];
    let anchors = Anchors {
        birth_date: None,
        periods: &periods,
    };
    // Signed at 18 weeks: the first window closed before the term.
    let signed = Term::first(TermPolicy::RollingYear, lmp + Days::new(18 * 7));
    assert_eq!(
        plan(&schedule, 5, &anchors, &signed, true, signed.end)
            .occurrences
            .len(),
        4
    );
    // A calendar-year term ends mid-pregnancy: the windows open by 31 December are this
    // term's, the others the renewal's, none in both.
    let first = year_2026();
    let renewal = Term {
        start: d(2027, 1, 1),
        end: d(2027, 12, 31),
        ..first
    };
    let this = plan(&schedule, 5, &anchors, &first, true, first.end).occurrences;
    let next = plan(&schedule, 5, &anchors, &renewal, false, renewal.end).occurrences;
    assert_eq!(this.len() + next.len(), 5, "{this:?} / {next:?}");
    assert!(this.iter().all(|o| o.opens_on <= first.end));
    assert!(next.iter().all(|o| o.opens_on >= renewal.start));
}

#[test]
fn postpartum_visits_count_from_the_delivery() {
    let delivered = d(2026, 6, 10);
    let periods = [
        period(
            PopulationGroup::Pregnant,
            PeriodBasis::LastMenstrualPeriod,
            d(2025, 9, 3),
        ),
        period(
            PopulationGroup::Postpartum,
            PeriodBasis::Delivery,
            delivered,
        ),
    ];
    let anchors = Anchors {
        birth_date: None,
        periods: &periods,
    };
    let term = year_2026();
    let at = |n: u64| delivered + Days::new(n);
    // (item, window, (day, state))
    let table = [
        (
            "postpartum_visit",
            (at(3), at(10)),
            [
                (at(1), Some(ItemState::Upcoming)),
                (at(5), Some(ItemState::Due)),
                (at(11), Some(ItemState::Overdue)),
            ],
        ),
        (
            "postpartum_42_day_check",
            (at(42), at(56)),
            [
                (at(5), Some(ItemState::Upcoming)),
                (at(45), Some(ItemState::Due)),
                (at(57), Some(ItemState::Overdue)),
            ],
        ),
    ];
    for (item, window, days) in table {
        let (schedule, _) = shipped("basic_maternal", item);
        let p = plan(&schedule, 1, &anchors, &term, true, term.end);
        assert_eq!(windows(&p), vec![window], "{item}");
        for (day, expected) in days {
            assert_eq!(
                state(&p, &[], day).map(|s| s.0),
                expected,
                "{item} on {day}"
            );
        }
        assert_eq!(state(&p, &[window.0], window.1), None, "{item} done");
    }
    // Before any delivery nothing postpartum is owed, whatever the term.
    let pregnant_only = Anchors {
        birth_date: None,
        periods: &periods[..1],
    };
    let (schedule, _) = shipped("basic_maternal", "postpartum_visit");
    assert!(
        plan(&schedule, 1, &pregnant_only, &term, true, term.end)
            .occurrences
            .is_empty()
    );
}

// ------------------------------------------------------------------ birth

#[test]
fn newborn_and_child_checks_count_from_the_birth() {
    let born = d(2026, 3, 31);
    let anchors = Anchors {
        birth_date: Some(born),
        periods: &[],
    };
    let term = Term::first(TermPolicy::RollingYear, born);
    let (newborn, _) = shipped("basic_child", "newborn_visit");
    let p = plan(&newborn, 1, &anchors, &term, true, term.end);
    assert_eq!(windows(&p), vec![(born, d(2026, 4, 10))]);
    let (checks, n) = shipped("basic_child", "child_health_check");
    assert_eq!(
        n, 12,
        "1, 3, 6, 8, 12, 18, 24, 30, 36 months and 4, 5, 6 years"
    );
    let p = plan(&checks, n, &anchors, &term, true, term.end);
    // A one-year term from the birth owes the checks that open in the first year.
    assert_eq!(
        windows(&p),
        vec![
            (d(2026, 4, 28), d(2026, 5, 15)), // 满月: 28 days to a month and 15 days
            (d(2026, 6, 15), d(2026, 7, 15)), // 3 months ± 15 days (30 June)
            (d(2026, 9, 15), d(2026, 10, 15)),
            (d(2026, 11, 15), d(2026, 12, 15)),
            (d(2027, 3, 16), d(2027, 4, 15)), // 12 months: 31 March 2027 ± 15 days
        ]
    );
    // A child of four on a calendar-year term owes the yearly check around the birthday.
    let four = Anchors {
        birth_date: Some(d(2022, 5, 20)),
        periods: &[],
    };
    let term = year_2026();
    let p = plan(&checks, n, &four, &term, true, term.end);
    assert_eq!(windows(&p), vec![(d(2026, 4, 20), d(2026, 6, 20))]);
    let table = [
        (d(2026, 3, 1), Some(ItemState::Upcoming)),
        (d(2026, 5, 1), Some(ItemState::Due)),
        (d(2026, 7, 1), Some(ItemState::Overdue)),
    ];
    for (day, expected) in table {
        assert_eq!(state(&p, &[], day).map(|s| s.0), expected, "on {day}");
    }
    // Without a birth date nothing anchored on it can be scheduled.
    let unknown = Anchors::default();
    assert!(
        plan(&checks, n, &unknown, &term, true, term.end)
            .occurrences
            .is_empty()
    );
}

// ------------------------------------------------------------------ treatment

#[test]
fn tuberculosis_visits_run_from_the_start_of_treatment() {
    let (schedule, n) = shipped("basic_tuberculosis", "tuberculosis_visit");
    assert_eq!((schedule.anchor, n), (Anchor::Treatment, 10));
    let started = d(2026, 3, 2);
    let periods = [period(
        PopulationGroup::Tuberculosis,
        PeriodBasis::TreatmentStarted,
        started,
    )];
    let anchors = Anchors {
        birth_date: None,
        periods: &periods,
    };
    let term = year_2026();
    let p = plan(&schedule, n, &anchors, &term, true, term.end);
    assert_eq!(p.occurrences.len(), 10);
    assert_eq!(
        windows(&p)[0],
        (started, d(2026, 3, 5)),
        "first visit within 72 hours"
    );
    assert_eq!(
        windows(&p)[9],
        (d(2026, 8, 2), d(2026, 9, 1)),
        "the sixth month"
    );
    let table = [
        (vec![], d(2026, 3, 3), Some((ItemState::Due, 1, 0))),
        (vec![], d(2026, 3, 6), Some((ItemState::Overdue, 1, 1))),
        (
            vec![d(2026, 3, 3)],
            d(2026, 3, 6),
            Some((ItemState::Upcoming, 2, 0)),
        ),
        (
            vec![d(2026, 3, 3)],
            d(2026, 3, 13),
            Some((ItemState::Due, 2, 0)),
        ),
    ];
    for (visits, day, expected) in table {
        assert_eq!(
            state(&p, &visits, day),
            expected,
            "visits {visits:?} on {day}"
        );
    }
}

#[test]
fn windows_anchored_on_the_term_count_from_its_start() {
    let schedule = ItemSchedule {
        anchor: Anchor::Term,
        windows: vec![WindowSpec {
            from: Offset::days(0),
            to: Offset {
                months: 3,
                days: -1,
            },
        }],
        ..ItemSchedule::default()
    };
    let term = year_2026();
    let p = plan(&schedule, 1, &Anchors::default(), &term, true, term.end);
    assert_eq!(windows(&p), vec![(d(2026, 1, 1), d(2026, 3, 31))]);
}

#[test]
fn a_window_open_at_renewal_is_shown_in_the_new_term_and_owed_once() {
    let (checks, n) = shipped("basic_child", "child_health_check");
    // Born 19 October 2025: the 3-month window runs 4 January to 3 February 2026.
    let anchors = Anchors {
        birth_date: Some(d(2025, 10, 19)),
        periods: &[],
    };
    let signed = Term::first(TermPolicy::RollingYear, d(2025, 1, 5));
    let first = TermInForce {
        term: signed,
        renewal: 0,
        last_day: signed.end,
    };
    let renewed_term = Term {
        start: d(2026, 1, 5),
        end: d(2027, 1, 4),
        ..signed
    };
    let renewed = TermInForce {
        term: renewed_term,
        renewal: 1,
        last_day: renewed_term.end,
    };
    let window = (d(2026, 1, 4), d(2026, 2, 3));
    let own = plan(&checks, n, &anchors, &renewed_term, false, renewed_term.end);
    assert!(
        !windows(&own).contains(&window),
        "owed by the term it opened in"
    );
    let before = plan(&checks, n, &anchors, &signed, true, signed.end);
    assert!(windows(&before).contains(&window));
    let shown = plan_in_force(&checks, n, &anchors, &renewed, Some(&first));
    assert_eq!(windows(&shown)[0], window, "still open after the renewal");
    assert_eq!(
        state(&shown, &[], d(2026, 1, 14)),
        Some((ItemState::Due, 1, 0))
    );
}

#[test]
fn health_education_is_owed_once_per_household_by_its_head() {
    let (education, n) = shipped("basic_general", "health_education");
    assert!(education.per_household);
    let (assessment, _) = shipped("basic_general", "health_assessment");
    // (schedule, head?, owed?)
    let table = [
        (&education, true, true),
        (&education, false, false),
        (&assessment, true, true),
        (&assessment, false, true),
    ];
    for (schedule, head, owed) in table {
        assert_eq!(owed_by(schedule, head), owed, "{schedule:?}, head {head}");
    }
    let term = year_2026();
    let p = plan(&education, n, &Anchors::default(), &term, true, term.end);
    assert_eq!(p.occurrences.len(), 4, "4 a year, spread over the term");
}
