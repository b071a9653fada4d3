//! Files only their owner may read: the enrollment files (a device token), private keys (the
//! township key file among them), reply bundles and the server's SQLite database with its
//! journal files. The platform difference lives here alone: on unix the mode is 0600, set when
//! the file is made and tightened on a file that already exists, and a secret is never read or
//! written through a symbolic link; elsewhere the folder's access rules apply.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path`, replacing what it held, readable by its owner only. Refuses a
/// symbolic link (it could point anywhere, and the secret would land there).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    refuse_link(path)?;
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    owner_only(&mut options);
    let mut file = options.open(path)?;
    // An existing file keeps its mode through `open`: tighten it before anything is written.
    restrict_open(&file)?;
    file.set_len(0)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes a new file readable by its owner only; refuses one that exists (or a link).
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    owner_only(&mut options);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes a database file (and its `-wal`, `-shm` and `-journal` files, when present) readable by
/// its owner only, creating the empty file first when it does not exist, so the database never
/// exists readable by others. SQLite gives the files it creates the database file's mode.
pub fn restrict_database(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    owner_only(&mut options);
    restrict_open(&options.open(path)?)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        match File::open(Path::new(&side)) {
            Ok(f) => restrict_open(&f)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Refuses a path that is a symbolic link (checked again when the file is opened).
pub fn refuse_link(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; a secret is not written through one",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Opens a file for reading, never through a symbolic link.
pub fn open_read(path: &Path) -> io::Result<File> {
    refuse_link(path)?;
    let mut options = OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    options.open(path)
}

/// Whether only the file's owner may read or write it (always true where the folder's access
/// rules apply instead of modes).
#[cfg(unix)]
pub fn is_owner_only(file: &File) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    Ok(file.metadata()?.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
pub fn is_owner_only(_: &File) -> io::Result<bool> {
    Ok(true)
}

#[cfg(unix)]
fn no_follow(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_NOFOLLOW);
}

#[cfg(not(unix))]
fn no_follow(_: &mut OpenOptions) {}

#[cfg(unix)]
fn owner_only(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NOFOLLOW: a link put in place after the check above is refused by the open itself.
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
}

#[cfg(not(unix))]
fn owner_only(_: &mut OpenOptions) {}

#[cfg(unix)]
fn restrict_open(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_open(_: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_secret_is_owner_only_even_over_a_world_readable_file_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.json");
        write(&fresh, b"token").unwrap();
        assert_eq!(mode(&fresh), 0o600);

        let open = dir.path().join("open.json");
        std::fs::write(&open, b"an older, longer content").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&open, b"token").unwrap();
        assert_eq!(mode(&open), 0o600);
        assert_eq!(std::fs::read(&open).unwrap(), b"token");

        let target = dir.path().join("target");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write(&link, b"token").is_err());
        assert!(create_new(&link, b"token").is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep", "untouched");
    }

    #[test]
    fn a_database_and_its_journal_files_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("township.db");
        restrict_database(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        let wal = dir.path().join("township.db-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        restrict_database(&db).unwrap();
        assert_eq!((mode(&db), mode(&wal)), (0o600, 0o600));
    }
}
