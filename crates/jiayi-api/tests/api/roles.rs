//! What a device offers by the role the township enrolled it with: a doctor's laptop is refused
//! the township's tools (targets, rosters), a team leader's is not, a store never enrolled shows
//! everything; its own villages come first; its 登记码 and new agreement numbers are short codes.

use jiayi_api::{Api, ExportKind, ReportRequest};
use jiayi_core::Lang;
use jiayi_core::indicators::Targets;
use jiayi_core::role::{DeviceRole, TownshipTool};
use jiayi_core::short_code;
use jiayi_store::Store;
use jiayi_testkit::township::{Limits, Township, V1, V2};
use uuid::Uuid;

use crate::sync::{register, sign, store_at};

/// A device enrolled with `role` for `villages`, through the API as the app does it.
fn enrolled(t: &Township, role: DeviceRole, villages: &[Uuid]) -> (Api, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("jiayi.sqlite3"));
    let token = t
        .enroll_device_as(
            store.device_id(),
            "刘医生",
            "东庄村家庭医生团队",
            role,
            villages,
        )
        .token;
    let mut api = Api::new(store, Lang::Zh);
    api.enroll_device(&t.base(), &token).unwrap();
    (api, dir)
}

fn targets() -> Targets {
    Targets {
        signing: Some(0.6),
        ..Targets::default()
    }
}

fn year() -> ReportRequest {
    ReportRequest {
        period: Some("2026".into()),
        ..ReportRequest::default()
    }
}

#[test]
fn a_doctors_laptop_is_refused_the_townships_tools_in_chinese_even_after_forgetting() {
    let t = Township::sqlite(Limits::default());
    let (mut api, dir) = enrolled(&t, DeviceRole::Doctor, &[V1]);

    let tools = api.device_tools().unwrap();
    assert_eq!(tools.role, Some(DeviceRole::Doctor));
    assert!(tools.tools.is_empty() && !tools.all_shown, "{tools:?}");
    assert_eq!(tools.exports, vec![ExportKind::Report]);
    assert_eq!(tools.label, "村医用机");
    assert_eq!(
        api.status().unwrap().tools,
        tools,
        "the header reads the same"
    );

    let refused = api.set_indicator_targets(&targets()).unwrap_err();
    assert_eq!(refused.code, "not_for_this_device");
    assert!(
        refused.message.contains("设置乡镇考核目标") && refused.message.contains("团队长"),
        "{}",
        refused.message
    );
    assert_eq!(
        api.indicator_targets().unwrap(),
        Targets::default(),
        "nothing was kept"
    );
    for kind in [ExportKind::Signed, ExportKind::Unsigned, ExportKind::Audit] {
        let refused = api.export_xlsx_into(kind, &year(), dir.path()).unwrap_err();
        assert_eq!(refused.code, "not_for_this_device", "{kind:?}");
        assert!(
            refused.message.contains("导出乡镇名册"),
            "{}",
            refused.message
        );
    }
    let roster = dir.path().join("signed.xlsx");
    assert_eq!(
        api.export_roster_xlsx(&year(), true, &roster)
            .unwrap_err()
            .code,
        "not_for_this_device"
    );
    assert!(!roster.exists(), "no file written");
    let report = api
        .export_xlsx_into(ExportKind::Report, &year(), dir.path())
        .unwrap();
    assert!(
        report.path.exists(),
        "the doctor's own report is still written"
    );

    // Forgetting the enrollment gives no tools back.
    assert!(api.forget_enrollment().unwrap());
    assert_eq!(
        api.set_indicator_targets(&targets()).unwrap_err().code,
        "not_for_this_device"
    );
}

#[test]
fn a_team_leaders_device_sets_targets_and_exports_rosters() {
    let t = Township::sqlite(Limits::default());
    let (mut api, dir) = enrolled(&t, DeviceRole::TeamLeader, &[V1]);
    let tools = api.device_tools().unwrap();
    assert_eq!(tools.role, Some(DeviceRole::TeamLeader));
    assert_eq!(tools.tools, TownshipTool::ALL.to_vec());
    assert_eq!(tools.exports, ExportKind::ALL.to_vec());
    assert_eq!(api.set_indicator_targets(&targets()).unwrap(), targets());
    assert_eq!(api.indicator_targets().unwrap(), targets());
    for kind in ExportKind::ALL {
        api.export_xlsx_into(kind, &year(), dir.path()).unwrap();
    }
    // A sync keeps the role the server names.
    api.sync_now(&|_| {}).unwrap();
    assert_eq!(
        api.device_tools().unwrap().role,
        Some(DeviceRole::TeamLeader)
    );
}

#[test]
fn a_store_never_enrolled_and_a_fresh_demo_show_everything_marked() {
    let mut api = Api::new(Store::open_in_memory().unwrap(), Lang::Zh);
    let tools = api.device_tools().unwrap();
    assert_eq!(tools.role, None);
    assert!(tools.all_shown);
    assert_eq!(tools.label, "未接入：显示全部工具");
    assert_eq!(tools.tools, TownshipTool::ALL.to_vec());
    api.set_indicator_targets(&targets()).unwrap();
    api.mark_demo().unwrap();
    let tools = api.device_tools().unwrap();
    assert!(
        tools.all_shown && tools.label.starts_with("演示"),
        "{tools:?}"
    );
}

#[test]
fn the_devices_own_villages_come_first() {
    let t = Township::sqlite(Limits::default());
    let (api, dir) = enrolled(&t, DeviceRole::Doctor, &[V2]);
    let names: Vec<String> = api
        .villages()
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["西庄村", "东庄村"], "its own village first");
    assert_eq!(api.device_tools().unwrap().own_villages, vec![V2]);
    let unenrolled = Api::new(store_at(&dir.path().join("other.sqlite3")), Lang::Zh);
    let names: Vec<String> = unenrolled
        .villages()
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(
        names,
        ["东庄村", "西庄村"],
        "the register's order otherwise"
    );
}

#[test]
fn the_enrollment_code_and_new_agreement_numbers_read_aloud() {
    let t = Township::sqlite(Limits::default());
    let (mut api, _dir) = enrolled(&t, DeviceRole::Doctor, &[V1]);
    let device = api.store().device_id();
    let code = api.sync_settings().unwrap().device_code;
    assert_eq!(code, short_code::device_code(device));
    assert_eq!(
        short_code::names_device(&code.to_lowercase(), device),
        Ok(true)
    );
    let (household, members) = register(&mut api, "东庄村", 1);
    let contract = sign(&mut api, household, &members);
    let number = api
        .household(household)
        .unwrap()
        .contracts
        .into_iter()
        .find(|c| c.id == contract)
        .unwrap()
        .agreement_number;
    assert!(
        number.ends_with(&format!("-{code}-00001")),
        "{number} carries the device's code"
    );
}
