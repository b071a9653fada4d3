//! Errors of the shell itself (files, start-up). They reach the UI in the same `{code, message}`
//! shape as the API's errors.

use std::path::Path;

use jiayi_core::Lang;
use serde::ser::SerializeStruct;

pub type Result<T, E = ShellError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("cannot use {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the local database is not set up yet")]
    NotSetUp,
    #[error("cannot open the file in the system viewer: {0}")]
    Viewer(String),
}

impl ShellError {
    pub fn io(path: &Path, source: std::io::Error) -> ShellError {
        ShellError::Io { path: path.display().to_string(), source }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ShellError::InvalidInput(_) => "invalid_input",
            ShellError::Io { .. } => "storage",
            ShellError::NotSetUp => "not_found",
            ShellError::Viewer(_) => "print",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Zh => match self {
                ShellError::InvalidInput(what) => format!("输入无效：{what}"),
                ShellError::Io { path, source } => format!("无法读写文件 {path}：{source}"),
                ShellError::NotSetUp => "本机数据库尚未建立".into(),
                ShellError::Viewer(e) => format!("无法用系统程序打开文件：{e}"),
            },
        }
    }
}

/// An error as the UI receives it.
#[derive(Debug)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
}

impl UiError {
    pub fn shell(e: ShellError, lang: Lang) -> UiError {
        UiError { code: e.code(), message: e.message(lang) }
    }
}

impl serde::Serialize for UiError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("UiError", 2)?;
        s.serialize_field("code", self.code)?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
}
