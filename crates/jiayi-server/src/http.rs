//! The HTTP surface: sync endpoints for devices, the OpenAPI document, and the dashboard.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use jiayi_sync::protocol::{
    ApiError, Limits, PROTOCOL_VERSION, PullQuery, PullResponse, PushRequest, PushResponse,
    ReferenceData, ServerInfo,
};
use utoipa::OpenApi;

use crate::audit::AuditEvent;
use crate::auth::{Clock, LoginPolicy, system_clock};
use crate::error::ServerError;
use crate::storage::{DeviceScope, DynStorage};

/// What a caller gives to serve: the storage and the limits. The dashboard's users log in
/// (`jiayi-server user add`); the login policy and the clock take their defaults (see
/// [`ServerState`] to choose them).
#[derive(Clone)]
pub struct AppState {
    pub storage: DynStorage,
    pub limits: Limits,
    /// No longer opens anything: the dashboard needs a login since staff accounts exist. Kept so
    /// existing callers still build; ignored.
    pub admin_key: Option<String>,
}

impl From<AppState> for ServerState {
    fn from(state: AppState) -> ServerState {
        ServerState::new(state.storage, state.limits)
    }
}

/// The state every request sees.
#[derive(Clone)]
pub struct ServerState {
    pub storage: DynStorage,
    pub limits: Limits,
    /// Wrong-password lockout and session length for the dashboard's users.
    pub login: LoginPolicy,
    /// The time sessions and lockouts are judged by.
    pub clock: Clock,
    /// Session cookies carry `Secure` (the server speaks HTTPS).
    pub secure_cookies: bool,
    /// The indicator dataset the dashboard last read.
    pub datasets: Arc<crate::indicators::DatasetCache>,
}

impl ServerState {
    /// The default login policy and the system clock.
    pub fn new(storage: DynStorage, limits: Limits) -> ServerState {
        ServerState {
            storage,
            limits,
            login: LoginPolicy::default(),
            clock: system_clock(),
            secure_cookies: false,
            datasets: Arc::default(),
        }
    }
}

/// The address a connection came from, recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

impl Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>> for PeerAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

impl Connected<axum::serve::IncomingStream<'_, crate::tls::TlsListener>> for PeerAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, crate::tls::TlsListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// The peer's address as text (`unknown` when the router runs without a listener, in tests).
pub struct Peer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<PeerAddr>>()
                .map(|ConnectInfo(PeerAddr(a))| a.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

pub fn router(state: impl Into<ServerState>) -> Router {
    let state: ServerState = state.into();
    let body_limit = usize::try_from(state.limits.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/v1/info", get(info))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/reference", get(reference))
        .route("/openapi.json", get(openapi))
        .route("/health", get(health))
        .merge(crate::dashboard::routes())
        .merge(crate::auth::routes())
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Jiayi township sync API", description = "Device sync with the township server (家医签约同步)."),
    paths(info, push, pull, reference, health, crate::dashboard::page, crate::dashboard::indicator_page),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // The staff dashboard's session, from `POST /login`.
        components.add_security_scheme(
            "admin_session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new(crate::auth::COOKIE),
            )),
        );
    }
}

/// Liveness, for a load balancer or a supervisor.
#[utoipa::path(get, path = "/health", tag = "ops",
    responses((status = 200, description = "The server is up", content_type = "text/plain", body = String)))]
async fn health() -> &'static str {
    "ok"
}

async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(_) => ApiErr::internal().into_response(),
    }
}

/// An error answered as `{code, message_zh, message_en}`.
#[derive(Debug)]
pub struct ApiErr {
    status: StatusCode,
    body: ApiError,
}

impl ApiErr {
    fn new(status: StatusCode, code: &str, zh: &str, en: &str) -> ApiErr {
        ApiErr {
            status,
            body: ApiError {
                code: code.into(),
                message_zh: zh.into(),
                message_en: en.into(),
            },
        }
    }

    pub fn unauthorized() -> ApiErr {
        ApiErr::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "设备授权无效或已被撤销，请到卫生院重新登记。",
            "The device token is missing, unknown or revoked; enroll the device again.",
        )
    }

    /// A request the server could not read (malformed JSON, wrong types, a body too large, a
    /// bad query string): the extractor's status, with the reason in English.
    fn unreadable(status: StatusCode, detail: String) -> ApiErr {
        let (code, zh) = match status {
            StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "请求内容超过服务器允许的大小。"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "请求内容须为 JSON（application/json）。",
            ),
            _ => ("invalid", "请求内容格式错误，服务器无法读取。"),
        };
        // Only client errors come out of reading a request; anything else is still the client's.
        let status = if status.is_client_error() {
            status
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiErr::new(status, code, zh, &detail)
    }

    fn internal() -> ApiErr {
        ApiErr::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后再试。",
            "Internal server error; try again later.",
        )
    }
}

impl From<ServerError> for ApiErr {
    fn from(e: ServerError) -> ApiErr {
        match e {
            ServerError::Invalid(m) => {
                ApiErr::new(StatusCode::BAD_REQUEST, "invalid", "请求内容无效。", &m)
            }
            ServerError::NotFound(m) => {
                ApiErr::new(StatusCode::NOT_FOUND, "not_found", "找不到请求的内容。", &m)
            }
            other => {
                eprintln!("jiayi-server: {other}");
                ApiErr::internal()
            }
        }
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// A JSON body whose refusal is answered as an [`ApiError`] like every other error.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiErr;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiErr> {
        let refused = |rejection: JsonRejection| {
            ApiErr::unreadable(rejection.status(), rejection.body_text())
        };
        if !is_json(req.headers()) {
            // axum's extractor words the refusal of a missing or wrong content type.
            return Json::<T>::from_request(req, state)
                .await
                .map(|Json(value)| ApiJson(value))
                .map_err(refused);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiErr::unreadable(rejection.status(), rejection.body_text()))?;
        // The plain reader is the fast path; axum's, which tracks the path to the failing field
        // and so names it in the refusal, runs only when the body does not read.
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(ApiJson(value)),
            Err(_) => Json::<T>::from_bytes(&bytes)
                .map(|Json(value)| ApiJson(value))
                .map_err(refused),
        }
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/…+json`).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A query string whose refusal is answered as an [`ApiError`].
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    Query<T>: FromRequestParts<S, Rejection = QueryRejection>,
    S: Send + Sync,
{
    type Rejection = ApiErr;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiErr> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiErr::unreadable(
                rejection.status(),
                rejection.body_text(),
            )),
        }
    }
}

/// Runs a storage call on the blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiErr>
where
    T: Send + 'static,
    F: FnOnce() -> crate::error::Result<T> + Send + 'static,
{
    on_blocking_pool(move || f().map_err(ApiErr::from)).await
}

/// Runs `f` on the blocking pool; a panic there answers as an internal error.
async fn on_blocking_pool<T, F>(f: F) -> Result<T, ApiErr>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiErr> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(_) => Err(ApiErr::internal()),
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

/// Authenticates the device and runs `work` with its scope, in one trip to the blocking pool
/// (a sync request is a handful of short database calls: handing threads over twice per
/// request shows when hundreds of devices sync at once).
async fn as_device<T, F>(state: &ServerState, headers: &HeaderMap, work: F) -> Result<T, ApiErr>
where
    T: Send + 'static,
    F: FnOnce(&dyn crate::storage::Storage, DeviceScope) -> Result<T, ApiErr> + Send + 'static,
{
    let token = bearer(headers).ok_or_else(ApiErr::unauthorized)?;
    let storage = state.storage.clone();
    on_blocking_pool(move || {
        let scope = storage
            .authenticate(&token)?
            .ok_or_else(ApiErr::unauthorized)?;
        work(storage.as_ref(), scope)
    })
    .await
}

#[utoipa::path(get, path = "/v1/info", tag = "sync",
    responses((status = 200, body = ServerInfo), (status = 401, body = ApiError)),
    security(("device_token" = [])))]
async fn info(
    State(state): State<ServerState>,
    headers: HeaderMap,
) -> Result<Json<ServerInfo>, ApiErr> {
    let (scope, status) = as_device(&state, &headers, |storage, scope| {
        let status = storage.status(scope.device_id)?;
        Ok((scope, status))
    })
    .await?;
    Ok(Json(ServerInfo {
        protocol_version: PROTOCOL_VERSION,
        server_epoch: status.epoch,
        server_time_ms: Utc::now().timestamp_millis(),
        limits: state.limits,
        high_water: status.high_water,
        device: jiayi_sync::protocol::DeviceStatus {
            device_id: scope.device_id,
            doctor_id: scope.doctor_id,
            team_id: scope.team_id,
            villages: scope.villages,
            stored_through_seq: status.stored_through,
        },
    }))
}

#[utoipa::path(post, path = "/v1/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 413, body = ApiError), (status = 415, body = ApiError),
              (status = 422, body = ApiError)),
    security(("device_token" = [])))]
async fn push(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiErr> {
    let max_changes = state.limits.max_changes as usize;
    let pushed = as_device(&state, &headers, move |storage, scope| {
        if request.device_id != scope.device_id {
            return Err(ApiErr::new(
                StatusCode::FORBIDDEN,
                "wrong_device",
                "请求中的设备与授权的设备不符。",
                "The request names another device than the token's.",
            ));
        }
        if request.changes.len() > max_changes {
            return Err(ApiErr::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "batch_too_large",
                "一次上传的变更超过服务器允许的条数。",
                "The batch holds more changes than the server accepts.",
            ));
        }
        let audit = AuditEvent::device(&scope, "push", &peer).with_changes(&request.changes);
        Ok(storage.push_round(&scope, &request.changes, Utc::now(), &audit)?)
    })
    .await?;
    Ok(Json(PushResponse {
        server_epoch: pushed.epoch,
        results: pushed.results,
        stored_through_seq: pushed.stored_through,
    }))
}

#[utoipa::path(get, path = "/v1/pull", tag = "sync", params(PullQuery),
    responses((status = 200, body = PullResponse), (status = 400, body = ApiError),
              (status = 401, body = ApiError)),
    security(("device_token" = [])))]
async fn pull(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Response, ApiErr> {
    let limit = query.limit.clamp(1, state.limits.max_pull.max(1));
    let (epoch, page) = as_device(&state, &headers, move |storage, scope| {
        let audit = AuditEvent::device(&scope, "pull", &peer);
        Ok(storage.pull_round(&scope, query.after, limit, Utc::now(), audit)?)
    })
    .await?;
    Ok(pull_response(epoch, &page))
}

/// A [`PullResponse`] written around the changes' stored JSON, which the server wrote itself
/// when each change was pushed: pulls carry most of a township's sync traffic, and reading every
/// change in only to write it out again was most of a pull's work.
fn pull_response(epoch: uuid::Uuid, page: &crate::storage::PullPage) -> Response {
    use std::fmt::Write;
    let bodies: usize = page.changes.iter().map(|c| c.body.len() + 32).sum();
    let mut json = String::with_capacity(bodies + 160);
    // Writing into a String cannot fail.
    let _ = write!(json, "{{\"server_epoch\":\"{epoch}\",\"changes\":[");
    for (i, change) in page.changes.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        let _ = write!(json, "{{\"cursor\":{},\"change\":", change.cursor);
        json.push_str(&change.body);
        json.push('}');
    }
    let _ = write!(
        json,
        "],\"next_cursor\":{},\"more\":{},\"high_water\":{}}}",
        page.next_cursor, page.more, page.high_water
    );
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

#[utoipa::path(get, path = "/v1/reference", tag = "sync",
    responses((status = 200, body = ReferenceData), (status = 401, body = ApiError)),
    security(("device_token" = [])))]
async fn reference(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Result<Json<ReferenceData>, ApiErr> {
    Ok(Json(
        as_device(&state, &headers, move |storage, scope| {
            storage.append_audit(&AuditEvent::device(&scope, "reference", &peer), Utc::now())?;
            Ok(storage.reference()?)
        })
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{PullPage, StoredChange};
    use jiayi_core::change::{Change, Entity};

    #[tokio::test]
    async fn a_pull_response_written_by_hand_reads_back_as_the_protocol_type() {
        let change = |seq: u64| -> Change {
            let device = uuid::Uuid::now_v7();
            Change {
                device_id: device,
                seq,
                change_id: uuid::Uuid::now_v7(),
                entity: Entity::Resident,
                entity_id: uuid::Uuid::now_v7(),
                op: jiayi_core::change::Op::Upsert,
                village_id: uuid::Uuid::now_v7(),
                hlc: jiayi_core::hlc::Hlc {
                    wall_ms: 1_700_000_000_000 + seq,
                    counter: 0,
                    device,
                },
                fields: vec!["name".into(), "note".into()],
                payload: serde_json::json!({"name": "张\"伟\\", "note": "第一行\n第二行"}),
            }
        };
        let originals = [change(1), change(2)];
        let stored: Vec<StoredChange> = originals
            .iter()
            .enumerate()
            .map(|(i, c)| {
                StoredChange::new(
                    i as i64 + 7,
                    Entity::Resident.as_str(),
                    &c.entity_id.to_string(),
                    serde_json::to_string(c).unwrap(),
                )
            })
            .collect();
        let epoch = uuid::Uuid::new_v4();
        for (changes, more) in [(vec![], false), (stored, true)] {
            let page = PullPage {
                changes,
                next_cursor: 8,
                more,
                high_water: 9,
            };
            let response = pull_response(epoch, &page);
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            let read: PullResponse = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(read.server_epoch, epoch);
            assert_eq!((read.next_cursor, read.more, read.high_water), (8, more, 9));
            assert_eq!(read.changes.len(), page.changes.len());
            for (pulled, original) in read.changes.iter().zip(&originals) {
                assert_eq!(&pulled.change, original);
            }
        }
    }
}
