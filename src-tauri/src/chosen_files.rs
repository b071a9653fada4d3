//! Which files the window may have the app read. The window never names a file on the disk for
//! the shell to open: it hands over the bytes of the file the user picked in the file dialog,
//! the shell keeps them in the data folder's `imports/` and remembers the path it kept them
//! under, and only a path remembered that way may be previewed or imported. A page that asks
//! for any other path — a compromised or buggy webview — is refused with `file_not_chosen`
//! before anything is read. (The bytes a page hands over are its own already; a path would let
//! it read what it could not.)

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiayi_api::ImportRequest;

use crate::error::{Result, ShellError};

#[derive(Debug, Default)]
pub struct ChosenFiles {
    kept: Mutex<HashSet<PathBuf>>,
}

impl ChosenFiles {
    /// A file the user picked, as the shell kept it.
    pub fn remember(&self, kept: &Path) {
        self.kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kept.to_path_buf());
    }

    /// Refuses a request naming a file the user did not pick in this app (and any township
    /// vocabulary file: the window has no way to pick one).
    pub fn check(&self, request: &ImportRequest) -> Result<()> {
        let known = self
            .kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&request.path);
        if known && request.vocabulary.is_none() {
            Ok(())
        } else {
            Err(ShellError::NotChosen)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_core::Lang;

    fn request(path: &str) -> ImportRequest {
        ImportRequest {
            path: PathBuf::from(path),
            ..ImportRequest::default()
        }
    }

    #[test]
    fn only_a_file_the_user_picked_is_read_and_any_other_path_is_refused() {
        let chosen = ChosenFiles::default();
        let kept = "/home/doctor/.local/share/org.jiayi.desktop/imports/花名册.xlsx";
        for path in [kept, "/etc/passwd", "/home/doctor/.ssh/id_ed25519"] {
            let e = chosen.check(&request(path)).unwrap_err().into_api(Lang::Zh);
            assert_eq!(e.code, "file_not_chosen");
            assert_eq!(e.message, "只能导入在本应用中选择的文件，请重新选择文件");
        }
        chosen.remember(Path::new(kept));
        assert!(chosen.check(&request(kept)).is_ok());
        assert!(chosen.check(&request("/etc/passwd")).is_err());
        let with_vocabulary = ImportRequest {
            vocabulary: Some(PathBuf::from("/etc/shadow")),
            ..request(kept)
        };
        assert!(
            chosen.check(&with_vocabulary).is_err(),
            "no other file rides along"
        );
    }
}
