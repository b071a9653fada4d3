//! Benchmarks at the demo township's size (21 villages, 6,480 households, 26,990 residents).
//!
//! Run with `cargo bench -p jiayi-demo --bench township`. It builds the demo into a temporary
//! file (timed), measures the raw SQLite insert rate on the same disk for comparison, then
//! times search as you type, the work list and single writes, on the plain file and on an
//! encrypted copy (SQLCipher), to show what encryption costs. Every loop is bounded.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jiayi_api::{Api, RegisterRequest};
use jiayi_core::Lang;
use jiayi_core::household::{HouseholdInput, ResidentInput};
use jiayi_core::id_number::compose;
use jiayi_core::person::Relation;
use jiayi_demo::{DemoSize, build_demo};
use jiayi_store::{DbFile, KdfParams, KeyFile};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<34} n={:<5} p50={:>8.3} ms  p95={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.95).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn raw_insert_rate(dir: &std::path::Path) -> f64 {
    let conn = rusqlite::Connection::open(dir.join("raw.sqlite3")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute(
        "CREATE TABLE t (id TEXT PRIMARY KEY, payload TEXT NOT NULL)",
        [],
    )
    .unwrap();
    let rows = 100_000;
    let started = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut stmt = conn
            .prepare("INSERT INTO t (id, payload) VALUES (?1, ?2)")
            .unwrap();
        for i in 0..rows {
            stmt.execute(rusqlite::params![format!("{i:036}"), "x".repeat(200)])
                .unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    rows as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    println!(
        "raw SQLite insert rate (one transaction, 200-byte rows): {:.0} rows/s",
        raw_insert_rate(dir.path())
    );

    let path = dir.path().join("demo.sqlite3");
    let mut api = Api::open(&path, Lang::Zh).unwrap();
    let summary = build_demo(&mut api, 2026, DemoSize::FULL, today).unwrap();
    println!(
        "demo township built in {:.1} s: {} households, {} residents, {} contracts, {} visits",
        summary.seconds, summary.households, summary.residents, summary.contracts, summary.visits
    );
    drop(api);
    println!(
        "database file: {:.1} MB",
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6
    );

    // The same township encrypted: a copy encrypted in place, as an old store is on upgrade.
    let encrypted_path = dir.path().join("demo-encrypted.sqlite3");
    std::fs::copy(&path, &encrypted_path).unwrap();
    let started = Instant::now();
    let (key_file, key) = KeyFile::create("青山镇卫生院演示口令", KdfParams::default()).unwrap();
    println!(
        "key derivation (Argon2id, 64 MiB, 3 passes): {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let started = Instant::now();
    assert!(key_file.unlock("青山镇卫生院演示口令").unwrap().is_some());
    println!(
        "unlock check (the same derivation again): {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let started = Instant::now();
    jiayi_store::crypt::encrypt_in_place(&encrypted_path, &key).unwrap();
    println!(
        "encrypting the demo township in place: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    measure("plain", &DbFile::plain(&path), today, 0);
    measure(
        "encrypted",
        &DbFile::encrypted(&encrypted_path, key),
        today,
        100,
    );
}

/// Opening, search as you type, the work list and single durable writes on one store.
fn measure(label: &str, db: &DbFile, today: NaiveDate, seq_offset: u16) {
    let started = Instant::now();
    let store = db.open().unwrap();
    println!(
        "[{label}] open (migrations checked): {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    // Queries as a doctor types them: growing prefixes of real names, pinyin, numbers.
    let residents = store.residents_brief().unwrap();
    let mut queries: Vec<String> = Vec::new();
    for (i, r) in residents.iter().step_by(97).take(300).enumerate() {
        let chars: Vec<char> = r.name.chars().collect();
        queries.push(chars[..1].iter().collect());
        queries.push(chars[..2.min(chars.len())].iter().collect());
        queries.push(r.name.clone());
        let initials = jiayi_core::search_keys::name_keys(&r.name)
            .into_iter()
            .find(|k| k.is_ascii() && k.len() == chars.len())
            .unwrap_or_else(|| "w".into());
        queries.push(initials);
        queries.push(["z", "zh", "zha", "zhang", "wang", "li", "liu", "ch"][i % 8].to_string());
        queries.push(["1408", "140822", "1408221960", "138", "1391", "18"][i % 6].to_string());
    }
    let mut samples = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    for q in &queries {
        let started = Instant::now();
        found += store.search_residents(q, 20).unwrap().len();
        samples.push(started.elapsed());
    }
    assert!(found > 0);
    report(
        &format!("[{label}] search as you type (20 results)"),
        samples,
    );

    let mut api = Api::new(store, Lang::Zh);
    let mut samples = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let list = api.work_list(Some(today)).unwrap();
        samples.push(started.elapsed());
        assert!(!list.due.is_empty());
    }
    report(&format!("[{label}] work list (whole township)"), samples);

    let mut samples = Vec::new();
    for n in 0..200u16 {
        let born = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Days::new(u64::from(n));
        let household = HouseholdInput {
            village: "东庄村".into(),
            group: "一组".into(),
            address: format!("东庄村一组{n}号"),
            members: vec![ResidentInput {
                name: format!("测试{label}{n}"),
                id_number: Some(compose("140822", born, 800 + n % 99 + seq_offset)),
                relation: Some(Relation::Head),
                ..Default::default()
            }],
        };
        let started = Instant::now();
        api.register_household(&RegisterRequest {
            household,
            confirm_duplicates: true,
        })
        .unwrap();
        samples.push(started.elapsed());
    }
    report(
        &format!("[{label}] register a household (durable)"),
        samples,
    );
}
