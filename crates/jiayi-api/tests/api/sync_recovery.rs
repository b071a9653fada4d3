//! Sync through skewed clocks and restored copies, against a real township server on
//! 127.0.0.1 with devices on real store files: every device ends with every record.

use chrono::{Duration as Span, Utc};
use jiayi_api::{ChangeDoctorRequest, FixedClock};
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Township, V1};

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
