//! Command-line options of the desktop app.

use std::path::PathBuf;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Options {
    /// Where the database, drafts and printed files live; default: the platform's app-data folder.
    pub data_dir: Option<PathBuf>,
    /// On a first start, create the demo township instead of asking.
    pub demo: bool,
    /// Do not open printed files in the system viewer (tests, headless machines).
    pub no_viewer: bool,
    /// Quit as soon as the work list is interactive (start-up timing).
    pub exit_when_ready: bool,
    /// Read the passphrase from the first line of standard input instead of the lock screen
    /// (start-up timing and building the test township; never on a command line).
    pub passphrase_stdin: bool,
}

impl Options {
    /// Reads the options; arguments it does not know (a webview driver adds its own) are ignored.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Options {
        let mut o = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--demo" => o.demo = true,
                "--no-viewer" => o.no_viewer = true,
                "--exit-when-ready" => o.exit_when_ready = true,
                "--passphrase-stdin" => o.passphrase_stdin = true,
                "--data-dir" => o.data_dir = args.next().map(PathBuf::from),
                other => {
                    if let Some(dir) = other.strip_prefix("--data-dir=") {
                        o.data_dir = Some(PathBuf::from(dir));
                    }
                }
            }
        }
        if std::env::var_os("JIAYI_NO_VIEWER").is_some() {
            o.no_viewer = true;
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Options {
        Options::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn reads_the_flags_and_ignores_strangers() {
        let o = parse(&[
            "--automation",
            "--demo",
            "--data-dir",
            "/tmp/x",
            "--no-viewer",
        ]);
        assert_eq!(o.data_dir, Some(PathBuf::from("/tmp/x")));
        assert!(o.demo && o.no_viewer && !o.exit_when_ready);
        assert_eq!(
            parse(&["--data-dir=/d"]).data_dir,
            Some(PathBuf::from("/d"))
        );
        assert_eq!(
            parse(&["--data-dir"]).data_dir,
            None,
            "a missing value is no folder"
        );
    }
}
