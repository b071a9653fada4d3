//! A household's year, simulated: signed in January 2026 under the calendar-year policy, a
//! diagnosis in March, a birth in June, a death in September, a move in November, the term's
//! end on 31 December, and 2 January 2027 with the contract still in force though no one acted.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use uuid::Uuid;

use super::fixtures::*;
use crate::CoreError;
use crate::contract::{ContractMember, TermPolicy};
use crate::person::{PopulationGroup, Sex};
use crate::year::amendment::{
    Amendment, AmendmentContext, AmendmentKind, CoverageEndReason, check_amendment, covered_on,
};
use crate::year::groups::{GroupPeriod, check_group_periods, groups_on};
use crate::year::membership::{
    JoinReason, LeaveReason, MembershipEvent, check_birth, check_membership, member_on, members_on,
};
use crate::year::renewal::{Ending, ending_within, renewal_id, renewed_within, term_on};
use crate::year::rules::{Signatory, check_family_doctor, check_one_team, check_representative};

const HOME: u128 = 100;
// The Zhang household: the head, his daughter-in-law, his mother, his son, and a baby to come.
const HEAD: u128 = 1;
const MOTHER: u128 = 2;
const GRANDMOTHER: u128 = 3;
const SON: u128 = 4;
const BABY: u128 = 5;

struct Year {
    births: [(Uuid, Sex, NaiveDate); 5],
    membership: Vec<MembershipEvent>,
    periods: Vec<GroupPeriod>,
    amendments: Vec<Amendment>,
}

impl Year {
    fn birth(&self, who: Uuid) -> Option<NaiveDate> {
        self.births.iter().find(|b| b.0 == who).map(|b| b.2)
    }
    fn sex(&self, who: Uuid) -> Sex {
        self.births
            .iter()
            .find(|b| b.0 == who)
            .map(|b| b.1)
            .unwrap()
    }
    fn own_events(&self, who: Uuid) -> Vec<MembershipEvent> {
        self.membership
            .iter()
            .filter(|e| e.resident_id == who)
            .cloned()
            .collect()
    }
    fn own_periods(&self, who: Uuid) -> Vec<GroupPeriod> {
        self.periods
            .iter()
            .filter(|p| p.resident_id == who)
            .cloned()
            .collect()
    }
    fn groups(&self, who: Uuid, day: NaiveDate) -> Vec<PopulationGroup> {
        groups_on(&self.own_periods(who), self.birth(who), day)
            .into_iter()
            .collect()
    }
}

#[test]
fn a_household_through_its_year() {
    let home = id(HOME);
    let (head, mother, grandmother, son, baby) =
        (id(HEAD), id(MOTHER), id(GRANDMOTHER), id(SON), id(BABY));
    let mut year = Year {
        births: [
            (head, Sex::Male, d(1958, 4, 10)),
            (mother, Sex::Female, d(1992, 8, 1)),
            (grandmother, Sex::Female, d(1936, 2, 2)),
            (son, Sex::Male, d(1988, 7, 7)),
            (baby, Sex::Male, d(2026, 6, 18)),
        ],
        membership: vec![
            join(head, home, d(2010, 1, 1), JoinReason::Registered, 1),
            join(mother, home, d(2018, 10, 1), JoinReason::Marriage, 2),
            join(grandmother, home, d(2010, 1, 1), JoinReason::Registered, 3),
            join(son, home, d(2010, 1, 1), JoinReason::Registered, 4),
        ],
        periods: vec![
            period(mother, PopulationGroup::Pregnant, d(2025, 9, 20), None),
            period(grandmother, PopulationGroup::Bedridden, d(2024, 5, 1), None),
        ],
        amendments: vec![],
    };

    // 15 January: the head signs for four members with the village's family doctor.
    let signed_on = d(2026, 1, 15);
    let mut contract = contract(
        TermPolicy::CalendarYear,
        signed_on,
        &[head, mother, grandmother, son],
    );
    contract.members[0] = ContractMember {
        resident_id: head,
        package_codes: vec!["basic".into(), "elderly".into()],
    };
    let members: Vec<Uuid> = members_on(&year.membership, home, signed_on)
        .into_iter()
        .collect();
    check_representative(
        &Signatory::Member {
            resident_id: head,
            name: "张建国".into(),
            birth_date: year.birth(head),
        },
        &members,
        signed_on,
    )
    .expect("the head is an adult member");
    check_family_doctor(&super::team(), contract.doctor_id).expect("the doctor of the team");
    check_one_team(contract.team_id, signed_on, contract.term.end, &[]).expect("no other team");
    assert_eq!(
        contract.term.end,
        d(2026, 12, 31),
        "a first calendar-year term ends on 31 December"
    );

    let record = |year: &mut Year, kind: AmendmentKind, on: NaiveDate, signed: bool, n: u64| {
        let a = amendment(&contract, on, kind, signed, n);
        let ctx = AmendmentContext {
            contract: &contract,
            events: &[],
            amendments: &year.amendments,
            membership: &year.membership,
            other_coverage: &[],
            resident_name: "成员",
            today: on,
        };
        check_amendment(&ctx, &a).unwrap_or_else(|e| panic!("{on}: {e}"));
        year.amendments.push(a);
    };

    // 10 March: the head is diagnosed with hypertension; the household signs for its package.
    year.periods.push(period(
        head,
        PopulationGroup::Hypertension,
        d(2026, 3, 10),
        None,
    ));
    record(
        &mut year,
        AmendmentKind::ObligationAdded {
            resident_id: head,
            group: Some(PopulationGroup::Hypertension),
            package_codes: vec!["basic_hypertension".into()],
        },
        d(2026, 3, 10),
        true,
        10,
    );

    // 18 June: the baby is born; the pregnancy ends and the postpartum period begins.
    let born = join(
        baby,
        home,
        d(2026, 6, 18),
        JoinReason::Birth { mother_id: mother },
        20,
    );
    check_birth(&born, &year.own_events(mother)).expect("the mother lives here");
    year.membership.push(born);
    let pregnancy = year.periods.remove(0);
    let (ended, postpartum) = pregnancy
        .delivered(d(2026, 6, 18), id(0x9999), hlc(21))
        .unwrap();
    year.periods.extend([ended, postpartum]);
    record(
        &mut year,
        AmendmentKind::MemberAdded {
            resident_id: baby,
            package_codes: vec!["basic".into(), "child".into()],
        },
        d(2026, 6, 18),
        true,
        22,
    );

    // 12 September: the grandmother dies; the doctor records it, no signature needed.
    year.membership.push(leave(
        grandmother,
        home,
        d(2026, 9, 12),
        LeaveReason::Died,
        30,
    ));
    record(
        &mut year,
        AmendmentKind::CoverageEnded {
            resident_id: grandmother,
            reason: CoverageEndReason::Death,
        },
        d(2026, 9, 12),
        false,
        31,
    );

    // 5 November: the son moves to Dongguan for good.
    year.membership.push(leave(
        son,
        home,
        d(2026, 11, 5),
        LeaveReason::MovedOut {
            destination: "广东省东莞市".into(),
        },
        40,
    ));
    record(
        &mut year,
        AmendmentKind::CoverageEnded {
            resident_id: son,
            reason: CoverageEndReason::MovedOut,
        },
        d(2026, 11, 5),
        false,
        41,
    );

    // Every record of the year is valid as a whole.
    let today = d(2027, 1, 2);
    for (who, _, _) in year.births {
        check_membership(&year.own_events(who), year.birth(who), today)
            .unwrap_or_else(|e| panic!("{who}: {e}"));
        check_group_periods(
            &year.own_periods(who),
            year.sex(who),
            year.birth(who),
            today,
        )
        .unwrap_or_else(|e| panic!("{who}: {e}"));
    }
    let mut late = year.own_events(grandmother);
    late.push(leave(
        grandmother,
        home,
        d(2026, 10, 1),
        LeaveReason::MovedOut {
            destination: String::new(),
        },
        50,
    ));
    assert_eq!(
        check_membership(&late, year.birth(grandmother), today),
        Err(CoreError::AfterDeath {
            died_on: d(2026, 9, 12)
        }),
        "nothing can be recorded after a death"
    );

    use PopulationGroup::*;
    let groups_table = [
        (
            "head before the diagnosis",
            head,
            d(2026, 3, 9),
            vec![Elderly65],
        ),
        (
            "head from the diagnosis",
            head,
            d(2026, 3, 10),
            vec![Elderly65, Hypertension],
        ),
        (
            "mother pregnant the day before the birth",
            mother,
            d(2026, 6, 17),
            vec![Pregnant],
        ),
        (
            "mother postpartum on the birth day",
            mother,
            d(2026, 6, 18),
            vec![Postpartum],
        ),
        (
            "mother postpartum 42 days on",
            mother,
            d(2026, 7, 30),
            vec![Postpartum],
        ),
        (
            "mother no longer postpartum",
            mother,
            d(2026, 7, 31),
            vec![],
        ),
        ("baby from birth", baby, d(2026, 6, 18), vec![Child0To6]),
        (
            "grandmother bedridden and old",
            grandmother,
            d(2026, 9, 11),
            vec![Elderly65, Bedridden],
        ),
    ];
    for (case, who, day, expected) in groups_table {
        assert_eq!(year.groups(who, day), expected, "{case} ({day})");
    }

    let member_table = [
        ("baby not yet born", baby, d(2026, 6, 17), None),
        ("baby a member from birth", baby, d(2026, 6, 18), Some(home)),
        (
            "grandmother on her last day",
            grandmother,
            d(2026, 9, 11),
            Some(home),
        ),
        (
            "grandmother from her death",
            grandmother,
            d(2026, 9, 12),
            None,
        ),
        ("son before the move", son, d(2026, 11, 4), Some(home)),
        ("son from the move", son, d(2026, 11, 5), None),
    ];
    for (case, who, day, expected) in member_table {
        assert_eq!(
            member_on(&year.own_events(who), day),
            expected,
            "{case} ({day})"
        );
    }

    let covered = |day| -> BTreeSet<Uuid> {
        covered_on(&contract, &[], &year.amendments, &year.membership, day)
            .into_iter()
            .map(|c| c.resident_id)
            .collect()
    };
    let set = |ids: &[Uuid]| ids.iter().copied().collect::<BTreeSet<Uuid>>();
    let coverage_table = [
        ("before signing", d(2026, 1, 14), set(&[])),
        (
            "signed",
            d(2026, 1, 15),
            set(&[head, mother, grandmother, son]),
        ),
        (
            "the baby is covered from birth",
            d(2026, 6, 18),
            set(&[head, mother, grandmother, son, baby]),
        ),
        (
            "no one owes a visit to the dead",
            d(2026, 9, 12),
            set(&[head, mother, son, baby]),
        ),
        (
            "the son is gone",
            d(2026, 11, 5),
            set(&[head, mother, baby]),
        ),
        (
            "the term's last day",
            d(2026, 12, 31),
            set(&[head, mother, baby]),
        ),
        (
            "2 January, renewed by itself",
            d(2027, 1, 2),
            set(&[head, mother, baby]),
        ),
    ];
    for (case, day, expected) in coverage_table {
        assert_eq!(covered(day), expected, "{case} ({day})");
    }
    let packages = |day| {
        covered_on(&contract, &[], &year.amendments, &year.membership, day)
            .into_iter()
            .find(|c| c.resident_id == head)
            .map(|c| c.package_codes)
            .unwrap()
    };
    assert_eq!(
        packages(d(2026, 3, 9)),
        vec!["basic", "elderly"],
        "before the diagnosis"
    );
    assert_eq!(
        packages(d(2026, 3, 10)),
        vec!["basic", "elderly", "basic_hypertension"],
        "owed from the diagnosis"
    );
    assert_eq!(
        packages(d(2027, 1, 2)),
        vec!["basic", "elderly", "basic_hypertension"],
        "carried into the renewed term"
    );

    // The contract in force: the signed term through 31 December, then the next without anyone acting.
    let on_last_day = term_on(&contract, &[], d(2026, 12, 31)).unwrap();
    assert_eq!(on_last_day.renewal, 0);
    assert_eq!(
        ending_within(&contract, &[], d(2026, 12, 10), 30),
        Some(Ending {
            last_day: d(2026, 12, 31),
            renews: true
        }),
        "the work list shows the renewal coming"
    );
    let renewed = term_on(&contract, &[], today).expect("still in force on 2 January 2027");
    assert_eq!(
        (renewed.renewal, renewed.term.start, renewed.term.end),
        (1, d(2027, 1, 1), d(2027, 12, 31))
    );
    let recent = renewed_within(&contract, &[], today, 7).expect("renewed in the last week");
    assert_eq!(
        recent.id,
        renewal_id(contract.id, d(2027, 1, 1)),
        "the same id on every device"
    );
}
