//! A pregnant woman and her baby through the year on the work list: antenatal care from ten
//! weeks, the postpartum visit and the 42-day check after the delivery, the newborn visit and
//! the child checks up to the first birthday — each on the list while its window is open,
//! absent before, overdue after, and a missed window counted rather than pushed on.

use chrono::{Days, NaiveDate};
use jiayi_api::{Api, FixedClock, GroupEnd, GroupStart, JoinKind, MemberAdd, VisitRequest};
use jiayi_core::Lang;
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use jiayi_core::schedule::DueStatus;
use jiayi_core::schedule::window::Anchor;
use jiayi_core::visit::{VisitMode, Vitals};
use jiayi_store::Store;
use jiayi_testkit::{contract, head, household, member};
use uuid::Uuid;

use super::year::{at, day, signing, team, village};

/// The items this test follows; the general package's yearly items are left aside.
const FOLLOWED: [&str; 5] = [
    "antenatal_visit",
    "postpartum_visit",
    "postpartum_42_day_check",
    "newborn_visit",
    "child_health_check",
];

struct Family {
    api: Api,
    _dir: tempfile::TempDir,
    household: Uuid,
    mother: Uuid,
    father: Uuid,
}

/// 王丽 and her husband, signed on 5 January 2026.
fn signed_family() -> Family {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    let east = village("140822100200", "东庄村");
    store.put_village(&east).unwrap();
    store
        .put_team(&team(100, "东庄团队", vec![east.id]))
        .unwrap();
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(FixedClock(at(day(2026, 1, 5)))));
    let input = household("东庄村", "三组", "东庄村三组8号")
        .member(head("王丽").born(day(1995, 5, 5), 444))
        .member(member("张伟", Relation::Spouse).born(day(1993, 2, 3), 131))
        .build();
    let (household, people) = jiayi_testkit::register(&mut api, input);
    contract(household, &people).sign(&mut api).unwrap();
    Family {
        api,
        _dir: dir,
        household,
        mother: people[0],
        father: people[1],
    }
}

impl Family {
    fn on(&mut self, d: NaiveDate) -> &mut Api {
        self.api.set_clock(Box::new(FixedClock(at(d))));
        &mut self.api
    }

    /// The followed items of a resident on the work list of `d`: (item, status, missed).
    fn due(&mut self, resident: Uuid, d: NaiveDate) -> Vec<(String, DueStatus, u32)> {
        let list = self.on(d).work_list(Some(d)).unwrap();
        let mut items: Vec<_> = list
            .due
            .into_iter()
            .filter(|e| e.item.resident_id == resident)
            .filter(|e| FOLLOWED.contains(&e.item.item_code.as_str()))
            .map(|e| (e.item.item_code, e.item.status, e.item.missed))
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        items
    }

    /// Records a visit fulfilling `item` through the API, as the visit form does: the items
    /// of packages the year's amendments added (the pregnancy, the birth) are owed too.
    fn visit(&mut self, resident: Uuid, item: &str, d: NaiveDate) {
        self.on(d)
            .record_visit(&VisitRequest {
                resident_id: resident,
                item_code: Some(item.into()),
                kind: None,
                mode: VisitMode::Home,
                occurred_at: Some(at(d)),
                vitals: Vitals::default(),
                notes: String::new(),
                served_by: None,
                answers: Default::default(),
            })
            .unwrap_or_else(|e| panic!("{item} on {d}: {e:?}"));
    }
}

fn due(item: &str, missed: u32) -> (String, DueStatus, u32) {
    (item.to_string(), DueStatus::Due, missed)
}

fn overdue(item: &str, missed: u32) -> (String, DueStatus, u32) {
    (item.to_string(), DueStatus::Overdue, missed)
}

#[test]
fn a_pregnancy_a_delivery_and_the_babys_first_year_on_the_work_list() {
    let mut f = signed_family();
    let mother = f.mother;
    let lmp = day(2026, 1, 26);
    let week = |w: u64| lmp + Days::new(w * 7);

    // Ten weeks pregnant: the pregnancy is recorded and the maternal package signed for.
    let started = f
        .on(week(10))
        .start_group(&GroupStart {
            resident_id: mother,
            group: PopulationGroup::Pregnant,
            since: Some(lmp),
            expected_delivery: None,
            treatment_started: false,
            amend: Some(signing()),
        })
        .unwrap();
    assert!(
        started.amendment_id.is_some(),
        "the maternal package is added"
    );
    assert_eq!(
        f.due(mother, week(10)),
        vec![due("antenatal_visit", 0)],
        "the first antenatal visit before 13 weeks, and nothing postpartum yet"
    );
    f.visit(mother, "antenatal_visit", week(10));
    // Health education is owed once per household: by its head, 王丽.
    let education: Vec<Uuid> = f
        .on(week(10))
        .work_list(Some(week(10)))
        .unwrap()
        .due
        .into_iter()
        .filter(|e| e.item.item_code == "health_education")
        .map(|e| e.item.resident_id)
        .collect();
    assert_eq!(education, vec![mother], "not owed again by {}", f.father);
    assert_eq!(
        f.due(mother, week(14)),
        vec![],
        "16–20 weeks has not opened"
    );

    // 16–20 weeks is missed; at 21 weeks the next window is due and the miss is counted.
    assert_eq!(f.due(mother, week(17)), vec![due("antenatal_visit", 0)]);
    assert_eq!(
        f.due(mother, week(21) + Days::new(3)),
        vec![due("antenatal_visit", 1)],
        "the 21–24 week visit is due; the 16–20 week one stays missed"
    );
    f.visit(mother, "antenatal_visit", week(21) + Days::new(3));
    assert_eq!(f.due(mother, week(26)), vec![], "between 24 and 28 weeks");
    f.visit(mother, "antenatal_visit", week(29));
    assert_eq!(
        f.due(mother, week(37) + Days::new(3)),
        vec![due("antenatal_visit", 1)]
    );
    f.visit(mother, "antenatal_visit", week(37) + Days::new(3));

    // Delivered at 38 weeks; the baby is born into the household and signed for.
    let delivered = week(38);
    f.on(delivered + Days::new(1))
        .end_group(&GroupEnd {
            resident_id: mother,
            group: PopulationGroup::Pregnant,
            on: None,
            delivered: Some(delivered),
        })
        .unwrap();
    let mut newborn = member("张小禾", Relation::Child).build();
    newborn.id_number = None;
    newborn.sex = Some(Sex::Female);
    newborn.birth_date = Some(delivered.to_string());
    let born = f
        .api
        .add_member(&MemberAdd {
            household_id: f.household,
            member: newborn,
            reason: JoinKind::Birth,
            on: None,
            mother_id: Some(mother),
            from: None,
            extend: Some(signing()),
        })
        .unwrap();
    assert!(
        born.amendment_id.is_some(),
        "the baby is added to the contract"
    );
    let baby = born.resident_id;
    let after = |n: u64| delivered + Days::new(n);

    // The day after: the newborn visit is due; the postpartum visit opens on day 3.
    assert_eq!(
        f.due(mother, after(1)),
        vec![],
        "nothing antenatal is owed after delivery"
    );
    assert_eq!(f.due(baby, after(1)), vec![due("newborn_visit", 0)]);
    assert_eq!(f.due(mother, after(5)), vec![due("postpartum_visit", 0)]);
    f.visit(mother, "postpartum_visit", after(5));
    f.visit(baby, "newborn_visit", after(5));
    assert_eq!(
        f.due(mother, after(20)),
        vec![],
        "the 42-day check has not opened"
    );
    assert_eq!(
        f.due(baby, after(20)),
        vec![],
        "the one-month check has not opened"
    );
    // The round of that day shows it coming, with what it counts from: the birth.
    let list = f.on(after(20)).work_list(Some(after(20))).unwrap();
    let round = list
        .households
        .iter()
        .find(|h| h.household_id == f.household)
        .expect("the household is on the day's round");
    assert_eq!(
        (round.head.as_str(), round.group.as_str()),
        ("王丽", "三组")
    );
    let coming: Vec<_> = round
        .items
        .iter()
        .filter(|i| i.item.status == DueStatus::Upcoming)
        .map(|i| {
            (
                i.item.item_code.as_str(),
                i.item.resident_id,
                i.item.anchor,
                i.item.anchored_on,
                i.item.opens_on,
            )
        })
        .collect();
    assert!(
        coming.contains(&(
            "child_health_check",
            baby,
            Anchor::Birth,
            Some(delivered),
            after(28)
        )),
        "{coming:?}"
    );
    assert!(
        !coming.iter().any(|c| c.0 == "postpartum_42_day_check"),
        "the 42-day check opens more than 14 days ahead"
    );
    assert!(
        round.items.is_sorted_by_key(|i| i.item.status.urgency()),
        "the household's most urgent items first"
    );
    assert_eq!(
        list.upcoming_count,
        list.households.iter().map(|h| h.upcoming).sum::<usize>()
    );
    assert!(
        list.due
            .iter()
            .all(|d| d.item.status != DueStatus::Upcoming),
        "the item list keeps to what is due"
    );

    // 满月: the first child check; the 42-day check for the mother.
    assert_eq!(f.due(baby, after(30)), vec![due("child_health_check", 0)]);
    f.visit(baby, "child_health_check", after(30));
    assert_eq!(
        f.due(mother, after(44)),
        vec![due("postpartum_42_day_check", 0)]
    );
    f.visit(mother, "postpartum_42_day_check", after(44));
    assert_eq!(f.due(mother, after(60)), vec![]);
    assert_eq!(f.due(baby, after(60)), vec![]);

    // Three months (20 January 2027 ± 15 days), across the contract's renewal.
    let months = |m: u32| {
        delivered
            .checked_add_months(chrono::Months::new(m))
            .unwrap()
    };
    assert_eq!(
        f.due(baby, months(3) - Days::new(20)),
        vec![],
        "before three months"
    );
    assert_eq!(
        f.due(baby, months(3) - Days::new(5)),
        vec![due("child_health_check", 0)]
    );
    f.visit(baby, "child_health_check", months(3) - Days::new(5));
    assert_eq!(f.due(baby, months(4) + Days::new(10)), vec![]);
    assert_eq!(f.due(baby, months(6)), vec![due("child_health_check", 0)]);
    f.visit(baby, "child_health_check", months(6));

    // Eight months is missed: overdue once it closes, counted once the next opens.
    assert_eq!(f.due(baby, months(8)), vec![due("child_health_check", 0)]);
    assert_eq!(
        f.due(baby, months(8) + Days::new(20)),
        vec![overdue("child_health_check", 1)]
    );
    assert_eq!(
        f.due(baby, months(12)),
        vec![due("child_health_check", 1)],
        "the first birthday's check is due, the eight-month one stays missed"
    );
    assert_eq!(
        f.due(mother, months(12)),
        vec![],
        "the mother owes nothing maternal"
    );
}
