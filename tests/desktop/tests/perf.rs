//! Search-as-you-type latency measured inside the real app's window: from the keystroke (the
//! input event) to the results painted on screen. Prints figures; asserts nothing about time
//! (timed assertions are flaky on a shared machine). Run by `src-tauri/scripts/measure.sh`.

use jiayi_desktop_tests::{DEMO_PASSPHRASE, Driver, Result, app_binary, demo_data_dir};
use serde_json::json;

/// Types `query` one character at a time the way the input event fires, and reports for the last
/// keystroke how long until the result list (or the "nothing found" line) was painted.
const PROBE: &str = r#"
const [query, done] = [arguments[0], arguments[arguments.length - 1]];
const input = document.querySelector('[data-test=search-input]');
input.focus();
input.value = '';
input.dispatchEvent(new Event('input'));
let i = 0;
const times = [];
function next() {
  if (i >= query.length) { done(times); return; }
  i += 1;
  const before = document.querySelector('[data-test=search-results], [data-test=search-empty]');
  const beforeHtml = before ? before.innerHTML : null;
  const t0 = performance.now();
  input.value = query.slice(0, i);
  input.dispatchEvent(new Event('input'));
  const check = () => {
    const now = document.querySelector('[data-test=search-results], [data-test=search-empty]');
    const changed = now && (now.innerHTML !== beforeHtml);
    if (changed) {
      // The next frame is when the change is on screen.
      requestAnimationFrame(() => { times.push(performance.now() - t0); setTimeout(next, 30); });
    } else if (performance.now() - t0 > 3000) {
      times.push(-1); setTimeout(next, 30);
    } else {
      requestAnimationFrame(check);
    }
  };
  requestAnimationFrame(check);
}
next();
"#;

#[test]
#[ignore = "needs Xvfb, tauri-driver and a built app: run src-tauri/scripts/measure.sh"]
fn search_as_you_type_latency() -> Result<()> {
    let data = tempfile::tempdir()?;
    demo_data_dir(data.path())?;
    let driver = Driver::start()?;
    let args = vec![
        "--data-dir".into(),
        data.path().display().to_string(),
        "--demo".into(),
        "--no-viewer".into(),
    ];
    let s = driver.launch(&app_binary()?, &args)?;
    s.unlock(DEMO_PASSPHRASE)?;
    s.wait("[data-test=work-list]")?;
    let queries = [
        "wang",
        "zh",
        "张",
        "李秀",
        "1390",
        "4101",
        "lixiuying",
        "wjg",
    ];
    let mut all = Vec::new();
    for q in queries {
        let v = s.exec_async(PROBE, vec![json!(q)])?;
        let times: Vec<f64> = serde_json::from_value(v).unwrap_or_default();
        println!(
            "search {q:>10}: {}",
            times
                .iter()
                .map(|t| format!("{t:.0}"))
                .collect::<Vec<_>>()
                .join(" ms, ")
                + " ms"
        );
        all.extend(times.into_iter().filter(|t| *t >= 0.0));
    }
    all.sort_by(f64::total_cmp);
    if !all.is_empty() {
        let pct = |p: f64| all[((all.len() - 1) as f64 * p).round() as usize];
        println!(
            "search latency over {} keystrokes: median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
            all.len(),
            pct(0.5),
            pct(0.9),
            all[all.len() - 1]
        );
    }
    s.quit()
}
