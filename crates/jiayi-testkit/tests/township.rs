//! The kit's township on both databases: devices enroll, sync, and every change is stored once.
//! The PostgreSQL test fails where PostgreSQL is missing in CI and is skipped, loudly, elsewhere.

use jiayi_testkit::pg::PgCluster;
use jiayi_testkit::township::{Limits, Township, V1, V2};

fn two_devices_sync(t: &Township) {
    let mut a = t.device("刘医生", &[V1]);
    let mut b = t.device("周医生", &[V1, V2]);
    a.register_households(V1, 3);
    b.register_households(V2, 2);
    a.sync(t).expect("a syncs");
    b.sync(t).expect("b syncs");
    a.sync(t).expect("a pulls b's work");
    t.assert_exactly_once(&[&a, &b]);
    assert_eq!(
        t.stored_of(a.id()).len(),
        9,
        "three households of three changes"
    );
}

#[test]
fn a_township_on_sqlite_takes_every_change_once() {
    let t = Township::sqlite(Limits::default());
    assert!(t.base().starts_with("http://127.0.0.1:"));
    two_devices_sync(&t);
}

#[test]
fn a_township_on_postgresql_takes_every_change_once() {
    let Some(pg) = PgCluster::start() else {
        return;
    };
    let t = Township::on(&pg.database("kit_township"), Limits::default());
    two_devices_sync(&t);
}

#[test]
fn a_stopped_township_serves_again_on_the_same_file() {
    let mut t = Township::sqlite(Limits::default());
    let mut a = t.device("刘医生", &[V1]);
    a.register_households(V1, 1);
    a.sync(&t).expect("first round");
    t.stop();
    t.start();
    a.register_households(V1, 1);
    a.sync(&t).expect("second round");
    t.assert_exactly_once(&[&a]);
}
