//! The shell's security settings as shipped: a content security policy that allows only the
//! app itself, a capability that grants exactly the app's own commands, no shell plugin, and no
//! remote pages. Read from the files the build embeds, so a loosened setting fails here.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn json(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn the_content_security_policy_allows_only_the_app_itself() {
    let conf = json("tauri.conf.json");
    let csp = &conf["app"]["security"]["csp"];
    assert!(csp.is_object(), "a CSP is set, never null: {csp}");
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'", "no inline or remote scripts");
    assert_eq!(csp["object-src"], "'none'");
    for (directive, value) in csp.as_object().into_iter().flatten() {
        let value = value.as_str().unwrap_or_default();
        assert!(
            !value.contains("unsafe-eval") && !value.contains("https:") && !value.contains('*'),
            "{directive} lets in code or pages from elsewhere: {value}"
        );
    }
    assert_eq!(conf["app"]["withGlobalTauri"], false);
}

#[test]
fn the_window_may_call_exactly_the_apps_own_commands() {
    let capability = json("capabilities/main.json");
    assert_eq!(
        capability["local"], true,
        "no remote URL gets the capability"
    );
    assert!(capability.get("remote").is_none());
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    let build = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs"))
        .expect("build.rs");
    let commands: BTreeSet<String> = build
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('"') && l.ends_with("\","))
        .map(|l| {
            format!(
                "allow-{}",
                l.trim_matches(|c| c == '"' || c == ',').replace('_', "-")
            )
        })
        .collect();
    let listening: BTreeSet<String> = ["core:event:allow-listen", "core:event:allow-unlisten"]
        .into_iter()
        .map(str::to_string)
        .collect();
    let expected: BTreeSet<String> = commands.union(&listening).cloned().collect();
    assert_eq!(
        granted, expected,
        "the capability grants the app's commands and event listening, nothing more"
    );
}

/// A command the shell registers but does not list in `build.rs` is refused to the window at
/// run time, with nothing at build time to say so: every registered command must be listed.
#[test]
fn every_registered_command_is_listed_for_the_window() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let commands = std::fs::read_to_string(root.join("src/commands.rs")).expect("commands.rs");
    let handler = commands
        .split("generate_handler![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("the shell registers its commands with generate_handler!");
    let build = std::fs::read_to_string(root.join("build.rs")).expect("build.rs");
    let listed: BTreeSet<&str> = build
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('"') && l.ends_with("\","))
        .map(|l| l.trim_matches(|c| c == '"' || c == ','))
        .collect();
    let registered: BTreeSet<&str> = handler
        .split(',')
        .map(|c| c.trim().rsplit("::").next().unwrap_or_default())
        .filter(|c| !c.is_empty())
        .collect();
    let missing: Vec<&&str> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "registered but not listed in build.rs: {missing:?}"
    );
}

#[test]
fn no_shell_or_file_system_plugin_is_linked() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    for plugin in ["tauri-plugin-shell", "tauri-plugin-fs", "tauri-plugin-http"] {
        assert!(!manifest.contains(plugin), "{plugin} must not be linked");
    }
    // Building these tests builds the app too: the end-to-end tests drive that very binary.
    assert!(Path::new(env!("CARGO_BIN_EXE_jiayi-desktop")).exists());
}

#[test]
fn every_command_the_ui_calls_is_granted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let client = std::fs::read_to_string(root.join("../ui/src/api/index.ts")).expect("index.ts");
    let build = std::fs::read_to_string(root.join("build.rs")).expect("build.rs");
    let called: BTreeSet<&str> = client
        .split("call<")
        .skip(1)
        .filter_map(|rest| rest.split_once("('").map(|(_, after)| after))
        .filter_map(|after| after.split_once('\'').map(|(name, _)| name))
        .collect();
    assert!(called.len() > 30, "the UI's calls were found: {called:?}");
    for command in called {
        assert!(
            build.contains(&format!("\"{command}\",")),
            "the UI calls `{command}`, which the shell does not grant"
        );
    }
}
