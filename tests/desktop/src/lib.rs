//! A small W3C WebDriver client and a harness that starts the real desktop app through
//! `tauri-driver` (which drives WebKitWebDriver), for end-to-end tests under Xvfb.
//!
//! Plain HTTP on loopback: the protocol needs a handful of endpoints, and a blocking client keeps
//! the tests linear and readable.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

use base64::Engine;

mod native;
pub use native::NativeWindow;
use serde_json::{Value, json};

pub type Result<T, E = DriverError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("webdriver {endpoint}: {error}: {message}")]
    WebDriver {
        endpoint: String,
        error: String,
        message: String,
    },
    #[error("http {0}")]
    Http(String),
    #[error("{0}")]
    Setup(String),
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// How long a step may take before the test gives up. Generous: this bounds waiting for the
/// UI of a debug build on a busy two-core machine, it is not a performance assertion.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Asks `probe` every `every` until it answers, for at most `patience`; an error of the probe
/// ends the wait with it.
pub fn poll<T>(
    patience: Duration,
    every: Duration,
    what: &str,
    mut probe: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(v) = probe()? {
            return Ok(v);
        }
        if Instant::now() > deadline {
            return Err(DriverError::Timeout(patience, what.into()));
        }
        sleep(every);
    }
}

/// A running `tauri-driver` on a free loopback port, stopped on drop.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub fn start() -> Result<Driver> {
        Driver::start_with_env(&[])
    }

    /// Starts the driver with `env` added to its environment, which the app it launches
    /// inherits (`CUPS_SERVER` for a private printing system).
    pub fn start_with_env(env: &[(&str, String)]) -> Result<Driver> {
        let port = free_port()?;
        let native = free_port()?;
        let bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let mut command = Command::new(&bin);
        // Its own process group, so that stopping it also stops the WebKitWebDriver it starts.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                DriverError::Setup(format!(
                    "cannot start {bin}: {e} (run src-tauri/scripts/install-deps.sh)"
                ))
            })?;
        let driver = Driver { child, port };
        let deadline = Instant::now() + PATIENCE;
        // tauri-driver listens at once but starts WebKitWebDriver behind it; a session asked for
        // before that one listens too is answered with a dropped connection.
        for (listener, what) in [(port, "tauri-driver"), (native, "WebKitWebDriver")] {
            while TcpStream::connect(("127.0.0.1", listener)).is_err() {
                if Instant::now() > deadline {
                    return Err(DriverError::Timeout(PATIENCE, format!("{what} to listen")));
                }
                sleep(Duration::from_millis(50));
            }
        }
        Ok(driver)
    }

    /// Starts the app with `args` and returns a session on its window.
    pub fn launch(&self, app: &Path, args: &[String]) -> Result<Session> {
        let base = format!("http://127.0.0.1:{}", self.port);
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "wry",
                "tauri:options": { "application": app.display().to_string(), "args": args }
            }}
        });
        let v = post(&format!("{base}/session"), &caps)?;
        let id = v["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| DriverError::Setup(format!("no session id in {v}")))?
            .to_string();
        Ok(Session {
            base: format!("{base}/session/{id}"),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The key of the app's encrypted store at `path`, from its key file and the passphrase: for a
/// test to open the store beside the running app (WAL lets both read).
pub fn store_key(path: &Path, passphrase: &str) -> Result<jiayi_store::DbKey> {
    let setup = |e: &dyn std::fmt::Display| DriverError::Setup(e.to_string());
    jiayi_store::KeyFile::load(path)
        .map_err(|e| setup(&e))?
        .ok_or_else(|| setup(&"no key file"))?
        .unlock(passphrase)
        .map_err(|e| setup(&e))?
        .ok_or_else(|| setup(&"the passphrase does not open the store"))
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

fn decode(endpoint: &str, r: std::result::Result<ureq::Response, ureq::Error>) -> Result<Value> {
    let resp = match r {
        Ok(resp) => resp,
        Err(ureq::Error::Status(_, resp)) => resp,
        Err(e) => return Err(DriverError::Http(format!("{endpoint}: {e}"))),
    };
    let status = resp.status();
    let v: Value = resp
        .into_json()
        .map_err(|e| DriverError::Http(format!("{endpoint}: {e}")))?;
    if status >= 400 || v["value"]["error"].is_string() {
        return Err(DriverError::WebDriver {
            endpoint: endpoint.into(),
            error: v["value"]["error"].as_str().unwrap_or("?").into(),
            message: v["value"]["message"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(400)
                .collect(),
        });
    }
    Ok(v)
}

fn post(url: &str, body: &Value) -> Result<Value> {
    decode(
        url,
        ureq::post(url)
            .timeout(Duration::from_secs(120))
            .send_json(body.clone()),
    )
}

/// One WebDriver session on the app's window.
pub struct Session {
    base: String,
}

/// An element reference in the page.
#[derive(Clone, Debug)]
pub struct Element(pub String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Session {
    fn post(&self, path: &str, body: Value) -> Result<Value> {
        post(&format!("{}{path}", self.base), &body)
    }

    fn get(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        decode(
            &url,
            ureq::get(&url).timeout(Duration::from_secs(120)).call(),
        )
    }

    pub fn quit(&self) -> Result<()> {
        let url = self.base.clone();
        decode(&url, ureq::delete(&url).call()).map(|_| ())
    }

    /// Runs a script in the page; `arguments` holds `args`.
    pub fn exec(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.post("/execute/sync", json!({ "script": script, "args": args }))?["value"].take())
    }

    /// Runs a script whose last argument is a callback to call with the result.
    pub fn exec_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.post("/execute/async", json!({ "script": script, "args": args }))?["value"].take())
    }

    pub fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self.post(
            "/elements",
            json!({ "using": "css selector", "value": css }),
        )?;
        Ok(v["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.into())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits until `css` matches an element that is displayed, and returns it.
    pub fn wait(&self, css: &str) -> Result<Element> {
        self.wait_for(css, || {
            for e in self.find_all(css)? {
                if self.displayed(&e)? {
                    return Ok(Some(e));
                }
            }
            Ok(None)
        })
    }

    /// Waits until the text of `css` contains `text`.
    pub fn wait_text(&self, css: &str, text: &str) -> Result<String> {
        self.wait_for(&format!("{css} to contain {text:?}"), || {
            for e in self.find_all(css)? {
                let t = self.text(&e)?;
                if t.contains(text) {
                    return Ok(Some(t));
                }
            }
            Ok(None)
        })
    }

    /// Waits until `css` matches nothing displayed.
    pub fn wait_gone(&self, css: &str) -> Result<()> {
        self.wait_for(&format!("{css} to disappear"), || {
            for e in self.find_all(css)? {
                if self.displayed(&e).unwrap_or(false) {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        })
    }

    pub fn wait_for<T>(&self, what: &str, probe: impl FnMut() -> Result<Option<T>>) -> Result<T> {
        self.wait_for_within(PATIENCE, what, probe)
    }

    /// [`Session::wait_for`] for steps that take long by nature (a first upload of a township).
    pub fn wait_for_within<T>(
        &self,
        patience: Duration,
        what: &str,
        mut probe: impl FnMut() -> Result<Option<T>>,
    ) -> Result<T> {
        poll(patience, Duration::from_millis(50), what, || {
            match probe() {
                // The page may be re-rendering between finding and reading an element.
                Err(DriverError::WebDriver { error, .. }) if error == "stale element reference" => {
                    Ok(None)
                }
                answer => answer,
            }
        })
    }

    pub fn displayed(&self, e: &Element) -> Result<bool> {
        Ok(self.get(&format!("/element/{}/displayed", e.0))?["value"]
            .as_bool()
            .unwrap_or(false))
    }

    pub fn text(&self, e: &Element) -> Result<String> {
        Ok(self.get(&format!("/element/{}/text", e.0))?["value"]
            .as_str()
            .unwrap_or("")
            .to_string())
    }

    /// Clicks `e` like a pointer would. A dropdown or message still fading in can cover the
    /// target for a moment ("element click intercepted"): the click is tried again until the
    /// step's patience runs out, as a person would click again.
    pub fn click(&self, e: &Element) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.exec(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![e.to_json()],
            )?;
            match self.post(&format!("/element/{}/click", e.0), json!({})) {
                Err(DriverError::WebDriver { error, .. })
                    if error == "element click intercepted" && Instant::now() < deadline =>
                {
                    sleep(Duration::from_millis(150));
                }
                other => return other.map(|_| ()),
            }
        }
    }

    /// Clicks through the page's own script: for elements inside Element Plus dialogs, where
    /// WebKitWebDriver's pointer click does not come back while the dialog animates.
    pub fn script_click(&self, css: &str) -> Result<()> {
        let e = self.wait(css)?;
        self.exec("arguments[0].click()", vec![e.to_json()])
            .map(|_| ())
    }

    /// Clicks an item of a dropdown that has just opened (a select's option, a menu's item), as
    /// a person would: once the list has stopped moving (a click during its opening animation
    /// lands where the item was a frame before), and again if the list is still open after
    /// the click, which closes it when it lands (a list taking several choices stays open).
    pub fn click_in_dropdown(&self, item: &Element) -> Result<()> {
        const SETTLED: &str = "const el = arguments[0];
            const pop = el.closest('.el-popper') || el;
            const moving = pop.getAnimations ? pop.getAnimations({subtree: true}).length : 0;
            const r = el.getBoundingClientRect();
            return [moving, getComputedStyle(pop).opacity, r.x, r.y, r.width, r.height].join(' ');";
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut last = String::new();
            self.wait_for("the dropdown to stop moving", || {
                let now = self.exec(SETTLED, vec![item.to_json()])?;
                let now = now.as_str().unwrap_or_default().to_string();
                let settled = now.starts_with("0 1 ") && now == last;
                last = now;
                if !settled {
                    sleep(Duration::from_millis(80));
                }
                Ok(settled.then_some(()))
            })?;
            self.click(item)?;
            // A list that takes several choices stays open on purpose: once is enough.
            let many = self.exec(
                "return !!arguments[0].closest('.is-multiple')",
                vec![item.to_json()],
            )?;
            if many.as_bool() == Some(true) {
                return Ok(());
            }
            let closed =
                self.wait_for_within(Duration::from_secs(3), "the dropdown to close", || {
                    Ok((!self.displayed(item).unwrap_or(false)).then_some(()))
                });
            match closed {
                Ok(()) => return Ok(()),
                Err(_) if Instant::now() < deadline => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits for `css` and clicks it.
    pub fn click_on(&self, css: &str) -> Result<()> {
        let e = self.wait(css)?;
        self.click(&e)
    }

    /// Types into the input `css` (after clearing it), as keystrokes.
    /// Types the passphrase on the lock screen and unlocks.
    pub fn unlock(&self, passphrase: &str) -> Result<()> {
        self.wait("[data-test=lock-encrypted]")?;
        self.type_into("[data-test=passphrase]", passphrase)?;
        self.click_on("[data-test=unlock]")
    }

    pub fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let e = self.wait(css)?;
        self.click(&e)?;
        self.post(&format!("/element/{}/clear", e.0), json!({}))?;
        // A framework-bound input may put its old value back after a WebDriver clear; select
        // all and delete as a person would, then type.
        let select_all_and_delete = "\u{E009}a\u{E009}\u{E003}";
        self.post(
            &format!("/element/{}/value", e.0),
            json!({ "text": format!("{select_all_and_delete}{text}") }),
        )
        .map(|_| ())
    }

    /// Opens an Element Plus select (`css` is inside it) and picks the option with `label`.
    pub fn pick(&self, css: &str, label: &str) -> Result<()> {
        self.click_on(css)?;
        let option = self.wait_for(&format!("option {label:?}"), || {
            for e in self.find_all(".el-select-dropdown__item")? {
                if self.displayed(&e)? && self.text(&e)?.contains(label) {
                    return Ok(Some(e));
                }
            }
            Ok(None)
        })?;
        self.click_in_dropdown(&option)
    }

    /// Draws a scribble on a canvas with pointer actions (a real pointer, not synthetic events).
    pub fn draw(&self, canvas_css: &str, pointer: &str) -> Result<()> {
        let e = self.wait(canvas_css)?;
        self.exec(
            "arguments[0].scrollIntoView({block: 'center'})",
            vec![e.to_json()],
        )?;
        let origin = json!({ ELEMENT_KEY: e.0 });
        let mut steps = vec![
            json!({"type": "pointerMove", "duration": 0, "origin": origin, "x": -120, "y": 10}),
            json!({"type": "pointerDown", "button": 0}),
        ];
        for i in 0..=24 {
            let x = -120 + i * 10;
            let y = if i % 2 == 0 { -30 } else { 30 };
            steps.push(
                json!({"type": "pointerMove", "duration": 10, "origin": origin, "x": x, "y": y}),
            );
        }
        steps.push(json!({"type": "pointerUp", "button": 0}));
        let actions = json!({ "actions": [{
            "type": "pointer", "id": "signer", "parameters": { "pointerType": pointer }, "actions": steps
        }]});
        self.post("/actions", actions)?;
        let _ = decode(
            &self.base,
            ureq::delete(&format!("{}/actions", self.base)).call(),
        );
        Ok(())
    }

    /// Signs on a canvas with a finger or a pen: pointer events of that `pointer_type`, a zigzag
    /// across the box. WebKitWebDriver delivers only the press of a "pen" or "touch" action
    /// sequence on Linux, so these come from the page the way the platform would send them.
    pub fn draw_as(&self, canvas_css: &str, pointer_type: &str) -> Result<()> {
        let e = self.wait(canvas_css)?;
        self.exec(
            r#"
const [canvas, pointerType] = arguments;
canvas.scrollIntoView({ block: 'center' });
const r = canvas.getBoundingClientRect();
const at = (i) => ({ clientX: r.left + r.width * (0.2 + i * 0.025), clientY: r.top + r.height * (i % 2 ? 0.7 : 0.3) });
const fire = (type, i, buttons) => canvas.dispatchEvent(new PointerEvent(type, {
  bubbles: true, cancelable: true, pointerId: 7, pointerType, isPrimary: true,
  pressure: buttons ? 0.6 : 0, buttons, ...at(i) }));
fire('pointerdown', 0, 1);
for (let i = 1; i <= 24; i++) fire('pointermove', i, 1);
fire('pointerup', 24, 0);
"#,
            vec![e.to_json(), json!(pointer_type)],
        )?;
        Ok(())
    }

    /// Saves a PNG of the window to `path`, as WebKitWebDriver renders it. (The tests use
    /// [`capture_display`] instead: see there.)
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let v = self.get("/screenshot")?;
        let b64 = v["value"]
            .as_str()
            .ok_or_else(|| DriverError::Setup("no screenshot data".into()))?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| DriverError::Setup(format!("screenshot: {e}")))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    pub fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .map(|_| ())
    }
}

impl Element {
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// The app binary under test: `JIAYI_DESKTOP_BIN`, or the workspace's debug build.
pub fn app_binary() -> Result<PathBuf> {
    let path = match std::env::var_os("JIAYI_DESKTOP_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
            target.join("debug/jiayi-desktop")
        }
    };
    if !path.is_file() {
        return Err(DriverError::Setup(format!(
            "{} is missing: build it first (src-tauri/scripts/e2e.sh does)",
            path.display()
        )));
    }
    Ok(path)
}

/// Where screenshots go: `JIAYI_E2E_SCREENS`, or `target/e2e-screens`.
pub fn screens_dir() -> PathBuf {
    std::env::var_os("JIAYI_E2E_SCREENS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screens"))
}

/// The passphrase the demo township of the tests is encrypted with.
pub const DEMO_PASSPHRASE: &str = "青山镇卫生院演示口令";

/// Puts the demo township into `dest` (a data folder). The township is built once per test run,
/// by the app itself (`--demo --exit-when-ready`), and copied for each test: building it takes
/// longer than a test.
pub fn demo_data_dir(dest: &Path) -> Result<()> {
    static TEMPLATE: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    let template = TEMPLATE
        .get_or_init(|| build_template().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| DriverError::Setup(format!("demo township: {e}")))?;
    std::fs::create_dir_all(dest)?;
    for name in [
        "jiayi.sqlite3",
        "jiayi.sqlite3-wal",
        "jiayi.sqlite3-shm",
        "jiayi.sqlite3.key",
    ] {
        let from = template.join(name);
        if from.exists() {
            std::fs::copy(&from, dest.join(name))?;
        }
    }
    Ok(())
}

fn build_template() -> Result<PathBuf> {
    // A data folder that already holds the demo township saves a minute per run while iterating.
    if let Some(dir) = std::env::var_os("JIAYI_E2E_DEMO_DIR").map(PathBuf::from)
        && dir.join("jiayi.sqlite3").exists()
    {
        return Ok(dir);
    }
    let dir = screens_dir().with_file_name("e2e-demo-township");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let started = Instant::now();
    let mut child = Command::new(app_binary()?)
        .arg("--data-dir")
        .arg(&dir)
        .args([
            "--demo",
            "--exit-when-ready",
            "--no-viewer",
            "--passphrase-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        writeln!(stdin, "{DEMO_PASSPHRASE}")?;
    }
    let status = child.wait()?;
    if !status.success() || !dir.join("jiayi.sqlite3").exists() {
        return Err(DriverError::Setup(format!(
            "the app could not build the demo township ({status})"
        )));
    }
    eprintln!(
        "demo township built by the app in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(dir)
}

/// Saves a PNG of the whole X display (`$DISPLAY`, the Xvfb screen the app runs on) to `path`:
/// exactly the pixels a user would see. WebKitWebDriver's own screenshot command never answers on
/// some screens (the signing wizard's team step) although the page keeps rendering and answering
/// scripts, and a command that never answers blocks the whole session; the display does not.
pub fn capture_display(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let display = std::env::var("DISPLAY")
        .map_err(|_| DriverError::Setup("no DISPLAY to capture the screen from".into()))?;
    let output = Command::new("import")
        .args(["-display", &display, "-window", "root"])
        .arg(format!("png:{}", path.display()))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| DriverError::Setup(format!("screen capture (ImageMagick `import`): {e}")))?;
    if !output.status.success() {
        return Err(DriverError::Setup(format!(
            "screen capture failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}
