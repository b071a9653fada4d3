//! The update endpoints devices call with their token: the newest package for their platform,
//! in the form the Tauri updater reads, and the package itself.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiayi_sync::protocol::{ApiError, UpdateManifest};
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

use crate::updates::package::platform;
use crate::web::api_error::ApiErr;
use crate::web::state::ServerState;
use crate::web::sync_api::as_device;

/// How much of a package is read from its file at a time.
const CHUNK: usize = 64 * 1024;

fn no_such_package() -> ApiErr {
    ApiErr::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "服务器上没有这个安装包。",
        "The server hosts no such package.",
    )
}

/// The address the device reached this server at: the package is fetched from the same one.
fn base_url(state: &ServerState, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    valid.then(|| format!("{scheme}://{host}"))
}

/// The newest package for `{target}-{arch}` when it is newer than `current_version`.
#[utoipa::path(get, path = "/v1/updates/{target}/{arch}/{current_version}", tag = "updates",
    params(("target" = String, Path, description = "linux or windows"),
           ("arch" = String, Path, description = "x86_64, aarch64, i686"),
           ("current_version" = String, Path, description = "The version the device runs")),
    responses((status = 200, body = UpdateManifest), (status = 204, description = "Nothing newer"),
              (status = 400, body = ApiError), (status = 401, body = ApiError)),
    security(("device_token" = [])))]
pub(crate) async fn check(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path((target, arch, current)): Path<(String, String, String)>,
) -> Result<Response, ApiErr> {
    let base = base_url(&state, &headers);
    let shelf = state.updates.clone();
    let offered = as_device(&state, &headers, move |_, _| {
        let Some(shelf) = shelf else { return Ok(None) };
        Ok(shelf.offer_for(&platform(&target, &arch), &current)?)
    })
    .await?;
    let Some(hosted) = offered else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let base = base.ok_or_else(|| {
        ApiErr::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "请求缺少有效的 Host 头。",
            "The request has no valid Host header.",
        )
    })?;
    Ok(Json(UpdateManifest {
        url: format!("{base}/v1/updates/files/{}", hosted.file_name),
        version: hosted.version,
        notes: hosted.notes,
        pub_date: hosted.pub_date.to_rfc3339(),
        signature: hosted.signature,
    })
    .into_response())
}

/// A hosted package, byte for byte, streamed from its file (a package is tens of megabytes and
/// many devices may fetch it at once: none is held in memory whole).
#[utoipa::path(get, path = "/v1/updates/files/{name}", tag = "updates",
    params(("name" = String, Path, description = "The name the update answer gave")),
    responses((status = 200, description = "The package", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 401, body = ApiError), (status = 404, body = ApiError)),
    security(("device_token" = [])))]
pub(crate) async fn file(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, ApiErr> {
    let shelf = state.updates.clone();
    let found = as_device(&state, &headers, move |_, _| match shelf {
        Some(shelf) => Ok(shelf.open_package(&name)?),
        None => Ok(None),
    })
    .await?;
    let (hosted, file, len) = found.ok_or_else(no_such_package)?;
    // Never more than the length announced, should the file grow while it is read.
    let body = Body::from_stream(ReaderStream::with_capacity(
        tokio::fs::File::from_std(file).take(len),
        CHUNK,
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", hosted.file_name),
            ),
        ],
        body,
    )
        .into_response())
}
