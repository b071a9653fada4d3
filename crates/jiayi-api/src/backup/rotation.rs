//! Which automatic backups to keep: the newest [`KEEP_NEWEST`] (the last hours of work, each a
//! few dozen changes apart) and the newest of each of the last [`KEEP_DAILY_DAYS`] days in the
//! villages' calendar (a mistake noticed days later can still be undone from before it). At
//! most seventeen files: for one village team's store, well under a gigabyte.
//!
//! Only files named `auto-…` are rotated: a copy kept before a restore is never deleted here.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use jiayi_core::time::china_date;

pub const KEEP_NEWEST: usize = 10;
pub const KEEP_DAILY_DAYS: i64 = 7;

/// When an automatic backup was made, from its name (`auto-<time>-<device>.jiayi-backup`).
fn made_at(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix("auto-")?.split('-').next()?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%3fZ")
        .ok()
        .map(|t| t.and_utc())
}

/// The names among `names` to delete at `now`.
pub fn to_delete(names: &[String], now: DateTime<Utc>) -> Vec<String> {
    let mut dated: Vec<(DateTime<Utc>, &String)> = names
        .iter()
        .filter_map(|n| made_at(n).map(|t| (t, n)))
        .collect();
    dated.sort_by(|a, b| b.cmp(a));
    let today = china_date(now);
    let mut days_kept = std::collections::BTreeSet::new();
    let mut delete = Vec::new();
    for (i, (at, name)) in dated.into_iter().enumerate() {
        let day = china_date(at);
        let recent_day = (today - day).num_days() < KEEP_DAILY_DAYS;
        let first_of_day = recent_day && days_kept.insert(day);
        if i >= KEEP_NEWEST && !first_of_day {
            delete.push(name.clone());
        }
    }
    delete
}

/// Deletes what [`to_delete`] chooses in `dir`. A file that cannot be deleted stays; it is
/// chosen again next time.
pub(super) fn rotate(dir: &Path, now: DateTime<Utc>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    for name in to_delete(&names, now) {
        let path: PathBuf = dir.join(name);
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(at: DateTime<Utc>) -> String {
        format!(
            "auto-{}-abcdef12.jiayi-backup",
            at.format("%Y%m%dT%H%M%S%3fZ")
        )
    }

    #[test]
    fn keeps_the_newest_ten_and_one_a_day_for_a_week() {
        let now: DateTime<Utc> = "2026-12-07T08:00:00Z".parse().unwrap();
        // Four backups a day (China time 10:00, 12:00, 14:00, 16:00) for twelve days.
        let mut names = Vec::new();
        for day in 0..12 {
            for hour in [2, 4, 6, 8] {
                let at = now - chrono::Duration::days(day) - chrono::Duration::hours(8 - hour);
                names.push(name(at));
            }
        }
        names.push("before-restore-20261101T000000000Z-abcdef12.jiayi-backup".into());
        names.push("notes.txt".into());
        let deleted = to_delete(&names, now);
        let kept: Vec<&String> = names.iter().filter(|n| !deleted.contains(n)).collect();
        // The newest ten (today's four, yesterday's four, two of the day before), plus the
        // newest of each of the four days after those (7 days in all): 14, and the two others.
        assert_eq!(kept.len(), 14 + 2, "{kept:#?}");
        assert!(kept.iter().any(|n| n.starts_with("before-restore")));
        assert!(kept.contains(&&"notes.txt".to_string()));
        let oldest_day = now - chrono::Duration::days(6);
        assert!(
            kept.contains(&&name(oldest_day)),
            "the newest of the seventh day"
        );
        assert!(
            !kept.contains(&&name(now - chrono::Duration::days(7))),
            "nothing older than a week beyond the newest ten"
        );
    }

    #[test]
    fn few_backups_are_all_kept() {
        let now: DateTime<Utc> = "2026-12-07T08:00:00Z".parse().unwrap();
        let names: Vec<String> = (0..10)
            .map(|d| name(now - chrono::Duration::days(30 * d)))
            .collect();
        assert!(to_delete(&names, now).is_empty());
    }
}
