//! What a device may read and write beyond the village a change names: only its own villages'
//! register rows, no record whose payload (or household) lies in another village, and no clock
//! dated far ahead or naming another device. Each on SQLite and PostgreSQL.

use chrono::Utc;
use jiayi_core::change::Entity;
use jiayi_core::household::Village;
use jiayi_server::admission::MAX_CLOCK_AHEAD_MS;
use jiayi_sync::engine::Transport;
use jiayi_sync::protocol::{ChangeStatus, PushRequest, ReferenceKind, RejectCode};
use jiayi_testkit::pg;
use jiayi_testkit::township::*;
use serde_json::json;
use uuid::Uuid;

fn limits() -> jiayi_sync::protocol::Limits {
    jiayi_sync::protocol::Limits {
        max_changes: 50,
        max_bytes: 256 * 1024,
        max_pull: 100,
    }
}

fn name_villages(t: &Township) {
    let village = |id, code: &str, name: &str| Village {
        id,
        code: code.into(),
        name: name.into(),
        township: "青山镇".into(),
    };
    t.storage()
        .put_villages(&[
            village(V1, "140822100001", "东庄村"),
            village(V2, "140822100002", "西庄村"),
        ])
        .unwrap();
}

fn a_device_receives_only_its_own_villages_register_rows(t: &Township) {
    name_villages(t);
    let csv = format!(
        "id_number,name,村\n140822195504010011,王某,东庄村\n140822195809090022,李某,西庄村\n\
         140822196001010033,赵某,140822100002\n140822196101010044,钱某,{V1}\n"
    );
    t.storage()
        .publish(ReferenceKind::Register, "poverty", &csv, Utc::now())
        .unwrap();
    assert!(
        t.storage()
            .publish(
                ReferenceKind::Register,
                "poverty",
                "id_number,name\n140822195504010011,王某\n",
                Utc::now()
            )
            .is_err(),
        "a register that names no village cannot be sent by village"
    );
    let east = t.device("东庄医生", &[V1]);
    let west = t.device("西庄医生", &[V2]);
    let rows = |d: &Device| {
        let data = d.transport(&t.base()).reference().unwrap();
        let doc = data.document(ReferenceKind::Register, "poverty").unwrap();
        doc.content
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rows(&east),
        vec![
            "140822195504010011,王某,东庄村".to_string(),
            format!("140822196101010044,钱某,{V1}"),
        ]
    );
    assert_eq!(
        rows(&west),
        vec![
            "140822195809090022,李某,西庄村".to_string(),
            "140822196001010033,赵某,140822100002".to_string(),
        ]
    );
}

fn a_record_whose_payload_names_another_village_is_refused(t: &Township) {
    let mut west = t.device("西庄医生", &[V2]);
    let west_households = west.register_households(V2, 1);
    west.sync(t).unwrap();
    let west_household = west
        .replica
        .records
        .get(&(Entity::Resident, west_households[0]))
        .and_then(|r| r.payload.get("household_id"))
        .and_then(|v| v.as_str())
        .map(|s| Uuid::parse_str(s).unwrap())
        .unwrap();

    let mut east = t.device("东庄医生", &[V1]);
    // A household filed under the device's village whose own record says another village.
    east.edit(
        Entity::Household,
        Uuid::now_v7(),
        V1,
        json!({"village_id": V2, "group": "一组", "address": "西庄村1号"}),
    );
    // A resident filed under the device's village, hanging off the other village's household.
    east.edit(
        Entity::Resident,
        Uuid::now_v7(),
        V1,
        json!({"household_id": west_household, "name": "冒名", "relation": "child"}),
    );
    let before = t.storage().village_progress().unwrap();
    let report = east.sync(t).unwrap();
    assert_eq!(
        report
            .rejected
            .iter()
            .map(|(_, r)| r.code)
            .collect::<Vec<_>>(),
        vec![RejectCode::VillageNotInScope, RejectCode::VillageNotInScope],
        "the device sees both refusals"
    );
    assert_eq!(east.replica.rejections.len(), 2, "kept on the device");
    assert_eq!(
        t.storage().village_progress().unwrap(),
        before,
        "nothing counts in either village"
    );
    // The device's own records still go through.
    east.register_households(V1, 1);
    let report = east.sync(t).unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(report.applied, 3);
}

fn a_clock_dated_far_ahead_or_of_another_device_is_refused(t: &Township) {
    let mut a = t.device("孙医生", &[V1]);
    let mut b = t.device("周医生", &[V1]);
    let household = Uuid::now_v7();
    a.edit(Entity::Household, household, V1, json!({"address": "一号"}));
    a.sync(t).unwrap();

    // The year 33,000, and another device's clock.
    let ahead = a.edit(Entity::Household, household, V1, json!({"address": "未来"}));
    let foreign = a.edit(Entity::Household, household, V1, json!({"address": "冒名"}));
    let now_ms = Utc::now().timestamp_millis() as u64;
    for (seq, (change, _)) in a.replica.outbox.iter_mut() {
        if *seq == ahead.seq {
            change.hlc.wall_ms = 979_000_000_000_000;
        }
        if *seq == foreign.seq {
            change.hlc.device = b.id();
        }
    }
    let report = a.sync(t).unwrap();
    let mut codes: Vec<RejectCode> = report.rejected.iter().map(|(_, r)| r.code).collect();
    codes.sort_by_key(|c| format!("{c:?}"));
    assert_eq!(codes, vec![RejectCode::ClockAhead, RejectCode::WrongDevice]);
    let clock = report
        .rejected
        .iter()
        .find(|(_, r)| r.code == RejectCode::ClockAhead)
        .unwrap();
    assert!(
        clock.1.message_zh.contains("时间"),
        "{}",
        clock.1.message_zh
    );

    // A later edit by a colleague wins: nothing from the future outranks it.
    b.sync(t).unwrap();
    b.edit(Entity::Household, household, V1, json!({"address": "二号"}));
    b.sync(t).unwrap();
    let stored = t
        .storage()
        .record(Entity::Household, household)
        .unwrap()
        .unwrap();
    assert_eq!(stored.payload["address"], "二号");

    // A clock a few hours ahead (a device clock set wrong) is still taken.
    let skewed = a.edit(Entity::Household, household, V1, json!({"address": "三号"}));
    let mut change = a.replica.outbox[&skewed.seq].0.clone();
    change.hlc.wall_ms = now_ms + MAX_CLOCK_AHEAD_MS / 4;
    let answer = a
        .transport(&t.base())
        .push(&PushRequest {
            device_id: a.id(),
            changes: vec![change],
        })
        .unwrap();
    assert!(
        matches!(answer.results[0].status, ChangeStatus::Applied),
        "{:?}",
        answer.results[0].status
    );
}

#[test]
fn sqlite_a_device_receives_only_its_own_villages_register_rows() {
    a_device_receives_only_its_own_villages_register_rows(&Township::sqlite(limits()));
}

#[test]
fn sqlite_a_record_whose_payload_names_another_village_is_refused() {
    a_record_whose_payload_names_another_village_is_refused(&Township::sqlite(limits()));
}

#[test]
fn sqlite_a_clock_dated_far_ahead_or_of_another_device_is_refused() {
    a_clock_dated_far_ahead_or_of_another_device_is_refused(&Township::sqlite(limits()));
}

#[test]
fn postgres_scope_and_clock_refusals() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    type Scenario = fn(&Township);
    let scenarios: [(&str, Scenario); 3] = [
        (
            "register_rows",
            a_device_receives_only_its_own_villages_register_rows,
        ),
        (
            "payload_village",
            a_record_whose_payload_names_another_village_is_refused,
        ),
        (
            "clocks",
            a_clock_dated_far_ahead_or_of_another_device_is_refused,
        ),
    ];
    for (name, scenario) in scenarios {
        eprintln!("postgres scenario {name}");
        scenario(&Township::on(&pg.database(&format!("sc_{name}")), limits()));
    }
}
