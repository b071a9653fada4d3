use jiayi_core::Lang;

/// Everything that can stop a sync round.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached or the connection broke. Nothing was lost: the round can
    /// simply be run again.
    #[error("network: {0}")]
    Network(String),
    /// The server answered with an error of its own (5xx): worth a retry later.
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    /// The token is unknown or was revoked: the device must be enrolled again.
    #[error("device not authorised: {0}")]
    Unauthorized(String),
    /// The server refused the request itself (4xx other than 401).
    #[error("request refused ({status}): {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The server's answer does not fit the protocol.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The device's own store failed.
    #[error("local store: {0}")]
    Replica(String),
}

pub type Result<T> = std::result::Result<T, SyncError>;

/// [`SyncError::Refused`] code: the server's TLS certificate is not signed by the pinned
/// township CA (a wrong server or a man in the middle). Status 0: the device refused before
/// any HTTP exchange.
pub const UNTRUSTED_SERVER: &str = "untrusted_server";
/// [`SyncError::Refused`] code: the address would send the token and health records in clear
/// text over a network (plain `http` to a host that is not loopback). Status 0: nothing was
/// sent.
pub const INSECURE_ADDRESS: &str = "insecure_address";

impl SyncError {
    /// The server's certificate did not verify against the pinned township CA.
    pub fn untrusted_server(detail: impl std::fmt::Display) -> SyncError {
        SyncError::Refused {
            status: 0,
            code: UNTRUSTED_SERVER.into(),
            message: format!("the server's certificate is not the township's ({detail})"),
        }
    }

    /// The address is refused before connecting (clear text off loopback, or unusable).
    pub fn insecure_address(detail: impl std::fmt::Display) -> SyncError {
        SyncError::Refused {
            status: 0,
            code: INSECURE_ADDRESS.into(),
            message: detail.to_string(),
        }
    }

    fn refused_code(&self) -> Option<&str> {
        match self {
            SyncError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether running the round again later may succeed without anyone doing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Network(_) | SyncError::Server { .. })
    }

    /// A stable code for the app.
    pub fn code(&self) -> &'static str {
        match self.refused_code() {
            Some(UNTRUSTED_SERVER) => return UNTRUSTED_SERVER,
            Some(INSECURE_ADDRESS) => return INSECURE_ADDRESS,
            _ => {}
        }
        match self {
            SyncError::Network(_) => "network",
            SyncError::Server { .. } => "server",
            SyncError::Unauthorized(_) => "unauthorized",
            SyncError::Refused { .. } => "refused",
            SyncError::Protocol(_) => "protocol",
            SyncError::Replica(_) => "local_store",
        }
    }

    /// What to tell the doctor.
    pub fn user_message(&self, lang: Lang) -> &'static str {
        match self.refused_code() {
            Some(UNTRUSTED_SERVER) => {
                return lang.pick(
                    "服务器的证书不是本乡镇的，可能连到了冒充的服务器，同步已停止，未发送任何数据。请联系卫生院。",
                    "The server's certificate is not the township's: this may be an impostor. Sync stopped and nothing was sent; contact the health center.",
                );
            }
            Some(INSECURE_ADDRESS) => {
                return lang.pick(
                    "服务器地址不安全：网络上的服务器必须使用 https，同步已停止，未发送任何数据。请重新导入卫生院提供的登记文件。",
                    "The server address is not secure: a server on the network must use https. Sync stopped and nothing was sent; import the health center's enrollment file again.",
                );
            }
            _ => {}
        }
        match self {
            SyncError::Network(_) => lang.pick(
                "连不上乡镇服务器，本机记录都已保存，联网后会自动继续同步。",
                "Cannot reach the township server. Everything is kept on this device and sync resumes when the network is back.",
            ),
            SyncError::Server { .. } => lang.pick(
                "乡镇服务器暂时出错，本机记录都已保存，请稍后再同步。",
                "The township server had an error. Everything is kept on this device; try again later.",
            ),
            SyncError::Unauthorized(_) => lang.pick(
                "本设备的同步授权已失效或被撤销，请到卫生院重新登记设备。本机记录不受影响。",
                "This device's sync authorisation is invalid or was revoked; enroll it again at the health center. Local records are untouched.",
            ),
            SyncError::Refused { .. } => lang.pick(
                "服务器拒绝了同步请求，请联系卫生院管理员。",
                "The server refused the sync request; contact the health center's administrator.",
            ),
            SyncError::Protocol(_) => lang.pick(
                "服务器的应答无法识别，可能需要更新软件。",
                "The server's answer was not understood; the app may need an update.",
            ),
            SyncError::Replica(_) => lang.pick(
                "本机数据库出错，同步已停止，未做任何更改。",
                "The local database failed; sync stopped without changing anything.",
            ),
        }
    }
}
