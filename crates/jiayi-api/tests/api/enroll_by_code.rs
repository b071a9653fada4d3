//! A laptop enrolled at the health center by the 登记码 its doctor reads out, before the laptop
//! ever connected: the server binds the code to the laptop at its first connection, another
//! laptop with the same token is refused in Chinese, and the bound laptop syncs as any other.

use jiayi_api::Api;
use jiayi_core::Lang;
use jiayi_core::short_code;
use jiayi_testkit::township::{Township, V1};

use crate::sync::{register, small, store_at};

fn a_new_laptop_is_enrolled_by_the_code_its_doctor_reads_out(t: &Township) {
    let dir = tempfile::tempdir().unwrap();
    let laptop = store_at(&dir.path().join("jiayi.sqlite3"));
    let laptop_id = laptop.device_id();
    let mut api = Api::new(laptop, Lang::Zh);
    // What the doctor reads from the sync screen, as staff type it: lower case, no dash.
    let read_out = api.sync_settings().unwrap().device_code;
    let typed = read_out.to_lowercase().replace('-', "");
    let enrolled = t.enroll_by_code(&typed, "刘医生", &[V1]);
    assert!(enrolled.awaiting_first_contact, "{enrolled:?}");
    assert_eq!(
        enrolled.code, read_out,
        "the code is kept as people write it"
    );
    assert_ne!(
        enrolled.enrolled.device_id, laptop_id,
        "the server cannot know the laptop's id from 35 bits"
    );
    let listed = jiayi_server::device_code::listed(t.storage().devices().unwrap());
    let waiting = listed.iter().find(|d| d.code == read_out).expect("listed");
    assert!(waiting.awaiting_first_contact);

    // Another laptop typing the same token is refused, and the enrollment keeps waiting.
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Api::new(store_at(&other_dir.path().join("jiayi.sqlite3")), Lang::Zh);
    let refused = other
        .enroll_device(&t.base(), &enrolled.enrolled.token)
        .unwrap_err();
    assert_eq!(refused.code, "device_code_mismatch", "{refused:?}");
    let other_code = other.sync_settings().unwrap().device_code;
    assert!(
        refused.message.contains(&other_code) && refused.message.contains("登记码"),
        "the refusal names this laptop's code: {}",
        refused.message
    );
    assert!(!other.sync_settings().unwrap().enrolled);
    assert_eq!(
        t.storage()
            .awaiting_code(enrolled.enrolled.device_id)
            .unwrap()
            .as_deref(),
        Some(read_out.as_str())
    );

    // The right laptop binds the code to its own id, and from then on syncs as any device.
    let outcome = api
        .enroll_device(&t.base(), &enrolled.enrolled.token)
        .unwrap();
    assert!(outcome.settings.enrolled);
    assert_eq!(outcome.settings.device_id, laptop_id);
    let devices = t.storage().devices().unwrap();
    let bound = devices
        .iter()
        .find(|d| d.device_id == laptop_id)
        .expect("the laptop's own id is enrolled");
    assert_eq!(bound.villages, vec![V1]);
    assert_eq!(bound.doctor_name, "刘医生");
    assert!(bound.awaiting_code.is_none());
    assert!(
        !devices
            .iter()
            .any(|d| d.device_id == enrolled.enrolled.device_id),
        "the placeholder is gone"
    );
    register(&mut api, "东庄村", 1);
    let summary = api.sync_now(&|_| {}).unwrap();
    assert!(summary.pushed > 0, "{summary:?}");
    assert_eq!(api.status().unwrap().pending_changes, 0);
    assert!(
        t.log().iter().all(|(_, c)| c.device_id == laptop_id),
        "the server stored the work under the laptop's own id"
    );

    // The bound token is the laptop's: the other laptop is still refused, now as a token for
    // another device.
    let after = other
        .enroll_device(&t.base(), &enrolled.enrolled.token)
        .unwrap_err();
    assert_eq!(after.code, "token_other_device", "{after:?}");
    // Staff find the laptop by the same code afterwards (to revoke it, say).
    assert_eq!(
        jiayi_server::device_code::resolve(t.storage().as_ref(), &read_out).unwrap(),
        laptop_id
    );
}

#[test]
fn a_new_laptop_is_enrolled_by_the_code_its_doctor_reads_out_on_sqlite() {
    a_new_laptop_is_enrolled_by_the_code_its_doctor_reads_out(&Township::sqlite(small()));
}

#[test]
fn a_new_laptop_is_enrolled_by_the_code_its_doctor_reads_out_on_postgres() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    a_new_laptop_is_enrolled_by_the_code_its_doctor_reads_out(&Township::on(
        &pg.database("by_code"),
        small(),
    ));
}

#[test]
fn a_misheard_code_is_refused_before_anything_is_enrolled() {
    let t = Township::sqlite(small());
    let code = short_code::device_code(uuid::Uuid::now_v7());
    let mut chars: Vec<char> = code.chars().collect();
    let last = chars.len() - 1;
    chars[last] = if chars[last] == '0' { '1' } else { '0' };
    let misheard: String = chars.into_iter().collect();
    let before = t.storage().devices().unwrap().len();
    let err = jiayi_server::enrollment::enroll(
        t.storage().as_ref(),
        Some(&misheard),
        jiayi_server::storage::Enrollment {
            device_id: None,
            doctor_name: "刘医生".into(),
            team_name: "一组".into(),
            villages: vec![V1],
            label: String::new(),
            awaiting_code: None,
        },
        jiayi_sync::protocol::DeviceRole::Doctor,
        chrono::Utc::now(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("校验位"), "{err}");
    assert_eq!(t.storage().devices().unwrap().len(), before);
}
