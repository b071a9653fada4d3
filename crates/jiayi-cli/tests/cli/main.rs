//! The `jiayi` binary, run as a script or a person would run it, in one test binary.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod cli;
mod reports;
mod services;
mod unlock;
mod year;

/// Runs `jiayi --db <db> --unencrypted <args>`: a missing store is created plain (these tests
/// read their stores back in the clear); an existing encrypted one still needs its passphrase.
fn jiayi(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiayi"))
        .arg("--db")
        .arg(db)
        .arg("--unencrypted")
        .args(args)
        .output()
        .unwrap()
}

/// The JSON a successful run printed.
fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// `jiayi demo` of the small township (seed 3, on 2026-11-23) into `db`; what it printed.
fn small_demo(db: &Path) -> Value {
    json(&jiayi(
        db,
        &[
            "demo",
            "--size",
            "small",
            "--seed",
            "3",
            "--date",
            "2026-11-23",
            "--json",
        ],
    ))
}
