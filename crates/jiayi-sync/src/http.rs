//! The real transport: JSON over HTTPS with a bearer token (reqwest, rustls), trusting only the
//! township's own CA. Plain HTTP is allowed to a loopback server only (development, the demo).

use std::time::Duration;

use serde::de::DeserializeOwned;

use jiayi_core::data_kind::{DATA_KIND_HEADER, DataKind};
use jiayi_core::record_blocks::{self, BLOCKS_RUNNING_LOW_HEADER, BlockRunningLow};

use crate::engine::Transport;
use crate::enrollment::EnrollmentFile;
use crate::error::{Result, SyncError};
use crate::protocol::{
    ApiError, InfoQuery, PullQuery, PullResponse, PushRequest, PushResponse, ReferenceData,
    ServerInfo,
};

pub struct HttpTransport {
    base: String,
    token: String,
    client: reqwest::blocking::Client,
    /// Told to the server on every request: demo and real data never meet.
    data_kind: DataKind,
    /// The app's version and platform, reported with `GET /v1/info` (see [`Self::reporting_app`]).
    app: Option<(String, String)>,
    /// The device's record-number blocks that run low, stated when it asks for reference data.
    blocks_running_low: Vec<BlockRunningLow>,
}

impl HttpTransport {
    /// A server on loopback over plain HTTP, e.g. `http://127.0.0.1:8470` (development, the
    /// demo, tests); `token` is the one printed at enrollment. Any other address is refused:
    /// use [`HttpTransport::with_ca`].
    pub fn new(base: &str, token: &str) -> Result<HttpTransport> {
        HttpTransport::with_ca(base, token, None)
    }

    /// `https://…` trusts only `ca_pem` (the township CA certificate, PEM): no built-in roots,
    /// no redirect to plain HTTP; without a CA it is refused. `http://…` is allowed only to a
    /// loopback host (127.0.0.0/8, ::1, localhost) and refused before connecting otherwise.
    pub fn with_ca(base: &str, token: &str, ca_pem: Option<&str>) -> Result<HttpTransport> {
        let base = base.trim().trim_end_matches('/');
        let url = reqwest::Url::parse(base).map_err(|e| {
            SyncError::insecure_address(format!("'{base}' is not a server address: {e}"))
        })?;
        let builder = reqwest::blocking::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120));
        let builder = match url.scheme() {
            "https" => {
                let Some(pem) = ca_pem.filter(|p| !p.trim().is_empty()) else {
                    return Err(SyncError::insecure_address(
                        "an https server needs the township CA certificate to be pinned",
                    ));
                };
                let cas = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                    SyncError::insecure_address(format!("the township CA certificate: {e}"))
                })?;
                if cas.is_empty() {
                    return Err(SyncError::insecure_address(
                        "the township CA certificate holds no certificate",
                    ));
                }
                cas.into_iter().fold(
                    builder.tls_built_in_root_certs(false).https_only(true),
                    |b, ca| b.add_root_certificate(ca),
                )
            }
            "http" if is_loopback(&url) => builder,
            "http" => {
                return Err(SyncError::insecure_address(format!(
                    "plain http to {base} would send the token and records in clear text; use https"
                )));
            }
            other => {
                return Err(SyncError::insecure_address(format!(
                    "unsupported scheme '{other}' in {base}"
                )));
            }
        };
        let client = builder
            .build()
            .map_err(|e| SyncError::insecure_address(format!("TLS set-up: {e}")))?;
        Ok(HttpTransport {
            base: base.to_string(),
            token: token.to_string(),
            client,
            data_kind: DataKind::Real,
            app: None,
            blocks_running_low: Vec::new(),
        })
    }

    /// States the store's kind to the server, which refuses a demo store unless it is itself a
    /// demo server (and a real store if it is).
    pub fn with_data_kind(mut self, kind: DataKind) -> HttpTransport {
        self.data_kind = kind;
        self
    }

    /// Reports the app's `version` and `platform` (`linux-x86_64`) with every `GET /v1/info`,
    /// so the server offers a newer version it hosts.
    pub fn reporting_app(mut self, version: &str, platform: &str) -> HttpTransport {
        self.app = Some((version.to_string(), platform.to_string()));
        self
    }

    /// States the store's record-number blocks that run low when reference data is fetched, so
    /// the township hands out new ones.
    pub fn asking_for_blocks(mut self, running_low: Vec<BlockRunningLow>) -> HttpTransport {
        self.blocks_running_low = running_low;
        self
    }

    fn get(&self, path: &str) -> reqwest::blocking::RequestBuilder {
        self.authorised(self.client.get(format!("{}{path}", self.base)))
    }

    fn post(&self, path: &str) -> reqwest::blocking::RequestBuilder {
        self.authorised(self.client.post(format!("{}{path}", self.base)))
    }

    fn authorised(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        request
            .bearer_auth(&self.token)
            .header(DATA_KIND_HEADER, self.data_kind.as_str())
    }

    /// The transport an imported enrollment file describes.
    pub fn from_enrollment(file: &EnrollmentFile) -> Result<HttpTransport> {
        HttpTransport::with_ca(&file.server, &file.token, file.ca_pem.as_deref())
    }

    fn answer<T: DeserializeOwned>(
        &self,
        response: reqwest::Result<reqwest::blocking::Response>,
    ) -> Result<T> {
        let response = response.map_err(request_error)?;
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

fn is_loopback(url: &reqwest::Url) -> bool {
    url.host_str()
        .is_some_and(crate::enrollment::is_loopback_host)
}

/// A request that got no answer. A certificate the pinned CA did not sign is not a network
/// hiccup to retry: it is a wrong server, said plainly.
fn request_error(e: reqwest::Error) -> SyncError {
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(err) = source {
        chain.push(err.to_string());
        source = err.source();
    }
    let text = chain.join(": ");
    let lower = text.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("unknownissuer") {
        SyncError::untrusted_server(text)
    } else {
        SyncError::Network(text)
    }
}

impl Transport for HttpTransport {
    fn info(&self, seen: &InfoQuery) -> Result<ServerInfo> {
        let mut query = seen.clone();
        if let Some((version, platform)) = &self.app {
            query.app_version = Some(version.clone());
            query.app_platform = Some(platform.clone());
        }
        self.answer(self.get("/v1/info").query(&query).send())
    }

    fn push(&self, request: &PushRequest) -> Result<PushResponse> {
        self.answer(self.post("/v1/push").json(request).send())
    }

    fn pull(&self, after: u64, limit: u32, own: bool) -> Result<PullResponse> {
        self.answer(
            self.get("/v1/pull")
                .query(&PullQuery { after, limit, own })
                .send(),
        )
    }

    fn reference(&self) -> Result<ReferenceData> {
        let mut request = self.get("/v1/reference");
        if !self.blocks_running_low.is_empty() {
            request = request.header(
                BLOCKS_RUNNING_LOW_HEADER,
                record_blocks::header_value(&self.blocks_running_low),
            );
        }
        self.answer(request.send())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8470",
            "http://127.3.2.1:1/",
            "http://[::1]:8470",
            "http://localhost:8470",
        ] {
            assert!(HttpTransport::new(ok, "t").is_ok(), "{ok}");
        }
        for bad in [
            "http://192.168.1.10:8470",
            "http://10.0.0.1",
            "http://township.example",
            "http://[fe80::1]:8470",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            let e = HttpTransport::new(bad, "t").err().expect(bad);
            assert_eq!(e.code(), crate::error::INSECURE_ADDRESS, "{bad}");
            assert!(!e.is_retryable());
        }
        let e = HttpTransport::with_ca("https://10.0.0.2:8470", "t", None)
            .err()
            .expect("https without a CA");
        assert_eq!(e.code(), crate::error::INSECURE_ADDRESS);
        let e = HttpTransport::with_ca("https://10.0.0.2:8470", "t", Some("not a pem"))
            .err()
            .expect("garbage CA");
        assert_eq!(e.code(), crate::error::INSECURE_ADDRESS);
    }
}
