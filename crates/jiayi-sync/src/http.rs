//! The real transport: JSON over HTTP(S) with a bearer token (reqwest, rustls).

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::engine::Transport;
use crate::error::{Result, SyncError};
use crate::protocol::{
    ApiError, PullResponse, PushRequest, PushResponse, ReferenceData, ServerInfo,
};

pub struct HttpTransport {
    base: String,
    token: String,
    client: reqwest::blocking::Client,
}

impl HttpTransport {
    /// `base` is the server's address, e.g. `http://127.0.0.1:8470`; `token` is the one printed
    /// at enrollment.
    pub fn new(base: &str, token: &str) -> Result<HttpTransport> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        Ok(HttpTransport {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            client,
        })
    }

    fn answer<T: DeserializeOwned>(
        &self,
        response: reqwest::Result<reqwest::blocking::Response>,
    ) -> Result<T> {
        let response = response.map_err(|e| SyncError::Network(e.to_string()))?;
        let status = response.status();
        // Reading the body can fail when the connection is cut mid-answer: that is a network
        // error, and the round is simply run again.
        let body = response
            .bytes()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| SyncError::Protocol(e.to_string()));
        }
        let api: Option<ApiError> = serde_json::from_slice(&body).ok();
        let message = api
            .as_ref()
            .map(|a| a.message_en.clone())
            .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
        let code = status.as_u16();
        Err(match code {
            401 | 403 => SyncError::Unauthorized(message),
            500..=599 => SyncError::Server {
                status: code,
                message,
            },
            _ => SyncError::Refused {
                status: code,
                code: api.map(|a| a.code).unwrap_or_default(),
                message,
            },
        })
    }
}

impl Transport for HttpTransport {
    fn info(&self) -> Result<ServerInfo> {
        self.answer(
            self.client
                .get(format!("{}/v1/info", self.base))
                .bearer_auth(&self.token)
                .send(),
        )
    }

    fn push(&self, request: &PushRequest) -> Result<PushResponse> {
        self.answer(
            self.client
                .post(format!("{}/v1/push", self.base))
                .bearer_auth(&self.token)
                .json(request)
                .send(),
        )
    }

    fn pull(&self, after: u64, limit: u32) -> Result<PullResponse> {
        self.answer(
            self.client
                .get(format!("{}/v1/pull", self.base))
                .query(&[("after", after), ("limit", u64::from(limit))])
                .bearer_auth(&self.token)
                .send(),
        )
    }

    fn reference(&self) -> Result<ReferenceData> {
        self.answer(
            self.client
                .get(format!("{}/v1/reference", self.base))
                .bearer_auth(&self.token)
                .send(),
        )
    }
}
