//! The change log's high-water mark kept outside the database, in a small file beside it, so a
//! server started on a restored (older) copy of its database notices that its log ends before
//! cursors it has already handed out, and takes a new epoch: every device then uploads what the
//! copy lacks and pulls again from the start, whether or not an operator runs `new-epoch`.
//!
//! The mark is written before each push commits, so it is never behind what a device may have
//! pulled. A push whose commit then fails leaves it ahead: the next start takes a new epoch it
//! did not need, which costs a full pull and loses nothing.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, ServerError};

/// What the file holds: the epoch and the highest cursor the log had under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMark {
    pub epoch: Uuid,
    pub high_water: u64,
}

pub struct LogWatch {
    path: PathBuf,
    /// The mark last written (no write when a push does not move it).
    last: Mutex<Option<LogMark>>,
}

impl LogWatch {
    /// The watch of the database file at `db_path`: `<file>.log-mark` beside it. None for an
    /// in-memory database.
    pub fn beside(db_path: &str) -> Option<LogWatch> {
        if db_path.is_empty() || db_path == ":memory:" || db_path.starts_with("file::memory:") {
            return None;
        }
        let mut name = Path::new(db_path).as_os_str().to_owned();
        name.push(".log-mark");
        Some(LogWatch {
            path: PathBuf::from(name),
            last: Mutex::new(None),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mark in the file, if there is one.
    pub fn read(&self) -> Result<Option<LogMark>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ServerError::Io(e)),
        }
    }

    /// Writes the mark (a new file renamed over the old one, so it is never half written).
    pub fn record(&self, mark: LogMark) -> Result<()> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if *last == Some(mark) {
            return Ok(());
        }
        let mut tmp = self.path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, serde_json::to_vec(&mark)?).map_err(ServerError::Io)?;
        std::fs::rename(&tmp, &self.path).map_err(ServerError::Io)?;
        *last = Some(mark);
        Ok(())
    }
}

/// Whether a database whose log ends at `high_water` under `epoch` is an older copy than the
/// one the mark was written for: same epoch, and cursors handed out beyond its log.
pub fn restored(mark: Option<LogMark>, epoch: Uuid, high_water: u64) -> bool {
    mark.is_some_and(|m| m.epoch == epoch && m.high_water > high_water)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_behind_the_mark_of_its_own_epoch_is_a_restored_copy() {
        let e = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        let mark = |high_water| {
            Some(LogMark {
                epoch: e,
                high_water,
            })
        };
        let cases = [
            ("no_mark_yet", None, e, 10, false),
            ("same", mark(10), e, 10, false),
            ("grown_past_a_mark_left_behind", mark(10), e, 12, false),
            ("behind", mark(10), e, 9, true),
            ("another_epoch", mark(10), other, 3, false),
        ];
        for (name, m, epoch, hw, expected) in cases {
            assert_eq!(restored(m, epoch, hw), expected, "case {name}");
        }
    }

    #[test]
    fn the_mark_is_written_beside_the_file_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("township.db");
        let watch = LogWatch::beside(db.to_str().unwrap()).unwrap();
        assert_eq!(watch.read().unwrap(), None);
        let m = LogMark {
            epoch: Uuid::from_u128(3),
            high_water: 42,
        };
        watch.record(m).unwrap();
        assert_eq!(watch.read().unwrap(), Some(m));
        assert!(LogWatch::beside(":memory:").is_none());
    }
}
