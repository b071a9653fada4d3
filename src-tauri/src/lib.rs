//! The desktop shell of Jiayi. Every `#[tauri::command]` is a thin adapter over `jiayi-api`:
//! it takes the open store from the app state, calls the API's command body and hands back its
//! result; errors arrive in the UI as `{code, message}` in the chosen language.
//!
//! The shell owns only what a shell must: where the data folder is, first start (demo township
//! or empty store), drafts of unfinished forms, and opening printed files in the system viewer.

mod commands;
mod drafts;
mod error;
mod options;
mod state;

use std::time::Instant;

use tauri::Manager;

pub use drafts::Drafts;
pub use error::{ShellError, UiError};
pub use options::Options;
pub use state::AppState;

/// File name of the local database inside the data folder.
pub const DATABASE_FILE: &str = "jiayi.sqlite3";

pub fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let options = Options::parse(std::env::args().skip(1));
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            let data_dir = match &options.data_dir {
                Some(dir) => dir.clone(),
                None => app.path().app_data_dir()?,
            };
            let state = AppState::open(data_dir, options.clone(), started)?;
            app.manage(state);
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())?;
    Ok(())
}
