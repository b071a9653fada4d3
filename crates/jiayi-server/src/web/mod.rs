//! The HTTP surface: sync endpoints for devices, the OpenAPI document, and the staff
//! dashboard with its login. This module assembles the router; the handlers live in the
//! children, which share only `state`, `api_error` and `html`.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub mod api_error;
pub mod audit_page;
pub mod auth;
pub mod browser;
pub mod connection;
pub mod dashboard;
pub mod html;
pub mod indicator_drill;
pub mod indicator_left;
pub mod indicator_section;
mod local_time;
pub mod login_guard;
mod names;
pub mod openapi;
pub mod period;
pub mod record_page;
pub mod state;
pub mod supervision;
pub mod sync_api;
pub mod updates_api;
mod village_names;

pub use state::{PeerAddr, ServerState};

pub fn router(state: impl Into<ServerState>) -> Router {
    let state: ServerState = state.into();
    let body_limit = usize::try_from(state.limits.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/v1/info", get(sync_api::info))
        .route("/v1/push", post(sync_api::push))
        .route("/v1/pull", get(sync_api::pull))
        .route("/v1/reference", get(sync_api::reference))
        .route(
            "/v1/updates/{target}/{arch}/{current_version}",
            get(updates_api::check),
        )
        .route("/v1/updates/files/{name}", get(updates_api::file))
        .route("/openapi.json", get(openapi::openapi))
        .route("/health", get(sync_api::health))
        .merge(dashboard::routes())
        .merge(audit_page::routes())
        .merge(record_page::routes())
        .merge(supervision::routes())
        .merge(auth::routes())
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            browser::guard,
        ))
        .with_state(state)
}
