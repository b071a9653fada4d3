//! Sync through skewed clocks and restored copies, against a real township server on
//! 127.0.0.1 with devices on real store files: every device ends with every record.

use chrono::{Duration as Span, Utc};
use jiayi_api::{ChangeDoctorRequest, FixedClock};
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Township, V1, V2};

use crate::sync::{Device, register, sign, team};

#[test]
fn a_doctor_change_made_on_a_slow_clock_after_a_colleagues_change_wins_everywhere() {
    let t = Township::sqlite(Limits::default());
    let mut fast = Device::new(&t, "刘医生", &[V1]);
    let mut slow = Device::new(&t, "周医生", &[V1]);
    let (household, members) = register(&mut fast.api, "东庄村", 1);
    let contract = sign(&mut fast.api, household, &members);
    fast.sync().unwrap();
    slow.sync().unwrap();

    let team = team();
    let first_doctor = fast.api.contract_summary(contract).unwrap().doctor_id;
    let mut others = team
        .members
        .iter()
        .map(|m| m.id)
        .filter(|id| *id != first_doctor);
    let (colleagues_choice, later_choice) = (others.next().unwrap(), others.next().unwrap());
    let change_to = |doctor| ChangeDoctorRequest {
        contract_id: contract,
        doctor_id: doctor,
        effective_on: None,
        note: String::new(),
    };

    // The colleague changes the doctor at the real time...
    fast.api
        .change_doctor(&change_to(colleagues_choice))
        .unwrap();
    fast.sync().unwrap();
    // ...and a device whose clock runs three hours behind receives it, then changes it again:
    // its change is recorded at an earlier wall time but made later.
    // (On the same day in China, so both read the contract on one day.)
    let now = Utc::now();
    let day_began =
        jiayi_core::time::china_noon(jiayi_core::time::china_date(now)) - Span::hours(12);
    let behind = (now - Span::hours(3)).max(day_began + Span::seconds(1));
    assert!(behind < now);
    slow.api.set_clock(Box::new(FixedClock(behind)));
    slow.sync().unwrap();
    assert_eq!(
        slow.api.contract_summary(contract).unwrap().doctor_id,
        colleagues_choice
    );
    slow.api.change_doctor(&change_to(later_choice)).unwrap();
    slow.sync().unwrap();
    fast.sync().unwrap();

    for (name, device) in [("slow", &slow), ("fast", &fast)] {
        assert_eq!(
            device.api.contract_summary(contract).unwrap().doctor_id,
            later_choice,
            "the later change holds on the {name} device"
        );
    }
}

/// Copies the device's store file aside (closed, so the copy is whole).
fn copy_aside(device: &mut Device) -> std::path::PathBuf {
    let backup = device.path.with_extension("backup");
    device.reopen(|p| {
        std::fs::copy(p, &backup).unwrap();
    });
    backup
}

/// Puts the copy back over the device's store file.
fn put_back(device: &mut Device, backup: &std::path::Path) {
    device.reopen(|p| {
        for ext in ["sqlite3-wal", "sqlite3-shm"] {
            let _ = std::fs::remove_file(p.with_extension(ext));
        }
        std::fs::copy(backup, p).unwrap();
    });
}

#[test]
fn a_device_restored_from_an_older_copy_takes_back_its_own_uploaded_records() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let (first, _) = register(&mut a.api, "东庄村", 1);
    a.sync().unwrap();
    let backup = copy_aside(&mut a);
    let (second, members) = register(&mut a.api, "东庄村", 2);
    let contract = sign(&mut a.api, second, &members);
    a.sync().unwrap();

    // The laptop's disk is restored from the older copy, and it syncs before any new work.
    put_back(&mut a, &backup);
    assert!(
        a.api.household(second).is_err(),
        "the copy lacks the later household"
    );
    let summary = a.sync().unwrap();
    let codes: Vec<&str> = summary.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["device_restored"], "what happened, said plainly");
    assert!(
        summary.warnings[0]
            .message
            .contains("本机数据是从较早的副本恢复的"),
        "{}",
        summary.warnings[0].message
    );
    assert_eq!(a.api.household(second).unwrap().members.len(), 2);
    assert_eq!(
        a.api.contract_summary(contract).unwrap().member_ids,
        members
    );
    assert!(a.api.household(first).is_ok());

    // Settled: later rounds neither pull its own changes again nor warn.
    let again = a.sync().unwrap();
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    assert_eq!(again.pulled, 0);
}

#[test]
fn a_device_restored_from_an_older_copy_with_new_work_takes_back_its_records_too() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    register(&mut a.api, "东庄村", 1);
    a.sync().unwrap();
    let backup = copy_aside(&mut a);
    let (second, _) = register(&mut a.api, "东庄村", 2);
    a.sync().unwrap();
    put_back(&mut a, &backup);
    // New work before the next sync takes numbers the server already holds.
    let (third, _) = register(&mut a.api, "东庄村", 3);
    let summary = a.sync().unwrap();
    assert_eq!(summary.renumbered, 3);
    assert_eq!(summary.refused, 0);
    assert!(summary.warnings.iter().any(|w| w.code == "device_restored"));
    for household in [second, third] {
        assert_eq!(a.api.household(household).unwrap().members.len(), 2);
    }
    let mut b = Device::new(&t, "周医生", &[V1]);
    b.sync().unwrap();
    for household in [second, third] {
        assert_eq!(b.api.household(household).unwrap().members.len(), 2);
    }
}

#[test]
fn changes_refused_outside_the_villages_are_sent_again_once_the_device_is_enrolled_for_them() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let (household, _) = register(&mut a.api, "西庄村", 1);
    let summary = a.sync().unwrap();
    assert_eq!(
        summary.refused, 3,
        "the household and its two members, outside V1"
    );
    assert_eq!(a.api.sync_status().unwrap().open_refusals, 3);
    let again = a.sync().unwrap();
    assert_eq!(again.pushed, 0, "nothing changed: the refusals stand");

    // The health center enrolls the device for 西庄村 too; the doctor imports the new token.
    let token = t
        .enroll_device(a.id(), "刘医生", "东庄村家庭医生团队", &[V1, V2])
        .token;
    a.api.enroll_device(&t.base(), &token).unwrap();
    let summary = a.sync().unwrap();
    assert_eq!((summary.applied, summary.refused), (3, 0));
    assert_eq!(a.api.sync_status().unwrap().open_refusals, 0);
    assert_eq!(t.stored_of(a.id()).len(), 3);

    let mut b = Device::new(&t, "周医生", &[V2]);
    b.sync().unwrap();
    assert_eq!(b.api.household(household).unwrap().members.len(), 2);
}
