//! Errors as the UI receives them: `{code, message}`, the message in the user's language.

use jiayi_core::{CoreError, Lang};
use jiayi_store::StoreError;
use serde::{Deserialize, Serialize};

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[error("{message}")]
pub struct ApiError {
    /// Stable, machine-readable (the UI acts on it; unknown codes get a generic treatment).
    pub code: String,
    /// For a person, in their language.
    pub message: String,
    /// Which row of a form the error is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_index: Option<usize>,
    #[serde(skip)]
    texts: Option<Source>,
}

#[derive(Debug, Clone, PartialEq)]
enum Source {
    Core(CoreError),
    Texts { zh: String, en: String },
}

impl ApiError {
    pub fn new(code: &str, zh: &str, en: &str) -> ApiError {
        ApiError {
            code: code.to_string(),
            message: zh.to_string(),
            member_index: None,
            texts: Some(Source::Texts {
                zh: zh.to_string(),
                en: en.to_string(),
            }),
        }
    }

    pub fn from_core(e: CoreError, lang: Lang) -> ApiError {
        let mut out: ApiError = e.into();
        out.localise(lang);
        out
    }

    pub fn from_store(e: StoreError, lang: Lang) -> ApiError {
        let mut out: ApiError = e.into();
        out.localise(lang);
        out
    }

    pub fn for_member(mut self, index: usize) -> ApiError {
        self.member_index = Some(index);
        self
    }

    /// The same error with its message in `lang`.
    pub fn localised(mut self, lang: Lang) -> ApiError {
        self.localise(lang);
        self
    }

    /// Sets the message in the language of the user.
    pub(crate) fn localise(&mut self, lang: Lang) {
        match &self.texts {
            Some(Source::Core(e)) => self.message = e.message(lang),
            Some(Source::Texts { zh, en }) => self.message = lang.pick(zh, en).to_string(),
            None => {}
        }
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> ApiError {
        ApiError::new(
            "not_found",
            &format!("找不到{what_zh}"),
            &format!("{what_en} was not found"),
        )
    }

    pub fn invalid(code: &str, zh: &str, en: &str) -> ApiError {
        ApiError::new(code, zh, en)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError {
            code: e.code().to_string(),
            message: e.message(Lang::Zh),
            member_index: None,
            texts: Some(Source::Core(e)),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if let StoreError::Domain(core) = e {
            return core.into();
        }
        let zh = e.message(Lang::Zh);
        let en = e.message(Lang::En);
        ApiError {
            code: e.code().to_string(),
            message: zh.clone(),
            member_index: None,
            texts: Some(Source::Texts { zh, en }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = ApiError::from_core(CoreError::Required { field: "name" }, Lang::Zh);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "required", "message": "请填写姓名"})
        );
        let e = ApiError::from_core(CoreError::Required { field: "name" }, Lang::En).for_member(2);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "required", "message": "name is required", "member_index": 2})
        );
    }
}
