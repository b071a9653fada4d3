use jiayi_core::{CoreError, Lang};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] CoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database could not be upgraded: {0}")]
    Migration(String),
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("the database file was made by a newer version of Jiayi")]
    TooNew,
    /// The key does not open the database (or none was given for an encrypted one).
    #[error("the passphrase does not open this database")]
    WrongKey,
    #[error("the key file could not be used: {0}")]
    KeyFile(String),
    /// A backup file that is not whole: truncated, altered, or not a backup at all.
    #[error("the backup file is damaged or incomplete: {0}")]
    Backup(String),
    /// The recovery key given does not open the store's key file.
    #[error("{}", if *sealed { "this recovery key is not the one this store was sealed to; nothing was changed" } else { "this store was never sealed to a recovery key (the device has not synced since the township made one); nothing was changed" })]
    RecoveryKey { sealed: bool },
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Domain(e) => e.code(),
            StoreError::Sqlite(e) if is_busy(e) => "store_busy",
            StoreError::Sqlite(_) => "store_error",
            StoreError::Migration(_) | StoreError::TooNew => "store_version",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Corrupt(_) => "store_corrupt",
            StoreError::WrongKey => "wrong_passphrase",
            StoreError::KeyFile(_) => "key_file",
            StoreError::Backup(_) => "backup_corrupt",
            StoreError::RecoveryKey { .. } => "recovery_key_mismatch",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (StoreError::Domain(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (StoreError::Sqlite(e), Lang::Zh) if is_busy(e) => "数据库正忙，请稍后重试".into(),
            (StoreError::Sqlite(e), Lang::Zh) => format!("数据库出错：{e}。已保存的数据不受影响"),
            (StoreError::Migration(e), Lang::Zh) => format!("数据库升级失败：{e}。原有数据未改动"),
            (StoreError::NotFound { entity, id }, Lang::Zh) => {
                format!("找不到{}（{id}）", entity_zh(entity))
            }
            (StoreError::Corrupt(e), Lang::Zh) => format!("数据读取失败：{e}"),
            (StoreError::WrongKey, Lang::Zh) => "口令不对，无法打开本机数据库".into(),
            (StoreError::KeyFile(e), Lang::Zh) => {
                format!("密钥文件无法使用：{e}。数据库未改动")
            }
            (StoreError::Backup(e), Lang::Zh) => {
                format!("备份文件已损坏或不完整（{e}），未做任何改动")
            }
            (StoreError::RecoveryKey { sealed: true }, Lang::Zh) => {
                "该恢复密钥不是本机数据加封时所用的卫生院恢复密钥，未做任何改动".into()
            }
            (StoreError::RecoveryKey { sealed: false }, Lang::Zh) => {
                "本机数据尚未加封卫生院恢复密钥（卫生院生成恢复密钥后本机尚未同步过），无法恢复，未做任何改动".into()
            }
            (StoreError::TooNew, Lang::Zh) => {
                "该数据库由更新版本的家医签约创建，请先升级软件".into()
            }
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn entity_zh(entity: &str) -> &str {
    match entity {
        "household" => "家庭",
        "resident" => "居民",
        "contract" => "签约协议",
        "village" => "村",
        "team" => "签约团队",
        "doctor" => "医生",
        "visit" => "服务记录",
        "catalog" => "服务包目录",
        other => other,
    }
}
