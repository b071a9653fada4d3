//! What differs between Linux (Debian, UOS, Kylin) and Windows for the device's files, in one
//! place; the rest of the device side uses these and never asks which system it runs on.
//!
//! - A private folder: on Linux the data folder is made readable by its owner alone (0700), as
//!   a shared laptop's other accounts have no business listing the doctor's files. On Windows
//!   the folder lives in the user's profile (`%APPDATA%`), whose access list already keeps other
//!   accounts out; nothing is changed there.
//! - A whole file: written under a temporary name of its own beside it (unique to the process
//!   and the write, so two writers at once never share one), flushed, then renamed over the old
//!   one. On Linux the folder is flushed too, so that the rename itself survives a power cut.
//!   On Windows a rename over a file that an antivirus scanner or the search indexer holds open
//!   for a moment fails with "access denied": it is tried again for a short while before the
//!   error is given. (A file a person keeps open, say a workbook in Excel, still fails, with
//!   the error the caller turns into a message.)
//! - An exclusive lock on a file, for a rewrite that must not interleave with another
//!   process's: the standard library's `File::lock`, which is `flock` on Linux and `LockFileEx`
//!   on Windows. Both are released when the holder's file is closed, so a killed process
//!   leaves no lock behind.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Creates `dir` (and its parents) and makes it private to the current user where the system
/// needs that said.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    restrict_to_owner(dir)
}

/// Writes `bytes` to `path` whole or not at all: a reader sees the old file or the new one,
/// never half of one. The temporary file is `<path>.<process>-<n>.part`, this write's own; a
/// failed write removes it.
pub fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_whole_as(path, bytes, false)
}

/// [`write_whole`] for a file only its owner may read (printed documents with names and ID
/// numbers): on Linux the file is created 0600; on Windows the profile's folder keeps others
/// out already.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_whole_as(path, bytes, true)
}

/// Removes the files (not folders) in `dir` last written before `cutoff`; returns how many.
/// A missing folder has nothing to remove.
pub fn remove_files_older_than(dir: &Path, cutoff: std::time::SystemTime) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() && meta.modified()? < cutoff {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn write_whole_as(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    let tmp = part_path(path);
    let written = (|| {
        let mut file = create_file(&tmp, private)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    replace(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Renames `from` over `to` (both in one folder), the way this system makes that reliable.
pub fn replace(from: &Path, to: &Path) -> io::Result<()> {
    rename_retrying(from, to)?;
    sync_parent(to)
}

fn part_path(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}-{n}.part", std::process::id()));
    PathBuf::from(name)
}

/// An exclusive lock on a file, held until this is dropped.
#[derive(Debug)]
pub struct ExclusiveLock {
    _file: fs::File,
}

/// Takes the exclusive lock on `path` (created empty, owner-only, if missing), waiting while
/// another process or another handle in this one holds it.
pub fn lock_exclusive(path: &Path) -> io::Result<ExclusiveLock> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    file.lock()?;
    Ok(ExclusiveLock { _file: file })
}

#[cfg(unix)]
fn create_file(path: &Path, private: bool) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if private {
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(not(unix))]
fn create_file(path: &Path, _private: bool) -> io::Result<fs::File> {
    fs::File::create(path)
}

#[cfg(unix)]
fn restrict_to_owner(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn restrict_to_owner(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::File::open(parent)?.sync_all()
}

#[cfg(not(unix))]
fn sync_parent(_path: &Path) -> io::Result<()> {
    // Windows cannot open a folder as a file to flush it; NTFS journals the rename itself.
    Ok(())
}

#[cfg(windows)]
fn rename_retrying(from: &Path, to: &Path) -> io::Result<()> {
    use std::time::Duration;
    let mut attempts = 0;
    loop {
        match fs::rename(from, to) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied && attempts < 20 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

#[cfg(not(windows))]
fn rename_retrying(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_write_replaces_the_old_file_and_leaves_no_part() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("合同 2026.pdf");
        write_whole(&path, b"old").unwrap();
        write_whole(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![path.file_name().unwrap().to_owned()]);
    }

    #[test]
    fn a_failed_write_keeps_what_was_there_and_leaves_no_part() {
        let dir = tempfile::tempdir().unwrap();
        // The name is taken by a folder with a file in it: the rename fails.
        let path = dir.path().join("keep");
        fs::create_dir(&path).unwrap();
        write_whole(&path.join("inside.txt"), b"kept").unwrap();
        assert!(write_whole(&path, b"lost").is_err());
        assert_eq!(fs::read(path.join("inside.txt")).unwrap(), b"kept");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no part left");
    }

    #[test]
    fn whole_writes_at_once_to_one_file_never_share_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jiayi.sqlite3.key");
        let writers: Vec<_> = (0..8u8)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        write_whole(&path, &[w; 4096]).expect("every write succeeds");
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let last = fs::read(&path).unwrap();
        assert_eq!(last.len(), 4096);
        assert!(
            last.iter().all(|b| *b == last[0]),
            "one writer's file, whole"
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no part left");
    }

    #[test]
    fn an_exclusive_lock_makes_the_others_wait() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicU32;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jiayi.sqlite3.key.lock");
        let inside = Arc::new(AtomicU32::new(0));
        let most = Arc::new(AtomicU32::new(0));
        let holders: Vec<_> = (0..6)
            .map(|_| {
                let (path, inside, most) = (path.clone(), inside.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        let _held = lock_exclusive(&path).unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for holder in holders {
            holder.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1, "one holder at a time");
    }

    #[test]
    fn a_write_into_a_missing_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_whole(&dir.path().join("no/such/folder.txt"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn the_private_folder_is_made_with_its_parents() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.jiayi.desktop").join("data");
        create_private_dir(&data).unwrap();
        assert!(data.is_dir());
        // Again on an existing folder: no error.
        create_private_dir(&data).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn on_unix_the_private_folder_is_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        fs::create_dir(&data).unwrap();
        fs::set_permissions(&data, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&data).unwrap();
        let mode = fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_readable_by_its_owner_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agreement.pdf");
        write_private(&path, b"%PDF-").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "names and ID numbers: owner only");
    }

    #[test]
    fn old_files_are_removed_and_new_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        write_whole(&dir.path().join("old.pdf"), b"old").unwrap();
        fs::create_dir(dir.path().join("folder")).unwrap();
        let cutoff = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        assert_eq!(remove_files_older_than(dir.path(), cutoff).unwrap(), 1);
        write_whole(&dir.path().join("new.pdf"), b"new").unwrap();
        let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        assert_eq!(remove_files_older_than(dir.path(), earlier).unwrap(), 0);
        assert!(dir.path().join("new.pdf").exists() && dir.path().join("folder").exists());
        assert_eq!(
            remove_files_older_than(&dir.path().join("none"), earlier).unwrap(),
            0
        );
    }
}
