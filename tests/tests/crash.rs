//! A writer killed in the middle of its work leaves a consistent database and loses nothing
//! it had committed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiayi_store::Store;
use uuid::Uuid;

#[test]
fn a_killed_writer_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite3");
    let mut total_confirmed = 0;
    // Several rounds, each killed after a different number of commits, on the same file.
    for (round, kill_after) in [3usize, 17, 41, 96].into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi-test-writer"))
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut confirmed: Vec<Uuid> = Vec::new();
        let started = Instant::now();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            confirmed.push(Uuid::parse_str(line.trim()).unwrap());
            if confirmed.len() >= kill_after || started.elapsed() > Duration::from_secs(60) {
                break;
            }
        }
        // SIGKILL: no destructor, no checkpoint, mid-transaction most likely.
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            confirmed.len() >= kill_after,
            "round {round}: the writer stopped early"
        );

        let store = Store::open(&db).unwrap();
        assert!(
            store.integrity_ok().unwrap(),
            "round {round}: the file is consistent"
        );
        for id in &confirmed {
            let household = store
                .household(*id)
                .unwrap_or_else(|e| panic!("round {round}: committed household {id} lost: {e}"));
            assert_eq!(
                household.members.len(),
                2,
                "round {round}: a household is whole or absent"
            );
        }
        total_confirmed += confirmed.len();
        let households = store.household_count().unwrap() as usize;
        assert!(
            households >= total_confirmed,
            "round {round}: {households} < {total_confirmed}"
        );
        // Every stored record has its outbox row: what is committed will be synced.
        let pending = store.pending_changes(0, 1_000_000).unwrap();
        let households_in_outbox = pending
            .iter()
            .filter(|c| c.entity == jiayi_core::change::Entity::Household)
            .count();
        let residents_in_outbox = pending
            .iter()
            .filter(|c| c.entity == jiayi_core::change::Entity::Resident)
            .count();
        assert_eq!(households_in_outbox, households, "round {round}");
        assert_eq!(
            residents_in_outbox,
            store.resident_count().unwrap() as usize,
            "round {round}"
        );
    }
}
