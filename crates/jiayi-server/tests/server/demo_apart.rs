//! Demo data and real data never meet: the app's demo township is refused by the real township
//! server (at enrollment, at every sync and in an offline bundle), a real store by a demo
//! server, and a server holding records cannot change its kind.

use std::path::Path;

use jiayi_api::Api;
use jiayi_core::Lang;
use jiayi_core::data_kind::DataKind;
use jiayi_server::data_kind::{server_kind, set_server_kind};
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::Township;
use uuid::Uuid;

const V1: Uuid = Uuid::from_u128(0x7000_0000_0000_0000_0000_0000_0000_00d1);

fn device(dir: &Path, demo: bool) -> Api {
    let mut api = Api::open(dir.join("device.sqlite3"), Lang::Zh).expect("device store");
    if demo {
        api.mark_demo().expect("marked demo");
    }
    api
}

fn token_for(t: &Township, api: &Api) -> String {
    t.enroll_device(
        api.store().device_id(),
        "杨成山",
        "东庄村家庭医生团队",
        &[V1],
    )
    .token
}

/// A township's server on the backend under test, `name` naming its database.
type NewTownship<'a> = &'a dyn Fn(&str) -> Township;

fn on_sqlite(_name: &str) -> Township {
    Township::sqlite(Limits::default())
}

#[test]
fn a_demo_store_cannot_enroll_with_the_real_township_but_can_with_a_demo_one() {
    demo_store_and_real_township(&on_sqlite);
}

#[test]
fn a_real_store_cannot_sync_to_a_demo_server() {
    real_store_and_demo_township(&on_sqlite);
}

#[test]
fn a_server_made_real_again_refuses_the_demo_store_at_the_next_sync_and_in_bundles() {
    server_made_real_again(&on_sqlite);
}

/// The same refusals from a PostgreSQL township server, which reads the token and its own kind
/// in one statement.
#[test]
fn demo_and_real_data_stay_apart_on_postgres() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    let on_postgres =
        |name: &str| Township::on(&pg.database(&format!("apart_{name}")), Limits::default());
    demo_store_and_real_township(&on_postgres);
    real_store_and_demo_township(&on_postgres);
    server_made_real_again(&on_postgres);
}

fn demo_store_and_real_township(new_township: NewTownship) {
    let dir = tempfile::tempdir().unwrap();
    let mut api = device(dir.path(), true);
    assert!(api.status().unwrap().demo);
    assert!(api.device_kind().unwrap().demo, "the header shows 演示");

    let real = new_township("real");
    let token = token_for(&real, &api);
    let err = api.enroll_device(&real.base(), &token).unwrap_err();
    assert_eq!(err.code, "demo_store_refused");
    assert!(err.message.contains("演示数据"), "{}", err.message);
    assert!(
        !api.sync_settings().unwrap().enrolled,
        "nothing is kept from a refused enrollment"
    );
    assert!(real.log().is_empty());

    let demo = new_township("demo");
    demo.make_demo();
    let token = token_for(&demo, &api);
    api.enroll_device(&demo.base(), &token)
        .expect("a demo store enrolls with a demo server");
    api.sync_now(&|_| {}).expect("and syncs with it");
}

fn real_store_and_demo_township(new_township: NewTownship) {
    let dir = tempfile::tempdir().unwrap();
    let mut api = device(dir.path(), false);
    assert!(!api.status().unwrap().demo);
    assert!(!api.device_kind().unwrap().demo);
    let demo = new_township("demo_only");
    demo.make_demo();
    let token = token_for(&demo, &api);
    let err = api.enroll_device(&demo.base(), &token).unwrap_err();
    assert_eq!(err.code, "demo_server_refused");
    assert!(err.message.contains("演示"), "{}", err.message);
    assert!(!api.sync_settings().unwrap().enrolled);
}

fn server_made_real_again(new_township: NewTownship) {
    let dir = tempfile::tempdir().unwrap();
    let mut api = device(dir.path(), true);
    let t = new_township("made_real");
    t.make_demo();
    let token = token_for(&t, &api);
    api.enroll_device(&t.base(), &token).unwrap();
    // Still empty: the administrator may make it the real township's server.
    set_server_kind(t.storage().as_ref(), DataKind::Real).unwrap();

    let err = api.sync_now(&|_| {}).unwrap_err();
    assert_eq!(err.code, "demo_store_refused", "{}", err.message);

    let file = dir.path().join("to-health-center.jybundle");
    api.export_bundle(&file).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let refused = jiayi_server::bundle::answer(
        t.storage().as_ref(),
        &t.township_key(),
        &Limits::default(),
        &bytes,
        chrono::Utc::now(),
    )
    .unwrap_err();
    assert!(refused.to_string().contains("演示"), "{refused}");
    assert!(t.log().is_empty(), "nothing of the demo reached the server");

    // Queued entries are chained into the log by the sealer (at once on SQLite).
    t.storage().seal_audit().unwrap();
    let audit = t.storage().audit_entries(0, 1000).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| format!("{e:?}").contains("demo_store_refused")),
        "the refusal is in the server's audit log"
    );
}

#[test]
fn only_an_empty_server_changes_its_kind() {
    let t = Township::sqlite(Limits::default());
    let mut a = t.device("秦医生", &[V1]);
    a.register_households(V1, 1);
    a.sync(&t).unwrap();
    let err = set_server_kind(t.storage().as_ref(), DataKind::Demo).unwrap_err();
    assert!(err.to_string().contains("only an empty server"), "{err}");
    assert_eq!(server_kind(t.storage().as_ref()).unwrap(), DataKind::Real);
}
