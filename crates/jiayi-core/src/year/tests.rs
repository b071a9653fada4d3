//! Table tests for the rules of a household's year, and a year simulated end to end.

mod fixtures;
mod properties;
mod simulation;

use chrono::NaiveDate;

use crate::contract::{ContractEventKind, TermPolicy, TerminationReason};
use crate::household::{Team, TeamMember, TeamRole};
use crate::person::{PopulationGroup, Sex};
use crate::year::amendment::{
    Amendment, AmendmentContext, AmendmentKind, AmendmentSnapshot, CoverageEndReason,
    check_amendment, coverage_spans, covered_on,
};
use crate::year::groups::{
    GroupPeriod, PeriodBasis, check_group_periods, groups_on,
    pregnancy_start_from_expected_delivery, resident_groups_on,
};
use crate::year::membership::{
    JoinReason, LeaveReason, check_birth, check_membership, member_on, members_on,
};
use crate::year::order::{contract_state_on, in_sync_order};
use crate::year::renewal::{
    Ending, decline_renewal, ending_within, renewal_id, renewals_until, renewed_within, term_on,
};
use crate::year::rules::{
    Signatory, TeamSpan, check_family_doctor, check_one_team, check_representative,
};
use crate::{CoreError, Lang};
use fixtures::*;

// --- Groups -------------------------------------------------------------------------------

/// A case: what it shows, the periods, the birth date, the day, the groups expected.
type GroupCase = (
    &'static str,
    Vec<GroupPeriod>,
    Option<NaiveDate>,
    NaiveDate,
    Vec<PopulationGroup>,
);

#[test]
fn groups_in_force_follow_their_periods_and_the_birth_date() {
    let r = id(1);
    let hypertension = period(r, PopulationGroup::Hypertension, d(2026, 3, 10), None);
    let pregnancy = period(r, PopulationGroup::Pregnant, d(2026, 1, 1), None);
    let poverty = period(
        r,
        PopulationGroup::PovertyRegistered,
        d(2020, 1, 1),
        Some(d(2026, 6, 30)),
    );
    let (pregnancy_ended, postpartum) =
        pregnancy.delivered(d(2026, 9, 20), id(50), hlc(9)).unwrap();
    assert_eq!(
        hypertension.delivered(d(2026, 9, 20), id(50), hlc(9)),
        Err(CoreError::NotPregnant),
        "a delivery needs a pregnancy"
    );
    use PopulationGroup::*;
    let table: Vec<GroupCase> = vec![
        (
            "the day before the diagnosis",
            vec![hypertension.clone()],
            None,
            d(2026, 3, 9),
            vec![],
        ),
        (
            "the day of the diagnosis",
            vec![hypertension.clone()],
            None,
            d(2026, 3, 10),
            vec![Hypertension],
        ),
        (
            "a diagnosis stays until ended",
            vec![hypertension.clone()],
            None,
            d(2030, 1, 1),
            vec![Hypertension],
        ),
        (
            "poverty registration on its last day",
            vec![poverty.clone()],
            None,
            d(2026, 6, 30),
            vec![PovertyRegistered],
        ),
        (
            "poverty registration after its end",
            vec![poverty.clone()],
            None,
            d(2026, 7, 1),
            vec![],
        ),
        (
            "an open pregnancy at 42 weeks",
            vec![pregnancy.clone()],
            None,
            d(2026, 10, 22),
            vec![Pregnant],
        ),
        (
            "an open pregnancy past 42 weeks lapses",
            vec![pregnancy.clone()],
            None,
            d(2026, 10, 23),
            vec![],
        ),
        (
            "pregnant the day before delivery",
            vec![pregnancy_ended.clone(), postpartum.clone()],
            None,
            d(2026, 9, 19),
            vec![Pregnant],
        ),
        (
            "postpartum on the delivery day",
            vec![pregnancy_ended.clone(), postpartum.clone()],
            None,
            d(2026, 9, 20),
            vec![Postpartum],
        ),
        (
            "postpartum on the 42nd day",
            vec![pregnancy_ended.clone(), postpartum.clone()],
            None,
            d(2026, 11, 1),
            vec![Postpartum],
        ),
        (
            "no longer postpartum on the 43rd day",
            vec![pregnancy_ended, postpartum],
            None,
            d(2026, 11, 2),
            vec![],
        ),
        (
            "65 on the birthday",
            vec![hypertension.clone()],
            Some(d(1961, 6, 1)),
            d(2026, 6, 1),
            vec![Elderly65, Hypertension],
        ),
        (
            "64 the day before",
            vec![hypertension.clone()],
            Some(d(1961, 6, 1)),
            d(2026, 5, 31),
            vec![Hypertension],
        ),
        (
            "a newborn is a child 0-6",
            vec![],
            Some(d(2026, 6, 18)),
            d(2026, 6, 18),
            vec![Child0To6],
        ),
        (
            "no age group before birth",
            vec![],
            Some(d(2026, 6, 18)),
            d(2026, 6, 17),
            vec![],
        ),
        (
            "a recorded age group is ignored",
            vec![period(r, Elderly65, d(2020, 1, 1), None)],
            Some(d(1990, 1, 1)),
            d(2026, 1, 1),
            vec![],
        ),
    ];
    for (case, periods, birth, day, expected) in table {
        let got: Vec<PopulationGroup> = groups_on(&periods, birth, day).into_iter().collect();
        assert_eq!(got, expected, "{case}: groups on {day}");
    }
}

#[test]
fn groups_recorded_at_registration_hold_until_a_dated_period_of_the_group_exists() {
    let r = id(1);
    let registered = [
        PopulationGroup::Hypertension,
        PopulationGroup::PovertyRegistered,
    ];
    let birth = Some(d(1950, 5, 1));
    let day = d(2026, 8, 1);
    let groups = |periods: &[GroupPeriod]| -> Vec<PopulationGroup> {
        resident_groups_on(r, &registered, periods, birth, day)
            .into_iter()
            .collect()
    };
    use PopulationGroup::*;
    assert_eq!(
        groups(&[]),
        vec![Elderly65, Hypertension, PovertyRegistered],
        "registered groups, plus age, with no periods at all"
    );
    let poverty_ended = period(r, PovertyRegistered, d(2020, 1, 1), Some(d(2026, 6, 30)));
    assert_eq!(
        groups(std::slice::from_ref(&poverty_ended)),
        vec![Elderly65, Hypertension],
        "a dated period of a registered group replaces it"
    );
    let someone_else = period(id(2), Diabetes, d(2026, 1, 1), None);
    assert_eq!(
        groups(&[poverty_ended, someone_else]),
        vec![Elderly65, Hypertension],
        "another resident's periods are not this one's"
    );
}

#[test]
fn a_pregnancy_dated_by_the_expected_delivery_starts_280_days_before() {
    assert_eq!(
        pregnancy_start_from_expected_delivery(d(2026, 10, 8)),
        d(2026, 1, 1),
        "40 weeks before the expected delivery date"
    );
    let mut p = period(id(1), PopulationGroup::Pregnant, d(2026, 1, 1), None);
    p.basis = PeriodBasis::ExpectedDelivery;
    assert!(groups_on(&[p], None, d(2026, 5, 1)).contains(&PopulationGroup::Pregnant));
}

#[test]
fn group_periods_are_checked() {
    let r = id(1);
    let today = d(2026, 11, 23);
    let birth = Some(d(1990, 5, 1));
    use PopulationGroup::*;
    let ok: Vec<(&str, Vec<GroupPeriod>, Sex)> = vec![
        (
            "a diagnosis",
            vec![period(r, Hypertension, d(2026, 3, 10), None)],
            Sex::Male,
        ),
        (
            "two periods of one group one after the other",
            vec![
                period(r, Tuberculosis, d(2024, 1, 1), Some(d(2024, 6, 30))),
                period(r, Tuberculosis, d(2026, 1, 1), None),
            ],
            Sex::Male,
        ),
        (
            "a postpartum end after today",
            vec![period(r, Postpartum, d(2026, 11, 1), Some(d(2026, 12, 13)))],
            Sex::Female,
        ),
        (
            "different groups overlap freely",
            vec![
                period(r, Hypertension, d(2026, 1, 1), None),
                period(r, Diabetes, d(2026, 1, 1), None),
            ],
            Sex::Female,
        ),
    ];
    for (case, periods, sex) in ok {
        assert_eq!(
            check_group_periods(&periods, sex, birth, today),
            Ok(()),
            "{case} is valid"
        );
    }
    let bad: Vec<(&str, Vec<GroupPeriod>, Sex, CoreError)> = vec![
        (
            "an end before the start",
            vec![period(r, Disabled, d(2026, 3, 10), Some(d(2026, 3, 9)))],
            Sex::Male,
            CoreError::GroupPeriodEndsBeforeStart { group: Disabled },
        ),
        (
            "pregnancy on a male resident",
            vec![period(r, Pregnant, d(2026, 3, 10), None)],
            Sex::Male,
            CoreError::GroupNotForSex { group: Pregnant },
        ),
        (
            "postpartum on a male resident",
            vec![period(r, Postpartum, d(2026, 3, 10), Some(d(2026, 4, 21)))],
            Sex::Male,
            CoreError::GroupNotForSex { group: Postpartum },
        ),
        (
            "two open hypertension periods",
            vec![
                period(r, Hypertension, d(2025, 1, 1), None),
                period(r, Hypertension, d(2026, 3, 10), None),
            ],
            Sex::Male,
            CoreError::GroupPeriodsOverlap {
                group: Hypertension,
                from: d(2026, 3, 10),
            },
        ),
        (
            "a diagnosis dated tomorrow",
            vec![period(r, Diabetes, d(2026, 11, 24), None)],
            Sex::Male,
            CoreError::DateInFuture {
                field: "start",
                date: d(2026, 11, 24),
            },
        ),
        (
            "a poverty registration ending after today",
            vec![period(
                r,
                PovertyRegistered,
                d(2020, 1, 1),
                Some(d(2026, 12, 31)),
            )],
            Sex::Male,
            CoreError::DateInFuture {
                field: "end",
                date: d(2026, 12, 31),
            },
        ),
        (
            "a disability before birth",
            vec![period(r, Disabled, d(1989, 1, 1), None)],
            Sex::Male,
            CoreError::DateBeforeBirth {
                field: "start",
                date: d(1989, 1, 1),
            },
        ),
        (
            "an age group typed in",
            vec![period(r, Child0To6, d(2026, 1, 1), None)],
            Sex::Male,
            CoreError::GroupIsDerived(Child0To6),
        ),
    ];
    for (case, periods, sex, expected) in bad {
        assert_eq!(
            check_group_periods(&periods, sex, birth, today),
            Err(expected),
            "{case} is refused"
        );
    }
}

// --- Membership ---------------------------------------------------------------------------

#[test]
fn membership_follows_the_events() {
    let (r, home, other) = (id(1), id(100), id(101));
    let registered = join(r, home, d(2020, 1, 1), JoinReason::Registered, 1);
    let table = vec![
        (
            "before joining",
            vec![registered.clone()],
            d(2019, 12, 31),
            None,
        ),
        (
            "on the day of joining",
            vec![registered.clone()],
            d(2020, 1, 1),
            Some(home),
        ),
        (
            "the day before death",
            vec![
                registered.clone(),
                leave(r, home, d(2026, 9, 12), LeaveReason::Died, 2),
            ],
            d(2026, 9, 11),
            Some(home),
        ),
        (
            "from the day of death",
            vec![
                registered.clone(),
                leave(r, home, d(2026, 9, 12), LeaveReason::Died, 2),
            ],
            d(2026, 9, 12),
            None,
        ),
        (
            "moved out of the area",
            vec![
                registered.clone(),
                leave(
                    r,
                    home,
                    d(2026, 11, 5),
                    LeaveReason::MovedOut {
                        destination: "广东省东莞市".into(),
                    },
                    2,
                ),
            ],
            d(2026, 11, 5),
            None,
        ),
        (
            "moved to another household of the register",
            vec![
                registered.clone(),
                leave(
                    r,
                    home,
                    d(2026, 5, 1),
                    LeaveReason::MovedToHousehold {
                        household_id: other,
                    },
                    2,
                ),
            ],
            d(2026, 5, 1),
            Some(other),
        ),
        (
            "events in any order",
            vec![
                leave(
                    r,
                    home,
                    d(2026, 5, 1),
                    LeaveReason::MovedToHousehold {
                        household_id: other,
                    },
                    2,
                ),
                registered.clone(),
            ],
            d(2026, 4, 30),
            Some(home),
        ),
    ];
    for (case, events, day, expected) in table {
        assert_eq!(
            member_on(&events, day),
            expected,
            "{case}: household on {day}"
        );
    }
}

#[test]
fn membership_events_are_checked() {
    let (r, home, other) = (id(1), id(100), id(101));
    let birth = Some(d(1990, 5, 1));
    let today = d(2026, 11, 23);
    let registered = join(r, home, d(2020, 1, 1), JoinReason::Registered, 1);
    let died = leave(r, home, d(2026, 9, 12), LeaveReason::Died, 2);
    let bad = vec![
        (
            "an event after death",
            vec![
                registered.clone(),
                died.clone(),
                join(
                    r,
                    other,
                    d(2026, 10, 1),
                    JoinReason::MovedIn {
                        from: String::new(),
                    },
                    3,
                ),
            ],
            CoreError::AfterDeath {
                died_on: d(2026, 9, 12),
            },
        ),
        (
            "an event recorded after death on the same day",
            vec![
                registered.clone(),
                died.clone(),
                leave(
                    r,
                    home,
                    d(2026, 9, 12),
                    LeaveReason::MovedOut {
                        destination: String::new(),
                    },
                    3,
                ),
            ],
            CoreError::AfterDeath {
                died_on: d(2026, 9, 12),
            },
        ),
        (
            "joining a household twice",
            vec![
                registered.clone(),
                join(r, home, d(2021, 1, 1), JoinReason::Marriage, 2),
            ],
            CoreError::AlreadyMember { on: d(2021, 1, 1) },
        ),
        (
            "joining a second household without leaving the first",
            vec![
                registered.clone(),
                join(r, other, d(2021, 1, 1), JoinReason::Marriage, 2),
            ],
            CoreError::MemberElsewhere { on: d(2021, 1, 1) },
        ),
        (
            "leaving a household one is not in",
            vec![
                registered.clone(),
                leave(
                    r,
                    other,
                    d(2021, 1, 1),
                    LeaveReason::MovedOut {
                        destination: String::new(),
                    },
                    2,
                ),
            ],
            CoreError::NotAMember { on: d(2021, 1, 1) },
        ),
        (
            "a move dated tomorrow",
            vec![
                registered.clone(),
                leave(
                    r,
                    home,
                    d(2026, 11, 24),
                    LeaveReason::MovedOut {
                        destination: String::new(),
                    },
                    2,
                ),
            ],
            CoreError::DateInFuture {
                field: "effective_on",
                date: d(2026, 11, 24),
            },
        ),
        (
            "joining before birth",
            vec![join(r, home, d(1990, 4, 30), JoinReason::Registered, 1)],
            CoreError::DateBeforeBirth {
                field: "effective_on",
                date: d(1990, 4, 30),
            },
        ),
        (
            "a birth recorded on another day than the birth date",
            vec![join(
                r,
                home,
                d(1990, 5, 3),
                JoinReason::Birth { mother_id: id(2) },
                1,
            )],
            CoreError::BirthNotOnBirthDate {
                birth_date: d(1990, 5, 1),
            },
        ),
    ];
    for (case, events, expected) in bad {
        assert_eq!(
            check_membership(&events, birth, today),
            Err(expected),
            "{case} is refused"
        );
    }
    let ok = vec![
        (
            "registered then died",
            vec![registered.clone(), died.clone()],
        ),
        (
            "moved away and back",
            vec![
                registered.clone(),
                leave(
                    r,
                    home,
                    d(2022, 1, 1),
                    LeaveReason::MovedOut {
                        destination: "县城".into(),
                    },
                    2,
                ),
                join(
                    r,
                    home,
                    d(2024, 1, 1),
                    JoinReason::MovedIn {
                        from: "县城".into(),
                    },
                    3,
                ),
            ],
        ),
        (
            "born into the household",
            vec![join(
                r,
                home,
                d(1990, 5, 1),
                JoinReason::Birth { mother_id: id(2) },
                1,
            )],
        ),
    ];
    for (case, events) in ok {
        assert_eq!(
            check_membership(&events, birth, today),
            Ok(()),
            "{case} is valid"
        );
    }
}

#[test]
fn a_baby_is_born_into_the_mothers_household() {
    let (baby, mother, home, other) = (id(1), id(2), id(100), id(101));
    let mother_events = [join(mother, home, d(2015, 1, 1), JoinReason::Marriage, 1)];
    let born = join(
        baby,
        home,
        d(2026, 6, 18),
        JoinReason::Birth { mother_id: mother },
        2,
    );
    assert_eq!(
        check_birth(&born, &mother_events),
        Ok(()),
        "the mother lives here"
    );
    let elsewhere = join(
        baby,
        other,
        d(2026, 6, 18),
        JoinReason::Birth { mother_id: mother },
        2,
    );
    assert_eq!(
        check_birth(&elsewhere, &mother_events),
        Err(CoreError::MotherNotInHousehold { on: d(2026, 6, 18) }),
        "the mother does not live in that household"
    );
    let everyone = [mother_events[0].clone(), born];
    assert_eq!(
        members_on(&everyone, home, d(2026, 6, 17)).len(),
        1,
        "before the birth"
    );
    assert_eq!(
        members_on(&everyone, home, d(2026, 6, 18)).len(),
        2,
        "from the birth"
    );
}

// --- Ordering -----------------------------------------------------------------------------

#[test]
fn contract_events_apply_in_clock_order_not_wall_time() {
    let c = contract(TermPolicy::RollingYear, d(2026, 1, 1), &[id(1)]);
    // A device whose wall clock ran fast wrote the earlier termination with a later time.
    let mut first = stamped(
        &c,
        1,
        terminated(TerminationReason::MovedOut, d(2026, 8, 1)),
    );
    first.record.at = "2026-12-01T00:00:00Z".parse().unwrap();
    let mut second = stamped(&c, 2, terminated(TerminationReason::Death, d(2026, 7, 1)));
    second.record.at = "2026-07-02T00:00:00Z".parse().unwrap();
    let stamped_events = [second.clone(), first.clone()];
    let by_clock = contract_state_on(&c, &stamped_events, d(2026, 9, 1));
    assert_eq!(
        by_clock.terminated,
        Some((TerminationReason::Death, d(2026, 7, 1))),
        "the clock says the death was recorded last"
    );
    let reversed = [first, second];
    assert_eq!(
        contract_state_on(&c, &reversed, d(2026, 9, 1)),
        by_clock,
        "the order records arrive in does not matter"
    );
    let ordered: Vec<u64> = in_sync_order(&stamped_events)
        .iter()
        .map(|e| e.hlc.wall_ms)
        .collect();
    assert_eq!(ordered, vec![1, 2]);
}

// --- Renewal ------------------------------------------------------------------------------

#[test]
fn the_term_in_force_renews_by_itself() {
    use TermPolicy::*;
    let table = [
        (
            "calendar: last day of the first term",
            CalendarYear,
            d(2026, 3, 15),
            d(2026, 12, 31),
            Some((0, d(2026, 3, 15), d(2026, 12, 31))),
        ),
        (
            "calendar: 1 January renews",
            CalendarYear,
            d(2026, 3, 15),
            d(2027, 1, 1),
            Some((1, d(2027, 1, 1), d(2027, 12, 31))),
        ),
        (
            "calendar: three years on",
            CalendarYear,
            d(2026, 3, 15),
            d(2029, 6, 1),
            Some((3, d(2029, 1, 1), d(2029, 12, 31))),
        ),
        (
            "calendar: signed in Q4 runs through next year",
            CalendarYear,
            d(2026, 10, 8),
            d(2027, 12, 31),
            Some((0, d(2026, 10, 8), d(2027, 12, 31))),
        ),
        (
            "calendar: signed in Q4 renews the year after",
            CalendarYear,
            d(2026, 10, 8),
            d(2028, 1, 1),
            Some((1, d(2028, 1, 1), d(2028, 12, 31))),
        ),
        (
            "calendar: before signing",
            CalendarYear,
            d(2026, 3, 15),
            d(2026, 3, 14),
            None,
        ),
        (
            "rolling: the day before the anniversary",
            RollingYear,
            d(2026, 3, 15),
            d(2027, 3, 14),
            Some((0, d(2026, 3, 15), d(2027, 3, 14))),
        ),
        (
            "rolling: the anniversary renews",
            RollingYear,
            d(2026, 3, 15),
            d(2027, 3, 15),
            Some((1, d(2027, 3, 15), d(2028, 3, 14))),
        ),
        (
            "rolling: signed on 29 February",
            RollingYear,
            d(2028, 2, 29),
            d(2029, 2, 28),
            Some((1, d(2029, 2, 28), d(2030, 2, 27))),
        ),
    ];
    for (case, policy, signed, day, expected) in table {
        let c = contract(policy, signed, &[id(1)]);
        let got = term_on(&c, &[], day).map(|t| (t.renewal, t.term.start, t.term.end));
        assert_eq!(got, expected, "{case}: term on {day}");
    }
}

#[test]
fn renewal_stops_at_a_termination_or_a_successor() {
    let c = contract(TermPolicy::CalendarYear, d(2026, 3, 15), &[id(1)]);
    let ended = [stamped(
        &c,
        1,
        terminated(TerminationReason::Death, d(2027, 2, 1)),
    )];
    let on_last_day = term_on(&c, &ended, d(2027, 1, 31)).expect("in force until the termination");
    assert_eq!(
        (on_last_day.renewal, on_last_day.last_day),
        (1, d(2027, 1, 31))
    );
    assert_eq!(term_on(&c, &ended, d(2027, 2, 1)), None, "terminated");

    let successor = [stamped(
        &c,
        1,
        ContractEventKind::Renewed {
            new_contract_id: id(77),
            automatic: false,
            successor_starts: None,
        },
    )];
    assert!(term_on(&c, &successor, d(2026, 12, 31)).is_some());
    assert_eq!(
        term_on(&c, &successor, d(2027, 1, 1)),
        None,
        "a renewed contract carries on instead"
    );

    let mut fixed = c.clone();
    fixed.term.auto_renew = false;
    assert_eq!(
        term_on(&fixed, &[], d(2027, 1, 1)),
        None,
        "a term that does not renew ends"
    );
}

#[test]
fn declining_renewal_ends_the_contract_at_the_term_end() {
    let c = contract(TermPolicy::CalendarYear, d(2026, 3, 15), &[id(1)]);
    let (reason, effective_on) = decline_renewal(&c, &[], d(2026, 11, 1)).unwrap();
    assert_eq!(
        (reason, effective_on),
        (TerminationReason::OnRequest, d(2027, 1, 1))
    );
    let declined = [stamped(&c, 1, terminated(reason, effective_on))];
    assert!(
        term_on(&c, &declined, d(2026, 12, 31)).is_some(),
        "served to the end of the term"
    );
    assert_eq!(term_on(&c, &declined, d(2027, 1, 1)), None, "no next term");
    assert_eq!(
        ending_within(&c, &declined, d(2026, 12, 10), 30),
        Some(Ending {
            last_day: d(2026, 12, 31),
            renews: false
        }),
        "the work list shows a real ending"
    );
    assert_eq!(
        ending_within(&c, &[], d(2026, 12, 10), 30),
        Some(Ending {
            last_day: d(2026, 12, 31),
            renews: true
        }),
        "the work list shows a renewal to come"
    );
    assert_eq!(
        ending_within(&c, &[], d(2026, 11, 30), 30),
        None,
        "31 days ahead is outside"
    );
    assert_eq!(
        decline_renewal(&c, &declined, d(2026, 11, 2)),
        Err(CoreError::AlreadyTerminated)
    );
    assert_eq!(
        decline_renewal(&c, &[], d(2026, 1, 1)),
        Err(CoreError::NotActive(d(2026, 1, 1)))
    );
}

#[test]
fn renewals_have_ids_that_follow_from_the_contract_and_the_term() {
    let c = contract(TermPolicy::CalendarYear, d(2026, 3, 15), &[id(1)]);
    let renewals = renewals_until(&c, &[], d(2028, 6, 1));
    let starts: Vec<NaiveDate> = renewals.iter().map(|r| r.term.start).collect();
    assert_eq!(starts, vec![d(2027, 1, 1), d(2028, 1, 1)]);
    assert_eq!(
        renewals[0].id,
        renewal_id(c.id, d(2027, 1, 1)),
        "same inputs, same id"
    );
    assert_ne!(renewals[0].id, renewals[1].id, "one id per term");
    assert_ne!(
        renewal_id(id(2), d(2027, 1, 1)),
        renewals[0].id,
        "one id per contract"
    );
    assert_eq!(
        renewals[0].id.get_version_num(),
        8,
        "a name-based custom UUID"
    );

    let recent = renewed_within(&c, &[], d(2027, 1, 5), 7).expect("renewed four days ago");
    assert_eq!(recent.id, renewals[0].id);
    assert_eq!(
        renewed_within(&c, &[], d(2027, 1, 10), 7),
        None,
        "nine days ago is outside"
    );
    assert_eq!(
        renewed_within(&c, &[], d(2026, 6, 1), 7),
        None,
        "the signed term is no renewal"
    );

    let ended = [stamped(
        &c,
        1,
        terminated(TerminationReason::OnRequest, d(2027, 6, 1)),
    )];
    assert_eq!(
        renewals_until(&c, &ended, d(2030, 1, 1)).len(),
        1,
        "renewals stop at the termination"
    );
}

// --- Amendments ---------------------------------------------------------------------------

#[test]
fn who_signs_an_amendment() {
    let r = id(1);
    let table = [
        (
            "a member added",
            AmendmentKind::MemberAdded {
                resident_id: r,
                package_codes: vec!["basic".into()],
            },
            true,
        ),
        (
            "a new obligation",
            AmendmentKind::ObligationAdded {
                resident_id: r,
                group: Some(PopulationGroup::Diabetes),
                package_codes: vec!["basic".into()],
            },
            true,
        ),
        (
            "an end on request",
            AmendmentKind::CoverageEnded {
                resident_id: r,
                reason: CoverageEndReason::OnRequest,
            },
            true,
        ),
        (
            "a death recorded by the doctor",
            AmendmentKind::CoverageEnded {
                resident_id: r,
                reason: CoverageEndReason::Death,
            },
            false,
        ),
        (
            "a move recorded by the doctor",
            AmendmentKind::CoverageEnded {
                resident_id: r,
                reason: CoverageEndReason::MovedOut,
            },
            false,
        ),
    ];
    for (case, kind, needs) in table {
        assert_eq!(kind.needs_household_signature(), needs, "{case}");
    }
}

#[test]
fn amendments_are_checked() {
    let (a, b, baby, stranger, home) = (id(1), id(2), id(3), id(4), id(100));
    let c = contract(TermPolicy::CalendarYear, d(2026, 1, 15), &[a, b]);
    let membership = vec![
        join(a, home, d(2010, 1, 1), JoinReason::Registered, 1),
        join(b, home, d(2010, 1, 1), JoinReason::Registered, 2),
        join(
            baby,
            home,
            d(2026, 6, 18),
            JoinReason::Birth { mother_id: b },
            3,
        ),
        join(stranger, id(101), d(2010, 1, 1), JoinReason::Registered, 4),
    ];
    let elsewhere = [crate::contract::Coverage {
        resident_id: baby,
        resident_name: "张小宝".into(),
        agreement_number: "2026-OTHER-00001".into(),
        from: d(2026, 7, 1),
        until: d(2026, 12, 31),
    }];
    let ctx = AmendmentContext {
        contract: &c,
        events: &[],
        amendments: &[],
        membership: &membership,
        other_coverage: &[],
        resident_name: "张小宝",
        today: d(2026, 11, 23),
    };
    let add = |who, on, signed| {
        amendment(
            &c,
            on,
            AmendmentKind::MemberAdded {
                resident_id: who,
                package_codes: vec!["basic".into()],
            },
            signed,
            10,
        )
    };
    let end = |who, on, reason, signed| {
        amendment(
            &c,
            on,
            AmendmentKind::CoverageEnded {
                resident_id: who,
                reason,
            },
            signed,
            10,
        )
    };
    let oblige = |who, on| {
        amendment(
            &c,
            on,
            AmendmentKind::ObligationAdded {
                resident_id: who,
                group: Some(PopulationGroup::Hypertension),
                package_codes: vec!["basic_hypertension".into()],
            },
            true,
            10,
        )
    };
    let table: Vec<(&str, Amendment, Result<(), CoreError>)> = vec![
        (
            "a newborn added, signed",
            add(baby, d(2026, 6, 18), true),
            Ok(()),
        ),
        (
            "a newborn added without the household's signature",
            add(baby, d(2026, 6, 18), false),
            Err(CoreError::AmendmentUnsigned),
        ),
        (
            "a member added before being born into the household",
            add(baby, d(2026, 6, 17), true),
            Err(CoreError::NotInHousehold {
                name: "张小宝".into(),
            }),
        ),
        (
            "a resident of another household",
            add(stranger, d(2026, 6, 18), true),
            Err(CoreError::NotInHousehold {
                name: "张小宝".into(),
            }),
        ),
        (
            "a member already covered",
            add(a, d(2026, 6, 18), true),
            Err(CoreError::AlreadyCovered {
                name: "张小宝".into(),
                agreement_number: c.agreement_number.clone(),
                until: d(2026, 12, 31),
            }),
        ),
        (
            "a member added with no package",
            amendment(
                &c,
                d(2026, 6, 18),
                AmendmentKind::MemberAdded {
                    resident_id: baby,
                    package_codes: vec![],
                },
                true,
                10,
            ),
            Err(CoreError::NoPackagesChosen),
        ),
        (
            "dated tomorrow",
            add(baby, d(2026, 11, 24), true),
            Err(CoreError::DateInFuture {
                field: "effective_on",
                date: d(2026, 11, 24),
            }),
        ),
        (
            "before the contract starts",
            oblige(a, d(2026, 1, 14)),
            Err(CoreError::NotActive(d(2026, 1, 14))),
        ),
        (
            "a death recorded by the doctor",
            end(b, d(2026, 9, 12), CoverageEndReason::Death, false),
            Ok(()),
        ),
        (
            "an end on request without the signature",
            end(b, d(2026, 9, 12), CoverageEndReason::OnRequest, false),
            Err(CoreError::AmendmentUnsigned),
        ),
        (
            "an end for someone not covered",
            end(baby, d(2026, 9, 12), CoverageEndReason::MovedOut, false),
            Err(CoreError::NotCoveredOn { on: d(2026, 9, 12) }),
        ),
        (
            "a diagnosis for a covered member",
            oblige(a, d(2026, 3, 10)),
            Ok(()),
        ),
        (
            "a diagnosis for someone not covered",
            oblige(baby, d(2026, 7, 1)),
            Err(CoreError::NotCoveredOn { on: d(2026, 7, 1) }),
        ),
        (
            "a diagnosis on the day it is recorded",
            oblige(a, d(2026, 11, 23)),
            Ok(()),
        ),
    ];
    for (case, am, expected) in table {
        assert_eq!(check_amendment(&ctx, &am), expected, "{case}");
    }
    let with_other = AmendmentContext {
        other_coverage: &elsewhere,
        ..ctx
    };
    assert!(
        matches!(
            check_amendment(&with_other, &add(baby, d(2026, 6, 18), true)),
            Err(CoreError::AlreadyCovered { .. })
        ),
        "covered by another agreement later in the term"
    );
}

#[test]
fn an_amendment_snapshot_is_hashed_like_the_agreement() {
    let c = contract(TermPolicy::CalendarYear, d(2026, 1, 15), &[id(1)]);
    let mut am = amendment(
        &c,
        d(2026, 6, 18),
        AmendmentKind::MemberAdded {
            resident_id: id(3),
            package_codes: vec!["basic".into()],
        },
        true,
        1,
    );
    let snapshot = amendment_snapshot(&c, &am);
    am.snapshot_sha256 = snapshot.sha256();
    assert_eq!(
        snapshot.sha256(),
        crate::agreement::sha256_hex(serde_json::to_string(&snapshot).unwrap().as_bytes()),
        "SHA-256 of the compact JSON, as for the agreement"
    );
    assert!(snapshot.matches(&am));
    let altered = AmendmentSnapshot {
        effective_on: d(2026, 6, 19),
        ..snapshot.clone()
    };
    assert!(
        !altered.matches(&am),
        "a changed effective day no longer matches"
    );
    let mut resigned = snapshot;
    resigned.resident_signature_sha256 = Some("00".repeat(32));
    assert!(!resigned.matches(&am), "the signature is bound by the hash");
}

#[test]
fn leaving_the_household_ends_coverage_and_a_return_needs_an_amendment() {
    let (a, home) = (id(1), id(100));
    let c = contract(TermPolicy::CalendarYear, d(2026, 1, 15), &[a]);
    let membership = vec![
        join(a, home, d(2010, 1, 1), JoinReason::Registered, 1),
        leave(
            a,
            home,
            d(2026, 4, 1),
            LeaveReason::MovedOut {
                destination: "县城".into(),
            },
            2,
        ),
        join(
            a,
            home,
            d(2026, 8, 1),
            JoinReason::MovedIn {
                from: "县城".into(),
            },
            3,
        ),
    ];
    let covered =
        |amendments: &[Amendment], day| covered_on(&c, &[], amendments, &membership, day).len();
    assert_eq!(covered(&[], d(2026, 3, 31)), 1, "before the move");
    assert_eq!(
        covered(&[], d(2026, 4, 1)),
        0,
        "nothing owed from the day of the move"
    );
    assert_eq!(
        covered(&[], d(2026, 8, 1)),
        0,
        "back home, not covered again by itself"
    );
    let readded = [amendment(
        &c,
        d(2026, 8, 3),
        AmendmentKind::MemberAdded {
            resident_id: a,
            package_codes: vec!["basic".into()],
        },
        true,
        4,
    )];
    assert_eq!(
        covered(&readded, d(2026, 8, 3)),
        1,
        "covered again from the amendment"
    );
    let spans = coverage_spans(
        &c,
        &[],
        &readded,
        &membership,
        d(2026, 1, 1),
        d(2027, 3, 31),
    );
    let stretches: Vec<(NaiveDate, NaiveDate)> = spans.iter().map(|s| (s.from, s.until)).collect();
    assert_eq!(
        stretches,
        vec![
            (d(2026, 1, 15), d(2026, 3, 31)),
            (d(2026, 8, 3), d(2027, 3, 31))
        ]
    );
}

// --- Signing rules ------------------------------------------------------------------------

#[test]
fn a_household_signs_with_one_team_at_a_time() {
    let (ours, theirs) = (id(1), id(2));
    let span = |team, from, until| TeamSpan {
        team_id: team,
        agreement_number: "2026-X-00001".into(),
        from,
        until,
    };
    let another = Err(CoreError::HouseholdHasAnotherTeam {
        agreement_number: "2026-X-00001".into(),
    });
    let table = [
        (
            "the same team again",
            vec![span(ours, d(2026, 1, 1), None)],
            Ok(()),
        ),
        (
            "another team still renewing",
            vec![span(theirs, d(2025, 1, 1), None)],
            another.clone(),
        ),
        (
            "another team overlapping the term",
            vec![span(theirs, d(2025, 1, 1), Some(d(2026, 3, 1)))],
            another,
        ),
        (
            "another team ended the day before",
            vec![span(theirs, d(2025, 1, 1), Some(d(2026, 1, 31)))],
            Ok(()),
        ),
        ("no other contract", vec![], Ok(())),
    ];
    for (case, existing, expected) in table {
        assert_eq!(
            check_one_team(ours, d(2026, 2, 1), d(2026, 12, 31), &existing),
            expected,
            "{case}"
        );
    }
}

#[test]
fn the_family_doctor_is_a_doctor_of_the_team() {
    let team = team();
    assert_eq!(
        check_family_doctor(&team, id(11)),
        Ok(()),
        "the family doctor"
    );
    assert_eq!(
        check_family_doctor(&team, id(12)),
        Err(CoreError::NotADoctor {
            name: "赵护士".into(),
            role: TeamRole::Nurse
        }),
        "a nurse cannot be the family doctor"
    );
    assert_eq!(
        check_family_doctor(&team, id(99)),
        Err(CoreError::DoctorNotInTeam),
        "not in the team"
    );
}

#[test]
fn the_representative_is_an_adult_member_or_a_stated_guardian() {
    let members = [id(1), id(2)];
    let member = |who, birth| Signatory::Member {
        resident_id: who,
        name: "张三".into(),
        birth_date: birth,
    };
    let guardian = |relation: &str| Signatory::Guardian {
        name: "王五".into(),
        relation: relation.into(),
    };
    let signed_on = d(2026, 6, 1);
    let table = [
        (
            "an adult member",
            member(id(1), Some(d(1980, 1, 1))),
            Ok(()),
        ),
        (
            "18 on the signing day",
            member(id(1), Some(d(2008, 6, 1))),
            Ok(()),
        ),
        (
            "17, a day short of 18",
            member(id(1), Some(d(2008, 6, 2))),
            Err(CoreError::RepresentativeNotAdult {
                name: "张三".into(),
            }),
        ),
        (
            "no birth date",
            member(id(1), None),
            Err(CoreError::RepresentativeAgeUnknown {
                name: "张三".into(),
            }),
        ),
        (
            "not a member",
            member(id(9), Some(d(1980, 1, 1))),
            Err(CoreError::RepresentativeNotMember {
                name: "张三".into(),
            }),
        ),
        (
            "a guardian with a stated relation",
            guardian("祖母（监护人）"),
            Ok(()),
        ),
        (
            "a guardian without a relation",
            guardian("  "),
            Err(CoreError::Required {
                field: "guardian_relation",
            }),
        ),
    ];
    for (case, signatory, expected) in table {
        assert_eq!(
            check_representative(&signatory, &members, signed_on),
            expected,
            "{case}"
        );
    }
}

#[test]
fn the_new_errors_speak_both_languages() {
    use PopulationGroup::*;
    let samples = [
        CoreError::GroupIsDerived(Elderly65),
        CoreError::GroupPeriodEndsBeforeStart {
            group: Hypertension,
        },
        CoreError::GroupNotForSex { group: Pregnant },
        CoreError::GroupPeriodsOverlap {
            group: Diabetes,
            from: d(2026, 1, 1),
        },
        CoreError::DateInFuture {
            field: "start",
            date: d(2026, 1, 1),
        },
        CoreError::DateBeforeBirth {
            field: "effective_on",
            date: d(2026, 1, 1),
        },
        CoreError::AfterDeath {
            died_on: d(2026, 1, 1),
        },
        CoreError::AlreadyMember { on: d(2026, 1, 1) },
        CoreError::NotAMember { on: d(2026, 1, 1) },
        CoreError::MemberElsewhere { on: d(2026, 1, 1) },
        CoreError::NotPregnant,
        CoreError::BirthNotOnBirthDate {
            birth_date: d(2026, 1, 1),
        },
        CoreError::MotherNotInHousehold { on: d(2026, 1, 1) },
        CoreError::AmendmentUnsigned,
        CoreError::NotCoveredOn { on: d(2026, 1, 1) },
        CoreError::NoPackagesChosen,
        CoreError::HouseholdHasAnotherTeam {
            agreement_number: "2026-X-00001".into(),
        },
        CoreError::DoctorNotInTeam,
        CoreError::NotADoctor {
            name: "Zhao".into(),
            role: TeamRole::Nurse,
        },
        CoreError::RepresentativeNotMember {
            name: "Zhang".into(),
        },
        CoreError::RepresentativeNotAdult {
            name: "Zhang".into(),
        },
        CoreError::RepresentativeAgeUnknown {
            name: "Zhang".into(),
        },
        CoreError::Required {
            field: "guardian_relation",
        },
    ];
    for e in samples {
        let (zh, en) = (e.message(Lang::Zh), e.message(Lang::En));
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        assert!(
            !zh.contains("guardian") && !zh.contains("effective_on"),
            "a field name left in English: {zh}"
        );
        assert!(en.is_ascii(), "{en}");
        assert!(!e.code().is_empty());
    }
}

fn team() -> Team {
    let member = |n, name: &str, role| TeamMember {
        id: id(n),
        name: name.into(),
        role,
        phone: "13800000000".into(),
    };
    Team {
        id: id(10),
        name: "东庄村家庭医生团队".into(),
        institution: "某乡卫生院".into(),
        village_clinic: "东庄村卫生室".into(),
        villages: vec![],
        members: vec![
            member(10, "李团队长", TeamRole::Leader),
            member(11, "王医生", TeamRole::FamilyDoctor),
            member(12, "赵护士", TeamRole::Nurse),
        ],
        service_hotline: String::new(),
        complaint_phone: String::new(),
        service_hours: String::new(),
    }
}

#[test]
fn every_term_in_force_up_to_a_day_and_the_known_end_of_cover() {
    use crate::year::renewal::{covered_until, terms_until};
    let c = contract(TermPolicy::CalendarYear, d(2026, 3, 15), &[id(1)]);
    let starts: Vec<(u32, NaiveDate, NaiveDate)> = terms_until(&c.term, None, None, d(2028, 1, 1))
        .iter()
        .map(|t| (t.renewal, t.term.start, t.last_day))
        .collect();
    assert_eq!(
        starts,
        vec![
            (0, d(2026, 3, 15), d(2026, 12, 31)),
            (1, d(2027, 1, 1), d(2027, 12, 31)),
            (2, d(2028, 1, 1), d(2028, 12, 31)),
        ]
    );
    let ended = terms_until(&c.term, Some(d(2027, 6, 1)), None, d(2030, 1, 1));
    assert_eq!(ended.len(), 2, "none after the termination");
    assert_eq!(ended[1].last_day, d(2027, 5, 31));
    assert_eq!(
        terms_until(&c.term, None, Some(d(2027, 1, 1)), d(2030, 1, 1)).len(),
        1,
        "a successor carries on"
    );
    let later = terms_until(&c.term, None, Some(d(2028, 1, 1)), d(2030, 1, 1));
    assert_eq!(
        later.len(),
        2,
        "renewed by itself until a successor signed later"
    );
    assert_eq!(later[1].last_day, d(2027, 12, 31));
    assert!(terms_until(&c.term, None, None, d(2026, 3, 14)).is_empty());

    assert_eq!(covered_until(&c.term, None, None), None, "renews by itself");
    assert_eq!(
        covered_until(&c.term, None, Some(d(2027, 1, 1))),
        Some(d(2026, 12, 31))
    );
    assert_eq!(
        covered_until(&c.term, Some(d(2027, 6, 1)), None),
        Some(d(2027, 5, 31))
    );
}

#[test]
fn a_successor_or_a_fixed_term_leaves_nothing_to_decline() {
    let c = contract(TermPolicy::CalendarYear, d(2026, 3, 15), &[id(1)]);
    let successor = [stamped(
        &c,
        1,
        ContractEventKind::Renewed {
            new_contract_id: id(77),
            automatic: false,
            successor_starts: None,
        },
    )];
    assert_eq!(
        decline_renewal(&c, &successor, d(2026, 12, 20)),
        Err(CoreError::NothingToDecline)
    );
    let mut fixed = c.clone();
    fixed.term.auto_renew = false;
    assert_eq!(
        decline_renewal(&fixed, &[], d(2026, 12, 20)),
        Err(CoreError::NothingToDecline)
    );
    let (_, effective_on) = decline_renewal(&c, &[], d(2027, 5, 1)).unwrap();
    assert_eq!(
        effective_on,
        d(2028, 1, 1),
        "declined in a renewed term: its end"
    );
}
