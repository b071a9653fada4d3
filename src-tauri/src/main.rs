// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = jiayi_desktop::run() {
        eprintln!("jiayi-desktop: {e:#}");
        std::process::exit(1);
    }
}
