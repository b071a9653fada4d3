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

impl SyncError {
    /// Whether running the round again later may succeed without anyone doing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Network(_) | SyncError::Server { .. })
    }

    /// A stable code for the app.
    pub fn code(&self) -> &'static str {
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
