//! Search on the demo township: ü readings, polyphonic characters, namesakes past the page, and
//! keys made again after the rules change. Test residents are registered through the API.

use chrono::NaiveDate;
use jiayi_api::{Api, RegisterRequest};
use jiayi_core::Lang;
use jiayi_core::household::{HouseholdInput, ResidentInput};
use jiayi_core::id_number::compose;
use jiayi_core::person::Relation;
use jiayi_demo::{DemoSize, build_demo};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn demo(dir: &std::path::Path) -> (Api, std::path::PathBuf) {
    let path = dir.join("demo.sqlite3");
    let mut api = Api::open(&path, Lang::Zh).unwrap();
    build_demo(&mut api, 2026, DemoSize::SMALL, today()).unwrap();
    (api, path)
}

/// Registers one household per name, each its head with its own ID number.
fn register(api: &mut Api, names: &[&str], serial: u16) {
    for (n, name) in names.iter().enumerate() {
        let n = n as u16;
        let born =
            NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(u64::from(n) * 37);
        let household = HouseholdInput {
            village: "东庄村".into(),
            group: "一组".into(),
            address: format!("东庄村一组{}号", 500 + serial + n),
            members: vec![ResidentInput {
                name: name.to_string(),
                id_number: Some(compose("140822", born, serial + n)),
                relation: Some(Relation::Head),
                ..Default::default()
            }],
        };
        let outcome = api
            .register_household(&RegisterRequest {
                household,
                confirm_duplicates: true,
            })
            .unwrap();
        assert!(outcome.saved, "{name}");
    }
}

fn names_found(api: &Api, query: &str) -> Vec<String> {
    api.search_page(query, 20)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.name)
        .collect()
}

#[test]
fn u_umlaut_names_are_found_by_v_u_and_umlaut() {
    let dir = tempfile::tempdir().unwrap();
    let (mut api, _) = demo(dir.path());
    register(
        &mut api,
        &["吕秀兰", "李律", "王女娃", "张绿叶", "赵旅"],
        700,
    );
    for query in [
        "lvxiulan",
        "luxiulan",
        "lüxiulan",
        "LÜXIU",
        "lvxiu",
        "lxl",
        "吕秀兰",
        "吕",
    ] {
        let found = names_found(&api, query);
        assert!(found.contains(&"吕秀兰".to_string()), "{query}: {found:?}");
    }
    for (query, name) in [
        ("lilv", "李律"),
        ("lilu", "李律"),
        ("wangnvwa", "王女娃"),
        ("wangnuwa", "王女娃"),
        ("zhanglvye", "张绿叶"),
        ("zhaolv", "赵旅"),
    ] {
        let found = names_found(&api, query);
        assert!(found.contains(&name.to_string()), "{query}: {found:?}");
    }
}

#[test]
fn polyphonic_names_are_found_by_each_reading() {
    let dir = tempfile::tempdir().unwrap();
    let (mut api, _) = demo(dir.path());
    register(
        &mut api,
        &[
            "陈长生",
            "单田芳",
            "解小东",
            "仇海",
            "区志强",
            "朴正",
            "查建英",
            "翟伟",
            "盖丽",
            "覃明",
            "乐平",
            "王重阳",
        ],
        720,
    );
    let table = [
        ("chenchangsheng", "陈长生"),
        ("chenzhangsheng", "陈长生"),
        ("czs", "陈长生"),
        ("shantianfang", "单田芳"),
        ("xiexiaodong", "解小东"),
        ("qiuhai", "仇海"),
        ("ouzhiqiang", "区志强"),
        ("piaozheng", "朴正"),
        ("zhajianying", "查建英"),
        ("zhaiwei", "翟伟"),
        ("geli", "盖丽"),
        ("qinming", "覃明"),
        ("yueping", "乐平"),
        ("wangchongyang", "王重阳"),
        ("wangzhongyang", "王重阳"),
    ];
    for (query, name) in table {
        let found = names_found(&api, query);
        assert!(found.contains(&name.to_string()), "{query}: {found:?}");
    }
}

#[test]
fn namesakes_come_first_all_of_them_with_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let (mut api, _) = demo(dir.path());
    let before = api.search_page("陈华", 500).unwrap();
    let already = before.hits.iter().filter(|h| h.name == "陈华").count();
    // More namesakes than a page holds, and names that begin with the same two characters.
    register(&mut api, &["陈华"; 25], 740);
    register(&mut api, &["陈华明", "陈华英", "陈华强"], 780);
    let page = api.search_page("陈华", 20).unwrap();
    let exact = page.hits.iter().take_while(|h| h.name == "陈华").count();
    assert_eq!(exact, already + 25, "every 陈华 first: {:?}", page.hits);
    assert!(page.hits.len() >= exact);
    assert!(!page.total_capped);
    let all = api.search_page("陈华", 500).unwrap();
    assert_eq!(page.total, all.hits.len() as u64);
    assert_eq!(all.total, all.hits.len() as u64);
    assert!(page.total > page.hits.len() as u64 || page.hits.len() == all.hits.len());
    assert!(all.hits.iter().any(|h| h.name == "陈华明"));

    // A whole ID number is an exact match too, ahead of numbers that begin with it.
    let one = &all.hits[0];
    let number = one.id_number.clone().unwrap();
    let page = api.search_page(&number, 1).unwrap();
    assert_eq!(page.hits[0].id, one.id);

    // A single letter matches much of the township: counted up to the cap, the page is cut.
    let page = api.search_page("z", 20).unwrap();
    assert_eq!(page.hits.len(), 20);
    assert!(page.total > 20, "{}", page.total);
}

#[test]
fn keys_made_by_older_rules_are_made_again_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (mut api, path) = demo(dir.path());
    register(&mut api, &["吕秀兰"], 800);
    drop(api);
    // A store from before: no ü spellings, and no version of the key rules.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "DELETE FROM search_keys WHERE key LIKE 'lv%' OR key LIKE 'lu%'",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM settings WHERE key = 'search_keys_version'", [])
        .unwrap();
    drop(conn);
    let api = Api::open(&path, Lang::Zh).unwrap();
    assert!(names_found(&api, "lvxiulan").contains(&"吕秀兰".to_string()));
    assert!(!names_found(&api, "zhang").is_empty());
}
