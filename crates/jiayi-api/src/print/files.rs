//! The printed files: kept in the data folder's `prints/` (owner-only, never a temporary
//! folder, which other accounts of the laptop may read and which outlives no reboot anyway),
//! and removed once older than [`PRINTS_KEPT_DAYS`]. The shell cleans the folder at every
//! unlock: a file is there to be printed or opened again the same week, not kept, since the
//! store already holds everything it shows.

use std::path::Path;
use std::time::{Duration, SystemTime};

use jiayi_core::Lang;

use crate::{ApiError, ApiResult};

/// Days a printed file stays in `prints/`.
pub const PRINTS_KEPT_DAYS: u64 = 7;

/// Creates the prints folder, readable by its owner alone.
pub fn prepare_prints_dir(dir: &Path, lang: Lang) -> ApiResult<()> {
    jiayi_store::platform::create_private_dir(dir).map_err(|e| folder_error(dir, e, lang))
}

/// Removes printed files older than [`PRINTS_KEPT_DAYS`] as of `now`; returns how many.
pub fn clean_prints(dir: &Path, now: SystemTime, lang: Lang) -> ApiResult<usize> {
    let cutoff = now
        .checked_sub(Duration::from_secs(PRINTS_KEPT_DAYS * 24 * 3600))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    jiayi_store::platform::remove_files_older_than(dir, cutoff)
        .map_err(|e| folder_error(dir, e, lang))
}

fn folder_error(dir: &Path, e: std::io::Error, lang: Lang) -> ApiError {
    ApiError::invalid(
        "write_failed",
        &format!("无法使用打印文件夹 {}：{e}", dir.display()),
        &format!("cannot use the prints folder {}: {e}", dir.display()),
    )
    .localised(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_old_print_is_removed_and_a_fresh_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let prints = dir.path().join("prints");
        prepare_prints_dir(&prints, Lang::Zh).unwrap();
        std::fs::write(prints.join("agreement-1.pdf"), b"%PDF-").unwrap();
        let now = SystemTime::now();
        assert_eq!(clean_prints(&prints, now, Lang::Zh).unwrap(), 0, "fresh");
        let later = now + Duration::from_secs(PRINTS_KEPT_DAYS * 24 * 3600 + 60);
        assert_eq!(
            clean_prints(&prints, later, Lang::Zh).unwrap(),
            1,
            "a week on"
        );
        assert!(!prints.join("agreement-1.pdf").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&prints).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
    }
}
