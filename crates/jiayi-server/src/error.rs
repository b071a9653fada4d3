/// Everything the server's library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A storage backend's own error (the database driver's), named by the backend. Each
    /// backend turns its driver's errors into this one, so no driver type reaches the rest of
    /// the server.
    #[error("{backend}: {source}")]
    Storage {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A schema migration failed (the same migration runner serves both backends).
    #[error("migration: {0}")]
    Migration(#[from] refinery::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("configuration: {0}")]
    Config(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("offline bundle refused: {0}")]
    Bundle(#[from] jiayi_sync::bundle::BundleError),
    /// An update package refused at upload (`updates::add`): a stable code and a message for
    /// the township's administrator, in Chinese.
    #[error("{message}")]
    UpdateRefused { code: &'static str, message: String },
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl ServerError {
    /// A backend's driver error as a storage error.
    pub fn storage(
        backend: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> ServerError {
        ServerError::Storage {
            backend,
            source: Box::new(source),
        }
    }
}

pub type Result<T> = std::result::Result<T, ServerError>;
