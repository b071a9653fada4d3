/// Everything the server's library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
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
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, ServerError>;
