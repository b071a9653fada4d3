//! What a Debian package says of itself: the `Package`, `Version` and `Architecture` fields of
//! its control file. A `.deb` is an `ar` archive holding `debian-binary`, then the control
//! archive, then the files. The control archive is read when it is `control.tar.gz` (as the
//! Tauri bundler writes it, and `dpkg-deb -Zgzip`) or an uncompressed `control.tar`;
//! `dpkg-deb` compresses with xz or zstd by default, and no decompressor for those is built into
//! the server, so such a package is not read (the caller refuses it, saying how to rebuild it).

use std::io::Read;

/// The fields of a package's control file the server checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub package: String,
    pub version: String,
    pub architecture: String,
}

/// Why a package's control file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Not an `ar` archive whose first member is `debian-binary`.
    NotDeb,
    /// The control archive is compressed in a way the server does not read: its ending
    /// (`xz`, `zst`).
    Compression(String),
    /// No control archive, no `control` file in it, a damaged one, or one without the fields.
    NoControl,
}

const AR_MAGIC: &[u8] = b"!<arch>\n";
/// An `ar` member's header: name (16), date (12), owner (6), group (6), mode (8), size (10),
/// and the two bytes "`\n".
const HEADER: usize = 60;
/// The most read out of a control archive once decompressed: it holds a control file of a few
/// hundred bytes and a few small scripts, so a larger one is no package of ours.
const MAX_CONTROL_ARCHIVE: u64 = 1 << 20;
/// The most read of the control file itself.
const MAX_CONTROL_FILE: u64 = 64 << 10;

/// A Debian package is an `ar` archive whose first member is `debian-binary`.
pub fn is_deb(bytes: &[u8]) -> bool {
    members(bytes)
        .next()
        .is_some_and(|(name, _)| name == "debian-binary")
}

/// The members of the `ar` archive `bytes`, name and contents, in order; stops at the end or
/// at the first header that does not read.
fn members(bytes: &[u8]) -> impl Iterator<Item = (&str, &[u8])> {
    let mut at = if bytes.starts_with(AR_MAGIC) {
        AR_MAGIC.len()
    } else {
        bytes.len()
    };
    std::iter::from_fn(move || {
        let header = bytes.get(at..at.checked_add(HEADER)?)?;
        if &header[58..60] != b"`\n" {
            return None;
        }
        // GNU ar ends names with a slash; dpkg-deb does not.
        let name = std::str::from_utf8(&header[..16])
            .ok()?
            .trim_end()
            .trim_end_matches('/');
        let size: usize = std::str::from_utf8(&header[48..58])
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let start = at + HEADER;
        let data = bytes.get(start..start.checked_add(size)?)?;
        // Members start at even offsets.
        at = start + size + size % 2;
        Some((name, data))
    })
}

/// The control file's fields of the package `bytes`.
pub fn control(bytes: &[u8]) -> Result<Control, Unreadable> {
    if !is_deb(bytes) {
        return Err(Unreadable::NotDeb);
    }
    let (name, data) = members(bytes)
        .find(|(name, _)| name.starts_with("control.tar"))
        .ok_or(Unreadable::NoControl)?;
    let text = match name {
        "control.tar.gz" => control_file(flate2::read::GzDecoder::new(data)),
        "control.tar" => control_file(data),
        other => {
            let ending = other
                .trim_start_matches("control.tar")
                .trim_start_matches('.');
            return Err(Unreadable::Compression(ending.to_string()));
        }
    }
    .ok_or(Unreadable::NoControl)?;
    fields(&text).ok_or(Unreadable::NoControl)
}

/// The text of `./control` in the tar archive `archive`.
fn control_file(archive: impl Read) -> Option<String> {
    let mut archive = tar::Archive::new(archive.take(MAX_CONTROL_ARCHIVE));
    for entry in archive.entries().ok()? {
        let entry = entry.ok()?;
        let is_control = {
            let path = entry.path().ok()?;
            let path = path.to_string_lossy();
            path == "control" || path == "./control"
        };
        if is_control {
            let mut text = String::new();
            entry
                .take(MAX_CONTROL_FILE)
                .read_to_string(&mut text)
                .ok()?;
            return Some(text);
        }
    }
    None
}

/// The fields the server checks, from a control file's text (`Field: value` lines; lines that
/// start with a space continue the field before and are not fields).
fn fields(text: &str) -> Option<Control> {
    let field = |wanted: &str| {
        text.lines()
            .filter(|line| !line.starts_with([' ', '\t']))
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case(wanted)
                    .then(|| value.trim().to_string())
            })
            .filter(|value| !value.is_empty())
    };
    Some(Control {
        package: field("Package")?,
        version: field("Version")?,
        architecture: field("Architecture")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_by_name_and_continuation_lines_are_not_fields() {
        let text = "Package: jiayi\nDescription: 家医签约\n Version: 9.9.9\nversion: 0.2.0\n\
                    Architecture: amd64\n";
        assert_eq!(
            fields(text),
            Some(Control {
                package: "jiayi".into(),
                version: "0.2.0".into(),
                architecture: "amd64".into(),
            })
        );
        assert_eq!(fields("Package: jiayi\nVersion: 0.2.0\n"), None);
        assert_eq!(
            fields("Package: jiayi\nVersion:\nArchitecture: amd64"),
            None
        );
    }

    #[test]
    fn damaged_archives_end_the_reading_without_a_panic() {
        let deb = b"!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n";
        assert!(is_deb(deb));
        assert_eq!(control(deb), Err(Unreadable::NoControl));
        // A member that claims more bytes than there are.
        let mut long = deb.to_vec();
        long.extend_from_slice(b"control.tar.gz  1700000000  0     0     100644  999999    `\n");
        long.extend_from_slice(b"\x1f\x8b");
        assert_eq!(control(&long), Err(Unreadable::NoControl));
        // A header whose size is not a number, and one cut short.
        let mut bad = deb.to_vec();
        bad.extend_from_slice(b"control.tar.gz  1700000000  0     0     100644  12x4      `\n");
        assert_eq!(control(&bad), Err(Unreadable::NoControl));
        assert_eq!(control(&deb[..70]), Err(Unreadable::NotDeb));
        assert_eq!(control(b""), Err(Unreadable::NotDeb));
        assert_eq!(control(b"!<arch>\n"), Err(Unreadable::NotDeb));
        // A gzip member that is no gzip.
        let mut garbage = deb.to_vec();
        garbage.extend_from_slice(b"control.tar.gz  1700000000  0     0     100644  4         `\n");
        garbage.extend_from_slice(b"abcd");
        assert_eq!(control(&garbage), Err(Unreadable::NoControl));
    }
}
