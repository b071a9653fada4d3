//! Registration warns before saving a name that cannot be printed, and saves it when the
//! doctor confirms; names the fallback font prints are saved without a warning.

use jiayi_api::{Api, RegisterRequest};
use jiayi_core::Lang;
use jiayi_core::household::{HouseholdInput, ResidentInput};
use jiayi_core::person::Relation;

fn request(names: &[&str], confirm: bool) -> RegisterRequest {
    RegisterRequest {
        household: HouseholdInput {
            village: "东庄村".into(),
            group: "一组".into(),
            address: "东庄村一组900号".into(),
            members: names
                .iter()
                .enumerate()
                .map(|(i, name)| ResidentInput {
                    name: name.to_string(),
                    relation: Some(if i == 0 {
                        Relation::Head
                    } else {
                        Relation::Child
                    }),
                    sex: Some(jiayi_core::person::Sex::Female),
                    birth_date: Some(format!("19{}0-01-01", 5 + i)),
                    ..Default::default()
                })
                .collect(),
        },
        confirm_duplicates: confirm,
    }
}

#[test]
fn a_name_no_font_prints_is_warned_about_then_saved_when_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::open(dir.path().join("d.sqlite3"), Lang::Zh).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    jiayi_demo::build_demo(&mut api, 7, jiayi_demo::DemoSize::SMALL, today).unwrap();

    // Ext A, Ext B and the 通用规范汉字表 beyond it print in the fallback: no warning.
    let out = api
        .register_household(&request(&["刘䶮", "王𬌗明", "𠮷田花"], false))
        .unwrap();
    assert!(out.saved, "{out:?}");
    assert!(out.unprintable.is_empty());
    assert!(!api.search_page("刘䶮", 20).unwrap().hits.is_empty());

    // A character no font has: a warning naming the member, nothing saved.
    let names = ["张三", "李\u{1F600}花"];
    let out = api.register_household(&request(&names, false)).unwrap();
    assert!(!out.saved && out.household_id.is_none());
    assert_eq!(out.unprintable.len(), 1);
    let warning = &out.unprintable[0];
    assert_eq!(warning.member_index, 1);
    assert_eq!(warning.characters, vec!["[U+1F600]".to_string()]);
    assert!(warning.message.contains("[U+1F600]"), "{}", warning.message);
    assert!(
        api.search_page("李\u{1F600}花", 20)
            .unwrap()
            .hits
            .is_empty()
    );

    // Confirmed: saved, the warning still reported.
    let out = api.register_household(&request(&names, true)).unwrap();
    assert!(out.saved);
    assert_eq!(out.unprintable.len(), 1);
}
