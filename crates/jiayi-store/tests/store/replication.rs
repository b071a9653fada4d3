//! Changes from one device applied on another: field-level last writer wins, losers kept,
//! local pending work never overwritten, records seen twice applied once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiayi_core::household::Village;
use jiayi_core::phone::Phone;
use jiayi_store::{NewHousehold, Store};
use uuid::Uuid;

use jiayi_testkit::{day, head, household};

fn t0() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

fn two_devices() -> (Store, Store, Uuid) {
    let village = Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    let mut a = Store::open_in_memory().unwrap();
    let mut b = Store::open_in_memory().unwrap();
    a.put_village(&village).unwrap();
    b.put_village(&village).unwrap();
    let input = household("东庄村", "二组", "东庄村二组3号")
        .member(head("王大山").born(day(1950, 2, 3), 11))
        .build();
    let valid = input
        .validate(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        .unwrap();
    let record = a
        .register_household(
            NewHousehold {
                village_id: village.id,
                household: &valid,
            },
            t0(),
        )
        .unwrap();
    let changes = a.pending_changes(0, 100).unwrap();
    let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
    a.mark_acknowledged(&seqs).unwrap();
    let report = b.apply_remote(&changes, t0()).unwrap();
    assert_eq!(report.applied, 2);
    assert_eq!(
        b.pending_count().unwrap(),
        0,
        "pulled records are not pushed back"
    );
    (a, b, record.members[0].id)
}

fn push_all(from: &mut Store, to: &mut Store, at: DateTime<Utc>) -> jiayi_store::ApplyReport {
    let changes = from.pending_changes(0, 1000).unwrap();
    let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
    from.mark_acknowledged(&seqs).unwrap();
    to.apply_remote(&changes, at).unwrap()
}

#[test]
fn edits_to_different_fields_both_survive() {
    let (mut a, mut b, id) = two_devices();
    let mut on_a = a.resident(id).unwrap();
    on_a.name = "王大珊".into();
    a.update_resident(&on_a, t0() + Duration::minutes(1))
        .unwrap();
    let mut on_b = b.resident(id).unwrap();
    on_b.phone = Some(Phone::parse("13912345678").unwrap());
    b.update_resident(&on_b, t0() + Duration::minutes(2))
        .unwrap();

    push_all(&mut a, &mut b, t0() + Duration::minutes(3));
    push_all(&mut b, &mut a, t0() + Duration::minutes(3));
    // b had a pending change when a's arrived: it was deferred, so a's edit reaches b later.
    let report = {
        a.requeue_after(0).unwrap();
        let all = a.pending_changes(0, 100).unwrap();
        b.apply_remote(&all, t0() + Duration::minutes(4)).unwrap()
    };
    assert!(report.applied >= 1);
    for store in [&a, &b] {
        let r = store.resident(id).unwrap();
        assert_eq!(r.name, "王大珊");
        assert_eq!(r.phone.as_ref().map(|p| p.as_str()), Some("13912345678"));
    }
}

#[test]
fn the_later_edit_wins_and_only_a_lost_local_write_is_a_conflict() {
    let (mut a, mut b, id) = two_devices();
    let mut on_a = a.resident(id).unwrap();
    on_a.name = "王山".into();
    a.update_resident(&on_a, t0() + Duration::minutes(1))
        .unwrap();
    let mut on_b = b.resident(id).unwrap();
    on_b.name = "王大善".into();
    b.update_resident(&on_b, t0() + Duration::minutes(5))
        .unwrap();
    // b pushes first (the server has it), then a's older edit arrives at b after b's push.
    let from_b = b.pending_changes(0, 10).unwrap();
    let seqs: Vec<u64> = from_b.iter().map(|c| c.seq).collect();
    b.mark_acknowledged(&seqs).unwrap();
    let from_a = a.pending_changes(0, 10).unwrap();
    let report = b
        .apply_remote(&from_a, t0() + Duration::minutes(6))
        .unwrap();
    assert_eq!(
        report.conflicts, 0,
        "b's own write won: nothing of b's lost"
    );
    assert_eq!(
        b.resident(id).unwrap().name,
        "王大善",
        "the later clock wins"
    );
    assert!(b.open_conflicts().unwrap().is_empty());

    // The other way round gives the same answer: every device settles alike. a's write was
    // pushed and the server answered that its name lost: that is a's conflict, logged once.
    let seqs: Vec<u64> = from_a.iter().map(|c| c.seq).collect();
    a.mark_acknowledged(&seqs).unwrap();
    let lost: Vec<(jiayi_core::change::Change, Vec<String>)> = from_a
        .iter()
        .filter(|c| c.fields.iter().any(|f| f == "name"))
        .map(|c| (c.clone(), vec!["name".to_string()]))
        .collect();
    a.record_lost_writes(&lost, t0() + Duration::minutes(6))
        .unwrap();
    let report = a
        .apply_remote(&from_b, t0() + Duration::minutes(6))
        .unwrap();
    assert_eq!(
        report.conflicts, 0,
        "a pulled value replacing a local one is an update"
    );
    assert_eq!(a.resident(id).unwrap().name, "王大善");
    let conflicts = a.open_conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].lost_value, serde_json::json!("王山"));
    a.settle_conflict(conflicts[0].id, t0() + Duration::minutes(7))
        .unwrap();
    assert!(a.open_conflicts().unwrap().is_empty());
}

#[test]
fn a_colleagues_update_with_nothing_pending_is_no_conflict() {
    let (mut a, mut b, id) = two_devices();
    let mut on_a = a.resident(id).unwrap();
    on_a.name = "王新名".into();
    a.update_resident(&on_a, t0() + Duration::minutes(1))
        .unwrap();
    let from_a = a.pending_changes(0, 10).unwrap();
    let report = b
        .apply_remote(&from_a, t0() + Duration::minutes(2))
        .unwrap();
    assert_eq!((report.applied, report.conflicts), (1, 0));
    assert_eq!(b.resident(id).unwrap().name, "王新名");
    assert!(b.open_conflicts().unwrap().is_empty());
}

#[test]
fn pending_local_work_is_never_overwritten_and_replays_are_harmless() {
    let (mut a, mut b, id) = two_devices();
    let mut on_b = b.resident(id).unwrap();
    on_b.name = "王本地".into();
    b.update_resident(&on_b, t0() + Duration::minutes(9))
        .unwrap();
    let mut on_a = a.resident(id).unwrap();
    on_a.name = "王远方".into();
    a.update_resident(&on_a, t0() + Duration::minutes(10))
        .unwrap();
    let from_a = a.pending_changes(0, 10).unwrap();
    let report = b
        .apply_remote(&from_a, t0() + Duration::minutes(11))
        .unwrap();
    assert_eq!(report.deferred, 1);
    assert_eq!(b.resident(id).unwrap().name, "王本地");

    // The same batch twice changes nothing more.
    let all_a = {
        a.requeue_after(0).unwrap();
        a.pending_changes(0, 100).unwrap()
    };
    let mut fresh = Store::open_in_memory().unwrap();
    fresh.put_village(&a.villages().unwrap()[0]).unwrap();
    let first = fresh.apply_remote(&all_a, t0()).unwrap();
    let second = fresh.apply_remote(&all_a, t0()).unwrap();
    assert!(first.applied > 0);
    assert_eq!(fresh.resident(id).unwrap().name, "王远方");
    assert_eq!(fresh.resident_count().unwrap(), 1);
    assert_eq!(second.conflicts, 0);
}

#[test]
fn a_pulled_contract_event_keeps_the_clock_value_it_was_written_with() {
    use jiayi_core::contract::{
        Contract, ContractEvent, ContractEventKind, ContractMember, Term, TermPolicy,
        TerminationReason,
    };
    use jiayi_store::{NewContract, NewContractEvent};

    use jiayi_core::household::{Team, TeamMember, TeamRole};

    let (mut a, mut b, resident) = two_devices();
    let household_id = a.resident(resident).unwrap().household_id;
    let team = Team {
        id: Uuid::from_u128(100),
        name: "东庄村家庭医生团队".into(),
        institution: "青山镇卫生院".into(),
        village_clinic: "东庄村卫生室".into(),
        villages: vec![],
        members: vec![TeamMember {
            id: Uuid::from_u128(2),
            name: "刘医生".into(),
            role: TeamRole::FamilyDoctor,
            phone: "13800000000".into(),
        }],
        service_hotline: String::new(),
        complaint_phone: String::new(),
        service_hours: String::new(),
    };
    a.put_team(&team).unwrap();
    b.put_team(&team).unwrap();
    let signed = a
        .sign_contract(
            t0(),
            2026,
            |number| {
                Ok(NewContract {
                    contract: Contract {
                        id: Uuid::now_v7(),
                        agreement_number: number,
                        household_id,
                        team_id: Uuid::from_u128(100),
                        doctor_id: Uuid::from_u128(2),
                        representative_id: resident,
                        term: Term::first(TermPolicy::CalendarYear, day(2026, 3, 1)),
                        members: vec![ContractMember {
                            resident_id: resident,
                            package_codes: vec![],
                        }],
                        signed_at: t0(),
                        catalog_version: "2026.1".into(),
                        renews: None,
                        snapshot_sha256: String::new(),
                    },
                    snapshot_json: "{}".into(),
                    resident_signature: None,
                    doctor_signature: None,
                })
            },
            None,
        )
        .unwrap();
    let contract_id = signed.contract.id;
    a.add_contract_event(
        t0() + Duration::minutes(1),
        NewContractEvent {
            event: ContractEvent {
                id: Uuid::now_v7(),
                contract_id,
                at: t0() + Duration::minutes(1),
                kind: ContractEventKind::Terminated {
                    reason: TerminationReason::OnRequest,
                    note: String::new(),
                    effective_on: day(2027, 1, 1),
                    resident_confirmed: true,
                    doctor_confirmed: true,
                    snapshot_sha256: String::new(),
                },
            },
            snapshot_json: None,
            resident_signature: None,
            doctor_signature: None,
        },
    )
    .unwrap();
    // Device B pulls an hour later, its own clock far ahead of the event's.
    push_all(&mut a, &mut b, t0() + Duration::hours(1));
    let written = a.contract(contract_id).unwrap().events;
    let pulled = b.contract(contract_id).unwrap().events;
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled, written, "the same event with the same clock value");
    assert_eq!(
        b.contract(contract_id).unwrap().term_on(day(2027, 1, 1)),
        None,
        "both devices read the declined renewal alike"
    );
}
