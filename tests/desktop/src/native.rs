//! The app's native windows, the ones WebDriver cannot see: GTK's own dialogs (the print
//! dialog) on the Xvfb display. Found by title and driven with the mouse and keyboard through
//! `xdotool`, as a person would use them.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::{DriverError, PATIENCE, Result, poll};

/// A visible top-level window of the display.
pub struct NativeWindow {
    id: String,
}

fn xdotool(args: &[&str]) -> Result<String> {
    let out = Command::new("xdotool").args(args).output().map_err(|e| {
        DriverError::Setup(format!(
            "xdotool: {e} (run src-tauri/scripts/install-deps.sh)"
        ))
    })?;
    if !out.status.success() {
        return Err(DriverError::Setup(format!(
            "xdotool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The ids of the visible windows whose title matches `title` (a regular expression).
fn visible(title: &str) -> Vec<String> {
    xdotool(&["search", "--onlyvisible", "--name", title])
        .map(|ids| ids.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

impl NativeWindow {
    /// Waits for a visible window titled by `title` (a regular expression, `^(Print|打印)$`).
    pub fn wait(title: &str) -> Result<NativeWindow> {
        poll(
            PATIENCE,
            Duration::from_millis(100),
            &format!("a window titled {title}"),
            || Ok(visible(title).pop().map(|id| NativeWindow { id })),
        )
    }

    /// Whether the window is still on screen.
    pub fn shown(&self) -> bool {
        xdotool(&["getwindowname", &self.id]).is_ok()
            && xdotool(&["search", "--onlyvisible", "--name", "."])
                .is_ok_and(|ids| ids.lines().any(|l| l == self.id))
    }

    /// A left click at `x`, `y` from the window's top left corner.
    pub fn click(&self, x: u32, y: u32) -> Result<()> {
        xdotool(&[
            "mousemove",
            "--window",
            &self.id,
            &x.to_string(),
            &y.to_string(),
            "click",
            "1",
        ])
        .map(drop)
    }

    /// Gives the window the keyboard and presses `key` (`Return`, `Escape`) until the window
    /// closes, as a person presses again a key that seemed not to take (a dialog still busy
    /// ignores it).
    pub fn press_until_closed(&self, key: &str) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        while self.shown() {
            if Instant::now() > deadline {
                return Err(DriverError::Timeout(
                    PATIENCE,
                    format!("the window to close on {key}"),
                ));
            }
            // The window may close between the check and the key: then there is nothing to press.
            if xdotool(&["windowfocus", "--sync", &self.id]).is_ok() {
                let _ = xdotool(&["key", key]);
            }
            let pressed = Instant::now();
            while self.shown() && pressed.elapsed() < Duration::from_secs(3) {
                sleep(Duration::from_millis(100));
            }
        }
        Ok(())
    }

    /// The colour of the window's pixel at `x`, `y`, as red, green and blue.
    pub fn pixel(&self, x: u32, y: u32) -> Result<(u8, u8, u8)> {
        let out = Command::new("import")
            .args(["-window", &self.id, "-crop", &format!("1x1+{x}+{y}")])
            .args([
                "-format",
                "%[fx:int(255*r)],%[fx:int(255*g)],%[fx:int(255*b)]",
            ])
            .arg("info:")
            .output()
            .map_err(|e| DriverError::Setup(format!("ImageMagick `import`: {e}")))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let rgb: Vec<u8> = text
            .trim()
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        match rgb[..] {
            [r, g, b] => Ok((r, g, b)),
            _ => Err(DriverError::Setup(format!(
                "no pixel at {x},{y} of window {}: {text}",
                self.id
            ))),
        }
    }

    /// Waits until `probe` holds of the window.
    pub fn wait_until(&self, what: &str, mut probe: impl FnMut(&Self) -> bool) -> Result<()> {
        poll(PATIENCE, Duration::from_millis(200), what, || {
            Ok(probe(self).then_some(()))
        })
    }
}
