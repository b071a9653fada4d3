//! Times the parts of the work list on an existing database: `cargo run --release -p jiayi-demo
//! --example profile_worklist -- DB [YYYY-MM-DD] [RUNS]`. An encrypted database is opened with
//! the passphrase in `JIAYI_PASSPHRASE` (the key file beside it); `JIAYI_CACHE_KIB` caps the
//! connection's page cache; `JIAYI_FIRST=work_list` times only a first whole work list on the
//! fresh connection. Resident memory is printed after each step (Linux).

use std::time::Instant;

use chrono::NaiveDate;
use jiayi_store::{DbFile, KeyFile};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().expect("usage: profile_worklist DB [DATE]"));
    let day: NaiveDate = args
        .next()
        .map(|d| d.parse().expect("date"))
        .unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let runs: usize = args.next().map(|n| n.parse().expect("runs")).unwrap_or(1);
    let db = match std::env::var("JIAYI_PASSPHRASE") {
        Ok(passphrase) => {
            let key_file = KeyFile::load(&path)
                .expect("key file")
                .expect("no key file");
            let key = key_file
                .unlock(&passphrase)
                .expect("unlock")
                .expect("wrong passphrase");
            DbFile::encrypted(&path, key)
        }
        Err(_) => DbFile::plain(&path),
    };
    let started = Instant::now();
    let store = db.open().expect("open");
    println!(
        "open                 {:>8.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    if let Ok(kib) = std::env::var("JIAYI_CACHE_KIB") {
        store
            .set_cache_kib(kib.parse().expect("JIAYI_CACHE_KIB"))
            .expect("cache");
    }
    let time = |name: &str, f: &mut dyn FnMut() -> usize| {
        let started = Instant::now();
        let n = f();
        println!(
            "{name:<20} {:>8.1} ms  ({n})  rss {} MiB",
            started.elapsed().as_secs_f64() * 1e3,
            resident_mib()
        );
    };
    // `JIAYI_FIRST=work_list`: the whole work list first, on a connection that has read
    // nothing yet, as the app reads it after an unlock (then the process ends).
    if std::env::var("JIAYI_FIRST").as_deref() == Ok("work_list") {
        let api = jiayi_api::Api::new(store, jiayi_core::Lang::Zh);
        time("first work_list", &mut || {
            api.work_list(Some(day)).unwrap().household_count
        });
        return;
    }
    time("all_contracts", &mut || {
        store.all_contracts().unwrap().len()
    });
    time("owed_items", &mut || store.owed_items(day).unwrap().len());
    time("work_of", &mut || {
        store.work_of(day, None, 14).unwrap().len()
    });
    time("coverage_by_year_on", &mut || {
        store.coverage_by_year_on(day, None).unwrap().len()
    });
    time("all_group_periods", &mut || {
        store.all_group_periods().unwrap().len()
    });
    time("membership_events", &mut || {
        store.all_membership_events().unwrap().len()
    });
    time("residents_brief", &mut || {
        store.residents_brief().unwrap().len()
    });
    time("household_lines", &mut || {
        store.household_lines().unwrap().len()
    });
    // Digests of what the lists say, to compare two builds on the same file.
    let mut households: Vec<uuid::Uuid> = store.household_lines().unwrap().into_keys().collect();
    households.sort();
    let mut each = std::hash::DefaultHasher::new();
    time("households' own", &mut || {
        let mut items = 0;
        for h in households.iter().step_by(25) {
            let due = store.work_of(day, Some(*h), 14).unwrap();
            items += due.len();
            std::hash::Hash::hash(&serde_json::to_string(&due).unwrap(), &mut each);
        }
        items
    });
    println!(
        "digest of households' own lists: {:016x}",
        std::hash::Hasher::finish(&each)
    );
    let api = jiayi_api::Api::new(store, jiayi_core::Lang::Zh);
    let list = api.work_list(Some(day)).unwrap();
    let mut whole = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&serde_json::to_string(&list).unwrap(), &mut whole);
    println!(
        "digest of the work list: {:016x} ({} households, {} renewals, {} unsigned)",
        std::hash::Hasher::finish(&whole),
        list.household_count,
        list.renewal_count,
        list.unsigned_priority_count
    );
    for _ in 0..runs {
        time("work_list", &mut || {
            api.work_list(Some(day)).unwrap().due.len()
        });
    }
    // The desktop app's side connections, as it opens them at unlock: `JIAYI_SIDE=eager` as
    // before (search and reports with the default cache, the dataset read after the first work
    // list), `lazy` as now (search with 8 MiB, no reports connection until a report).
    match std::env::var("JIAYI_SIDE").as_deref() {
        Ok("eager") => {
            let reader = db.open().expect("reader");
            time("search connection", &mut || {
                for probe in ["w", "z", "l", "1", "张"] {
                    let _ = reader.search_residents(probe, 1);
                }
                0
            });
            let reports = jiayi_api::Api::new(db.open().expect("reports"), jiayi_core::Lang::Zh);
            time("reports dataset", &mut || {
                reports.indicator_dataset().unwrap().visits.len()
            });
            std::mem::forget((reader, reports));
        }
        Ok("lazy") => {
            let reader = db.open().expect("reader");
            reader.set_cache_kib(8 * 1024).expect("cache");
            time("search connection", &mut || {
                for probe in ["w", "z", "l", "1", "张"] {
                    let _ = reader.search_residents(probe, 1);
                }
                0
            });
            std::mem::forget(reader);
        }
        _ => {}
    }
}

/// This process's resident memory in MiB (0 where /proc is not there).
fn resident_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
