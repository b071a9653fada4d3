//! A package refused at upload: a stable code and the administrator's message in Chinese.

use crate::error::ServerError;

pub(crate) fn refused(code: &'static str, message: String) -> ServerError {
    ServerError::UpdateRefused { code, message }
}
