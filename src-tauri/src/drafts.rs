//! Drafts of unfinished forms, one JSON file per form in the app-data folder, so that a form
//! interrupted by closing the window or a crash comes back next time. Writes go to a temporary
//! file first and are renamed into place, so a crash mid-write never leaves half a draft.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Result, ShellError};

/// Drafts larger than this are refused: a form is a few kilobytes; anything bigger is a bug.
const MAX_DRAFT_BYTES: usize = 256 * 1024;

pub struct Drafts {
    dir: PathBuf,
}

impl Drafts {
    pub fn new(dir: impl Into<PathBuf>) -> Drafts {
        Drafts { dir: dir.into() }
    }

    fn path(&self, form: &str) -> Result<PathBuf> {
        let valid = !form.is_empty()
            && form.len() <= 80
            && form.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(ShellError::InvalidInput(format!("draft name '{form}'")));
        }
        Ok(self.dir.join(format!("{form}.json")))
    }

    pub fn save(&self, form: &str, json: &str) -> Result<()> {
        let path = self.path(form)?;
        if json.len() > MAX_DRAFT_BYTES {
            return Err(ShellError::InvalidInput(format!("draft of {} bytes", json.len())));
        }
        // Only well-formed JSON is kept, so a later load never hands the UI garbage.
        serde_json::from_str::<serde_json::Value>(json).map_err(|e| ShellError::InvalidInput(e.to_string()))?;
        fs::create_dir_all(&self.dir).map_err(|e| ShellError::io(&self.dir, e))?;
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, json).map_err(|e| ShellError::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| ShellError::io(&path, e))
    }

    pub fn load(&self, form: &str) -> Result<Option<String>> {
        let path = self.path(form)?;
        match fs::read_to_string(&path) {
            Ok(json) => Ok(Some(json)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ShellError::io(&path, e)),
        }
    }

    pub fn clear(&self, form: &str) -> Result<()> {
        let path = self.path(form)?;
        remove_if_present(&path)
    }
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ShellError::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_draft_comes_back_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::new(dir.path().join("drafts"));
        assert_eq!(drafts.load("register").unwrap(), None, "nothing saved yet");
        drafts.save("register", r#"{"address":"东村12号"}"#).unwrap();
        drafts.save("register", r#"{"address":"东村13号"}"#).unwrap();
        assert_eq!(drafts.load("register").unwrap().as_deref(), Some(r#"{"address":"东村13号"}"#), "the last save wins");
        drafts.clear("register").unwrap();
        drafts.clear("register").unwrap();
        assert_eq!(drafts.load("register").unwrap(), None, "cleared twice without error");
    }

    #[test]
    fn names_that_could_escape_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::new(dir.path());
        for bad in ["", "../x", "a/b", "a.b", "草稿"] {
            assert!(drafts.save(bad, "{}").is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn malformed_json_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::new(dir.path());
        assert!(drafts.save("visit-1", "{not json").is_err());
        assert_eq!(drafts.load("visit-1").unwrap(), None);
    }
}
