//! What a test asks of the run it is in.

use std::io::Write;
use std::process::Command;

/// Whether this is a CI run (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
        .unwrap_or(false)
}

/// The running test's name (the test harness names each test's thread after it).
pub fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string()
}

/// A tool the running test needs is missing: fails the test in CI, where no test may pass
/// without what it checks, and elsewhere says loudly that the test is skipped.
pub fn missing_tool(tool: &str, missing: &str) {
    let test = test_name();
    assert!(!in_ci(), "{test}: {tool} is required in CI but {missing}");
    // Straight to the process's stderr: the test harness keeps `eprintln!` of a passing test to
    // itself.
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPING {test}: {missing} ***\n");
}

/// Whether the tests run as root (the servers they start then run as a service's user).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
