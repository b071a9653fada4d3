//! Sync's failures as the doctor reads them: each error of the sync engine and of bundles
//! turned into an [`ApiError`] with a stable code, and the warnings a round can give.

use jiayi_core::Lang;
use jiayi_core::data_kind::KindMismatch;
use jiayi_sync::SyncError;
use jiayi_sync::bundle::BundleError;

use crate::error::ApiError;

/// The error a failed round shows.
pub fn sync_error(e: &SyncError, lang: Lang) -> ApiError {
    if let SyncError::Refused { code, .. } = e
        && let Some(mismatch) = KindMismatch::from_code(code)
    {
        return ApiError::new(code, mismatch.message_zh(), mismatch.message_en()).localised(lang);
    }
    let code = match e {
        SyncError::Network(_) => "server_unreachable",
        SyncError::Server { .. } => "server_error",
        SyncError::Unauthorized(_) => "token_revoked",
        // Refused before anything was sent: a server the township's CA did not sign (a wrong
        // server or a man in the middle), or an address that would go out in clear text.
        SyncError::Refused { code, .. } if code == jiayi_sync::error::UNTRUSTED_SERVER => {
            jiayi_sync::error::UNTRUSTED_SERVER
        }
        SyncError::Refused { code, .. } if code == jiayi_sync::error::INSECURE_ADDRESS => {
            jiayi_sync::error::INSECURE_ADDRESS
        }
        SyncError::Refused { .. } => "sync_refused",
        SyncError::Protocol(_) => "sync_protocol",
        SyncError::Replica(_) => "local_store",
    };
    ApiError::new(code, e.user_message(Lang::Zh), e.user_message(Lang::En)).localised(lang)
}

pub(super) fn bundle_error(e: &BundleError, lang: Lang) -> ApiError {
    let code = match e {
        BundleError::Damaged => "bundle_damaged",
        BundleError::Foreign(_) => "bundle_foreign",
        BundleError::WrongDirection => "bundle_wrong_direction",
        BundleError::OldFormat => "bundle_old_format",
        BundleError::NoTownshipKey => "bundle_no_township_key",
        BundleError::BadSignature => "bundle_bad_signature",
        BundleError::UnknownRequest(_) => "bundle_unknown_request",
        BundleError::AlreadyImported(_) => "bundle_already_imported",
        BundleError::TokenRefused => "bundle_token_refused",
        BundleError::Replica(_) => "local_store",
    };
    ApiError::new(code, e.user_message(Lang::Zh), e.user_message(Lang::En)).localised(lang)
}

pub(super) fn not_enrolled(lang: Lang) -> ApiError {
    ApiError::new(
        "not_enrolled",
        "本设备尚未登记到乡镇服务器，请先在“同步设置”中填写卫生院给的服务器地址和接入码。",
        "This device is not enrolled with a township server yet; enter the server address and enrollment token in the sync settings first.",
    )
    .localised(lang)
}

pub(super) fn skew_warning(skew_ms: i64, lang: Lang) -> ApiError {
    let minutes = (skew_ms.abs() + 59_999) / 60_000;
    let (zh, en) = if skew_ms > 0 {
        (
            format!(
                "本机时钟比乡镇服务器快约 {minutes} 分钟，请校准电脑时间（记录顺序不受影响）。"
            ),
            format!(
                "This computer's clock is about {minutes} min ahead of the township server; please set the time (record order is unaffected)."
            ),
        )
    } else {
        (
            format!(
                "本机时钟比乡镇服务器慢约 {minutes} 分钟，请校准电脑时间（记录顺序不受影响）。"
            ),
            format!(
                "This computer's clock is about {minutes} min behind the township server; please set the time (record order is unaffected)."
            ),
        )
    };
    ApiError::new("clock_skew", &zh, &en).localised(lang)
}

pub(super) fn store_err(e: jiayi_store::StoreError, lang: Lang) -> ApiError {
    ApiError::from_store(e, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_skew_is_told_in_minutes() {
        let w = skew_warning(-6 * 60_000, Lang::Zh);
        assert_eq!(w.code, "clock_skew");
        assert!(w.message.contains("慢约 6 分钟"), "{}", w.message);
    }
}
