//! A household's year as stored: group periods, membership events and amendments written in one
//! transaction with their outbox rows, read back, and applied on another device.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiayi_core::change::Entity;
use jiayi_core::hlc::Hlc;
use jiayi_core::household::Village;
use jiayi_core::person::PopulationGroup;
use jiayi_core::year::groups::{GroupPeriod, PeriodBasis};
use jiayi_core::year::membership::{JoinReason, LeaveReason, MembershipChange, MembershipEvent};
use jiayi_store::{NewHousehold, Store, YearWrite};
use uuid::Uuid;

use jiayi_testkit::{day, head, household, member};

pub(crate) fn t0() -> DateTime<Utc> {
    "2026-03-10T02:00:00Z".parse().unwrap()
}

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

/// Two devices holding the same registered household (head and spouse).
pub(crate) fn two_devices() -> (Store, Store, Uuid, Vec<Uuid>) {
    let village = Village {
        id: Uuid::now_v7(),
        code: "140822100201".into(),
        name: "西庄村".into(),
        township: "青山镇".into(),
    };
    let mut a = Store::open_in_memory().unwrap();
    let mut b = Store::open_in_memory().unwrap();
    a.put_village(&village).unwrap();
    b.put_village(&village).unwrap();
    let input = household("西庄村", "一组", "西庄村一组8号")
        .member(head("李长河").born(day(1958, 4, 2), 11))
        .member(member("赵秀英", jiayi_core::person::Relation::Spouse).born(day(1990, 6, 9), 22))
        .build();
    let valid = input.validate(d(2026, 3, 10)).unwrap();
    let record = a
        .register_household(
            NewHousehold {
                village_id: village.id,
                household: &valid,
            },
            t0(),
        )
        .unwrap();
    sync(&mut a, &mut b, t0());
    let ids = record.members.iter().map(|m| m.id).collect();
    (a, b, record.household.id, ids)
}

pub(crate) fn sync(
    from: &mut Store,
    to: &mut Store,
    at: DateTime<Utc>,
) -> jiayi_store::ApplyReport {
    let changes = from.pending_changes(0, 1000).unwrap();
    let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
    from.mark_acknowledged(&seqs).unwrap();
    to.apply_remote(&changes, at).unwrap()
}

fn clock() -> Hlc {
    Hlc::zero(Uuid::nil())
}

#[test]
fn a_diagnosis_and_its_end_travel_field_by_field() {
    let (mut a, mut b, _, ids) = two_devices();
    let diagnosis = GroupPeriod {
        id: Uuid::now_v7(),
        resident_id: ids[0],
        group: PopulationGroup::Hypertension,
        basis: PeriodBasis::Diagnosed,
        start: d(2026, 3, 9),
        end: None,
        hlc: clock(),
    };
    a.write_year(&[YearWrite::GroupPeriod(&diagnosis)], t0())
        .unwrap();
    let pending = a.pending_changes(0, 100).unwrap();
    assert_eq!(pending.len(), 1, "one record, one outbox row");
    assert_eq!(pending[0].entity, Entity::GroupPeriod);
    let stored = a.group_periods_of(ids[0]).unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(
        stored[0].hlc,
        clock(),
        "the period carries the clock it was written with"
    );
    assert_eq!(sync(&mut a, &mut b, t0()).applied, 1);
    assert_eq!(b.group_periods_of(ids[0]).unwrap(), stored);

    // b ends it; a, meanwhile, knows nothing of that.
    b.write_year(
        &[YearWrite::GroupPeriodEnd {
            id: diagnosis.id,
            end: d(2026, 9, 30),
        }],
        t0() + Duration::days(200),
    )
    .unwrap();
    let end_change = b.pending_changes(0, 100).unwrap();
    assert_eq!(end_change[0].fields, vec!["end".to_string()]);
    sync(&mut b, &mut a, t0() + Duration::days(200));
    let on_a = a.group_periods_of(ids[0]).unwrap();
    assert_eq!(on_a[0].end, Some(d(2026, 9, 30)));
    assert_eq!(on_a, b.group_periods_of(ids[0]).unwrap());
    assert_eq!(a.all_group_periods().unwrap().len(), 1);
}

#[test]
fn a_birth_and_a_death_are_written_together_and_arrive_once() {
    let (mut a, mut b, household_id, ids) = two_devices();
    let mut baby = a.resident(ids[1]).unwrap();
    baby.id = Uuid::now_v7();
    baby.name = "李小禾".into();
    baby.id_number = None;
    baby.id_number_missing = true;
    baby.birth_date = Some(d(2026, 6, 1));
    baby.relation = jiayi_core::person::Relation::Child;
    baby.groups = vec![];
    let born = MembershipEvent {
        id: Uuid::now_v7(),
        resident_id: baby.id,
        household_id,
        effective_on: d(2026, 6, 1),
        change: MembershipChange::Joined {
            reason: JoinReason::Birth { mother_id: ids[1] },
        },
        hlc: clock(),
    };
    a.write_year(
        &[YearWrite::NewResident(&baby), YearWrite::Membership(&born)],
        t0() + Duration::days(83),
    )
    .unwrap();
    let died = MembershipEvent {
        id: Uuid::now_v7(),
        resident_id: ids[0],
        household_id,
        effective_on: d(2026, 9, 12),
        change: MembershipChange::Left {
            reason: LeaveReason::Died,
        },
        hlc: clock(),
    };
    a.write_year(&[YearWrite::Membership(&died)], t0() + Duration::days(190))
        .unwrap();
    assert_eq!(a.pending_count().unwrap(), 3);

    let changes = a.pending_changes(0, 100).unwrap();
    assert_eq!(b.apply_remote(&changes, t0()).unwrap().applied, 3);
    assert_eq!(
        b.apply_remote(&changes, t0()).unwrap().applied,
        0,
        "a replay changes nothing"
    );
    let on_b = b.membership_of_household(household_id).unwrap();
    assert_eq!(on_b.len(), 2);
    assert_eq!(on_b, a.membership_of_household(household_id).unwrap());
    assert_eq!(
        b.membership_of(ids[0]).unwrap()[0].effective_on,
        d(2026, 9, 12)
    );
    assert_eq!(
        b.residents_of_household_ever(household_id).unwrap().len(),
        3
    );
}

#[test]
fn a_failed_operation_writes_nothing() {
    let (mut a, _b, household_id, ids) = two_devices();
    let joined = MembershipEvent {
        id: Uuid::now_v7(),
        resident_id: ids[0],
        household_id,
        effective_on: d(2026, 3, 1),
        change: MembershipChange::Joined {
            reason: JoinReason::Marriage,
        },
        hlc: clock(),
    };
    let dangling = GroupPeriod {
        id: Uuid::now_v7(),
        resident_id: Uuid::now_v7(),
        group: PopulationGroup::Diabetes,
        basis: PeriodBasis::Diagnosed,
        start: d(2026, 3, 1),
        end: None,
        hlc: clock(),
    };
    let before = a.pending_count().unwrap();
    let err = a
        .write_year(
            &[
                YearWrite::Membership(&joined),
                YearWrite::GroupPeriod(&dangling),
            ],
            t0(),
        )
        .unwrap_err();
    assert!(
        matches!(err, jiayi_store::StoreError::NotFound { .. }),
        "{err:?}"
    );
    assert_eq!(a.pending_count().unwrap(), before);
    assert!(a.membership_of(ids[0]).unwrap().is_empty());
}
