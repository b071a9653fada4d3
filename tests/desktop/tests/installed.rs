//! The app as a village doctor gets it: installed from the Debian package, started from
//! `/usr/bin`, keeping its data in the home folder's standard place.
//!
//! `scripts/test-package.sh` builds and installs the package, points `JIAYI_DESKTOP_BIN` at the
//! installed binary and `HOME` at an empty folder, runs this test under Xvfb, then removes the
//! package and checks that the data folder this test leaves behind is still there. Ignored in a
//! plain `cargo test`: it needs the installed package, a display and the WebDriver tools.

use std::path::{Path, PathBuf};

use jiayi_desktop_tests::{Driver, DriverError, Result, app_binary, capture_display, screens_dir};

const PASSPHRASE: &str = "卫生院交付新电脑口令";

/// Where Tauri keeps the app's data on Linux: `$XDG_DATA_HOME` (the script unsets it) or
/// `~/.local/share`, then the app's identifier.
fn data_dir() -> Result<PathBuf> {
    let home =
        std::env::var_os("HOME").ok_or_else(|| DriverError::Setup("HOME is not set".into()))?;
    Ok(PathBuf::from(home).join(".local/share/org.jiayi.desktop"))
}

fn check(condition: bool, what: &str) -> Result<()> {
    if condition {
        Ok(())
    } else {
        Err(DriverError::Setup(what.into()))
    }
}

fn shot(name: &str) -> Result<()> {
    std::thread::sleep(std::time::Duration::from_millis(400));
    capture_display(&screens_dir().join(format!("installed-{name}.png")))
}

#[test]
#[ignore = "needs the installed package, Xvfb and tauri-driver: run scripts/test-package.sh"]
fn the_installed_app_creates_a_store_in_the_home_folder_then_unlocks_it() -> Result<()> {
    let app = app_binary()?;
    let data = data_dir()?;
    check(
        !data.exists(),
        &format!("{} exists before the first start", data.display()),
    )?;
    // No --data-dir: the installed app finds its folder by itself.
    let args = vec!["--no-viewer".to_string()];

    // First start: a new store, empty (a health center enrolls the laptop next).
    {
        let driver = Driver::start()?;
        let s = driver.launch(&app, &args)?;
        s.set_window_size(1366, 768)?;
        s.wait("[data-test=lock-new]")?;
        shot("01-first-start")?;
        s.type_into("[data-test=passphrase]", PASSPHRASE)?;
        s.type_into("[data-test=passphrase-confirm]", PASSPHRASE)?;
        s.click_on("[data-test=setup-empty]")?;
        s.wait("[data-test=work-list]")?;
        shot("02-work-list")?;
        s.quit()?;
    }
    for file in ["jiayi.sqlite3", "jiayi.sqlite3.key"] {
        check(
            data.join(file).is_file(),
            &format!("{file} is missing from {}", data.display()),
        )?;
    }
    check_private(&data)?;

    // Second start: the same store, unlocked with the passphrase.
    {
        let driver = Driver::start()?;
        let s = driver.launch(&app, &args)?;
        s.set_window_size(1366, 768)?;
        s.unlock(PASSPHRASE)?;
        s.wait("[data-test=work-list]")?;
        shot("03-unlocked")?;
        s.quit()?;
    }
    Ok(())
}

/// The data folder is its owner's alone (the store's platform module makes it so on Linux).
#[cfg(unix)]
fn check_private(data: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data)?.permissions().mode() & 0o777;
    check(
        mode == 0o700,
        &format!("{} has mode {mode:o}, not 700", data.display()),
    )
}

#[cfg(not(unix))]
fn check_private(_data: &Path) -> Result<()> {
    Ok(())
}
