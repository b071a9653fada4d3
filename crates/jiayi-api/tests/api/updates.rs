//! A newer app hosted by the township reaching a device through a real sync round: offered only
//! to a device that says it runs an older version on the same platform, kept through reopening
//! the store, and gone once the device runs the new version.

use std::sync::Arc;

use jiayi_server::updates::{UpdateShelf, Upload};
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Township, V1};
use jiayi_testkit::updates::{SigningKey, build_deb};

use crate::sync::Device;

#[test]
fn a_hosted_newer_version_reaches_the_device_at_sync_and_stays_until_it_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(&tmp.path().join("county"));
    let deb = build_deb(tmp.path(), "0.2.0", "amd64");
    let sig = key.sign(&deb);
    let shelf = UpdateShelf::open(&tmp.path().join("updates"), &key.public_key).unwrap();
    shelf
        .add(
            Upload {
                name: "jiayi-desktop_0.2.0_amd64.deb",
                bytes: &std::fs::read(&deb).unwrap(),
                signature: Some(&std::fs::read_to_string(&sig).unwrap()),
                notes: "随访表单更快",
                version: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();
    let mut t = Township::sqlite(Limits::default());
    t.stop();
    t.updates = Some(Arc::new(shelf));
    t.start();

    // An app that does not say its version (an older build) is offered nothing.
    let mut device = Device::new(&t, "刘医生", &[V1]);
    device.sync().unwrap();
    assert_eq!(device.api.update_offer().unwrap(), None);

    // Another platform: nothing either.
    device
        .api
        .set_app_release("0.1.0", "windows-x86_64")
        .unwrap();
    device.sync().unwrap();
    assert_eq!(device.api.update_offer().unwrap(), None);

    device.api.set_app_release("0.1.0", "linux-x86_64").unwrap();
    device.sync().unwrap();
    let offer = device
        .api
        .update_offer()
        .unwrap()
        .expect("0.2.0 is offered");
    assert_eq!(offer.version, "0.2.0");
    assert_eq!(offer.notes, "随访表单更快");
    assert_eq!(offer.size, std::fs::metadata(&deb).unwrap().len());

    device.reopen(|_| {});
    assert_eq!(
        device.api.update_offer().unwrap().map(|o| o.version),
        Some("0.2.0".into()),
        "the offer is shown after the app restarts"
    );

    // Installed: the app now runs 0.2.0 and the next round clears the offer.
    device.api.set_app_release("0.2.0", "linux-x86_64").unwrap();
    device.sync().unwrap();
    assert_eq!(device.api.update_offer().unwrap(), None);
}
