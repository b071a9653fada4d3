//! Times the parts of the work list on an existing database: `cargo run --release -p jiayi-demo
//! --example profile_worklist -- DB [YYYY-MM-DD]`.

use std::time::Instant;

use chrono::NaiveDate;
use jiayi_store::Store;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: profile_worklist DB [DATE]");
    let day: NaiveDate = args
        .next()
        .map(|d| d.parse().expect("date"))
        .unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let store = Store::open(&path).expect("open");
    let time = |name: &str, f: &mut dyn FnMut() -> usize| {
        let started = Instant::now();
        let n = f();
        println!(
            "{name:<20} {:>8.1} ms  ({n})",
            started.elapsed().as_secs_f64() * 1e3
        );
    };
    time("all_contracts", &mut || {
        store.all_contracts().unwrap().len()
    });
    time("owed_items", &mut || store.owed_items(day).unwrap().len());
    time("due_on", &mut || store.due_on(day).unwrap().len());
    time("residents_brief", &mut || {
        store.residents_brief().unwrap().len()
    });
    let api = jiayi_api::Api::new(store, jiayi_core::Lang::Zh);
    time("work_list", &mut || {
        api.work_list(Some(day)).unwrap().due.len()
    });
}
