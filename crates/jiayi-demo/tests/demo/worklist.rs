//! The whole township's work list planned from the contracts read once equals the same list
//! planned with each contract and its members queried: on a township with two years of
//! history (renewals, amendments, births, deaths, moves), on several days.

use chrono::NaiveDate;
use jiayi_api::Api;
use jiayi_core::Lang;
use jiayi_demo::{DemoSize, build_demo};
use jiayi_store::Store;

/// The list in a fixed order (the planning order of contracts is not part of its meaning).
fn sorted<T: serde::Serialize>(items: &[T]) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn the_township_work_planned_from_contracts_read_once_matches_the_queried_one() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut api = Api::new(Store::open_in_memory().unwrap(), Lang::Zh);
    let summary = build_demo(&mut api, 2026, DemoSize::SMALL, today).unwrap();
    assert!(summary.births + summary.deaths > 0, "{summary:?}");
    let store = api.store();
    let contracts = store.all_contracts().unwrap();
    let mut compared = 0;
    for back in [0, 45, 200, 400] {
        let day = today - chrono::Days::new(back);
        let queried = store.coverage_by_year_on(day, None).unwrap();
        let among = store.coverage_by_year_among(day, &contracts).unwrap();
        assert_eq!(queried, among, "the year's coverage on {day}");
        let one_by_one = store.work_covered(day, None, 14, &queried).unwrap();
        let from_read = store.work_among(day, 14, &among, &contracts).unwrap();
        assert!(!one_by_one.is_empty(), "nothing owed on {day}");
        assert_eq!(sorted(&one_by_one), sorted(&from_read), "the work on {day}");
        compared += one_by_one.len();
    }
    assert!(compared > 100, "{compared} items compared");
}
