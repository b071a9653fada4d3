//! Events the shell sends the window.

use std::sync::Arc;

use jiayi_api::{EventSink, SyncEvent};
use tauri::{AppHandle, Emitter};

/// The name of the event that carries every `SyncEvent` to the UI (progress bar, results).
pub const SYNC_EVENT: &str = "sync-event";

/// Forwards sync events to the window.
pub fn sync_events(app: &AppHandle) -> EventSink {
    let app = app.clone();
    Arc::new(move |event: SyncEvent| {
        // A closed window has nobody to tell; the round goes on regardless.
        let _ = app.emit(SYNC_EVENT, &event);
    })
}
