//! The desktop shell of Jiayi. Every `#[tauri::command]` is a thin adapter over `jiayi-api`:
//! it takes the open API from the app state, calls the operation written there once and hands
//! back its result; errors arrive in the UI as `{code, message}` in the chosen language.
//!
//! The shell owns only what a shell must: where the data folder is, the first start (demo
//! township or empty store), the lock (passphrase in, key out of memory when idle), start-up
//! timing, and handing printed files to the system's printing or viewer.

mod backup_commands;
mod chosen_files;
mod commands;
mod error;
mod events;
mod options;
mod print_commands;
mod print_dialog;
mod state;
mod updater;

use std::time::Instant;

use tauri::Manager;

pub use error::ShellError;
pub use options::Options;
pub use state::AppState;

/// The one window. Its web storage lives in the data folder too, so everything of one
/// installation (or one test run) is in one place.
fn main_window(app: &tauri::App, data_dir: &std::path::Path) -> tauri::Result<()> {
    tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::App("index.html".into()))
        .title("家医签约")
        .inner_size(1366.0, 768.0)
        .min_inner_size(1024.0, 600.0)
        .data_directory(data_dir.join("webview"))
        .build()?;
    Ok(())
}

/// File name of the local database inside the data folder.
pub const DATABASE_FILE: &str = "jiayi.sqlite3";

pub fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let options = Options::parse(std::env::args().skip(1));
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(move |app| {
            let data_dir = match &options.data_dir {
                Some(dir) => dir.clone(),
                None => app.path().app_data_dir()?,
            };
            let passphrase = if options.passphrase_stdin {
                Some(jiayi_api::read_passphrase(&mut std::io::stdin().lock())?)
            } else {
                None
            };
            let state = AppState::open(data_dir.clone(), options.clone(), started)?;
            state.set_app_version(&app.package_info().version.to_string());
            app.manage(state);
            if let Some(passphrase) = passphrase {
                // The key derivation and the store's opening run while the window starts; the
                // lock screen waits for them.
                let handle = app.handle().clone();
                let thread =
                    std::thread::Builder::new()
                        .name("unlock".into())
                        .spawn(move || {
                            let state = handle.state::<AppState>();
                            match state.start_with_passphrase(&passphrase) {
                                Ok(()) => {
                                    state.start_autosync(commands::sync_events(&handle));
                                    state.start_autobackup();
                                }
                                Err(e) => {
                                    eprintln!("the passphrase given at start did not unlock: {e}")
                                }
                            }
                        })?;
                app.state::<AppState>().set_startup(thread);
            }
            main_window(app, &data_dir)?;
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!())?
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // Close the store before the process ends: background sync stops, a reports
                // read in the background is waited for, and the key leaves memory.
                if let Some(state) = app.try_state::<AppState>() {
                    state.lock();
                }
            }
        });
    Ok(())
}
