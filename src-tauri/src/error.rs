//! Errors of the shell itself (files, first start, the viewer). They reach the UI in the same
//! `{code, message}` shape as the API's errors, by becoming an `ApiError`.

use std::path::Path;

use jiayi_api::ApiError;
use jiayi_core::Lang;

pub type Result<T, E = ShellError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("cannot use {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the local database is not set up yet")]
    NotSetUp,
    #[error("the app is locked")]
    Locked,
    #[error("the file was not chosen in the app")]
    NotChosen,
    #[error("{0}")]
    Api(#[from] ApiError),
}

impl ShellError {
    pub fn io(path: &Path, source: std::io::Error) -> ShellError {
        ShellError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// The error as the UI receives it, in `lang`.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            ShellError::Api(e) => e.localised(lang),
            ShellError::Io { path, source } => ApiError::new(
                "storage",
                &format!("无法读写 {path}：{source}"),
                &format!("cannot use {path}: {source}"),
            )
            .localised(lang),
            ShellError::Locked => ApiError::new(
                "locked",
                "已锁定，请输入口令解锁",
                "locked: type the passphrase to unlock",
            )
            .localised(lang),
            ShellError::NotChosen => ApiError::new(
                "file_not_chosen",
                "只能导入在本应用中选择的文件，请重新选择文件",
                "only a file chosen in the app can be imported: choose the file again",
            )
            .localised(lang),
            ShellError::NotSetUp => ApiError::new(
                "not_set_up",
                "本机数据库尚未建立",
                "the local database is not set up yet",
            )
            .localised(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_errors_reach_the_ui_as_code_and_message() {
        let e = ShellError::NotSetUp.into_api(Lang::Zh);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_set_up", "message": "本机数据库尚未建立"})
        );
        let e =
            ShellError::io(Path::new("/x"), std::io::Error::other("disk full")).into_api(Lang::En);
        assert_eq!(e.code, "storage");
        assert!(
            e.message.contains("disk full"),
            "the cause is kept: {}",
            e.message
        );
    }
}
