//! A laptop the health center hands out new knows no village: it learns the villages it serves,
//! by the names and codes the township gave them, at its first sync, and takes the households a
//! colleague registered there, even though the pull comes before the reference data.

use chrono::Utc;
use jiayi_api::Api;
use jiayi_core::Lang;
use jiayi_core::household::Village;
use jiayi_store::Store;
use jiayi_sync::protocol::{Limits, ReferenceKind};
use jiayi_testkit::township::{Township, V1, V2};

use crate::sync::{Device, register, sign, team};

fn named(id: uuid::Uuid, code: &str, name: &str) -> Village {
    Village {
        id,
        code: code.into(),
        name: name.into(),
        township: "青山镇".into(),
    }
}

#[test]
fn a_new_laptop_learns_its_villages_and_takes_a_colleagues_households() {
    let t = Township::sqlite(Limits::default());
    let east = named(V1, "140822100200", "东庄村");
    let west = named(V2, "140822100201", "西庄村");
    t.storage()
        .put_villages(&[east.clone(), west.clone()])
        .unwrap();
    // The township's teams, as the health center publishes them.
    t.storage()
        .publish(
            ReferenceKind::Teams,
            "all",
            &serde_json::to_string(&[team()]).unwrap(),
            Utc::now(),
        )
        .unwrap();

    let mut colleague = Device::new(&t, "刘医生", &[V1]);
    let (household, members) = register(&mut colleague.api, "东庄村", 1);
    sign(&mut colleague.api, household, &members);
    register(&mut colleague.api, "东庄村", 2);
    colleague.sync().unwrap();

    // The new laptop: an empty store, enrolled for 东庄村 only.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    assert!(store.villages().unwrap().is_empty());
    let token = t
        .enroll_device(store.device_id(), "王医生", "东庄村家庭医生团队", &[V1])
        .token;
    let mut api = Api::new(store, Lang::Zh);
    api.enroll_device(&t.base(), &token).unwrap();
    let summary = api.sync_now(&|_| {}).unwrap();
    assert!(summary.pulled > 0, "{summary:?}");

    assert_eq!(
        api.store().villages().unwrap(),
        [east],
        "its village, as the township names it, and no other"
    );
    let settings = api.sync_settings().unwrap();
    assert_eq!(settings.villages[0].name.as_deref(), Some("东庄村"));
    let view = api.household(household).unwrap();
    assert_eq!(view.members.len(), members.len());
    assert_eq!(
        api.store().residents_brief().unwrap().len(),
        2 * members.len()
    );

    // The next round changes nothing and the laptop can register in its village.
    api.sync_now(&|_| {}).unwrap();
    assert_eq!(api.store().villages().unwrap().len(), 1);
    register(&mut api, "东庄村", 3);
}
