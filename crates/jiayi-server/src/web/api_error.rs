//! Errors as the sync API answers them (`{code, message_zh, message_en}`), and the request
//! extractors whose refusals are answered the same way.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiayi_sync::protocol::ApiError;

use crate::error::ServerError;

/// An error answered as `{code, message_zh, message_en}`.
#[derive(Debug)]
pub struct ApiErr {
    status: StatusCode,
    body: ApiError,
}

impl ApiErr {
    pub(crate) fn new(status: StatusCode, code: &str, zh: &str, en: &str) -> ApiErr {
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

    pub(crate) fn internal() -> ApiErr {
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
