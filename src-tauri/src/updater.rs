//! Installing a newer version the township hosts. The updater is built when the doctor agrees
//! to install, with the enrolled township server as its only endpoint, the device's token as
//! its authorisation and, over https, the township CA as the certificate it trusts. The plugin
//! downloads the package, checks the release signer's signature with the public key the app
//! ships (`plugins.updater.pubkey`), refuses a version not newer than the running one, installs
//! it (`dpkg -i` through pkexec or sudo on Linux, the NSIS installer in passive mode on Windows)
//! and the app restarts into the new version.

use std::time::Duration;

use jiayi_api::ApiError;
use jiayi_api::updates::UpdateOfferView;
use jiayi_core::Lang;
use jiayi_core::data_kind::DATA_KIND_HEADER;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_updater::{Error as UpdaterError, UpdaterExt};

use crate::state::AppState;

/// The address the updater asks, on the enrolled server (the plugin fills the placeholders).
fn endpoint(server: &str) -> String {
    format!(
        "{}/v1/updates/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
        server.trim_end_matches('/')
    )
}

/// An updater error as the doctor reads it.
fn explain(e: &UpdaterError, lang: Lang) -> ApiError {
    let (code, zh, en) = match e {
        UpdaterError::Minisign(_) | UpdaterError::SignedVersionMismatch { .. } => (
            "update_bad_signature",
            "下载的安装包签名不正确，已拒绝安装。请联系卫生院。",
            "The downloaded package's signature is wrong; it was not installed. Contact the health center.",
        ),
        UpdaterError::AuthenticationFailed => (
            "update_no_permission",
            "没有安装权限：需要电脑管理员密码才能安装新版本。",
            "No permission to install: the computer's administrator password is needed.",
        ),
        UpdaterError::DebInstallFailed
        | UpdaterError::PackageInstallFailed
        | UpdaterError::InvalidUpdaterFormat => (
            "update_install_failed",
            "安装新版本失败，原版本仍可继续使用。",
            "Installing the new version failed; the current version keeps working.",
        ),
        UpdaterError::InsecureTransportProtocol => (
            "update_insecure_server",
            "乡镇服务器未使用 https，不能从它安装更新。",
            "The township server does not use https; updates are not installed from it.",
        ),
        _ => (
            "update_download_failed",
            "无法从乡镇服务器下载新版本，请稍后在能连上服务器时再试。",
            "The new version could not be downloaded from the township server; try again when it is reachable.",
        ),
    };
    eprintln!("update: {e}");
    ApiError::new(code, zh, en).localised(lang)
}

/// The newer version the township offered at the last sync.
#[tauri::command]
pub async fn update_offer(state: State<'_, AppState>) -> Result<Option<UpdateOfferView>, ApiError> {
    state.api(|api| api.update_offer())
}

/// Downloads, checks and installs the offered version, then restarts the app.
#[tauri::command]
pub async fn install_update(app: AppHandle) -> Result<(), ApiError> {
    let state = app.state::<AppState>();
    let lang = state.lang();
    let (enrollment, kind) = state.api(|api| {
        let fail = |e| ApiError::from_store(e, api.lang());
        let store = api.store();
        Ok((
            store.enrollment().map_err(fail)?,
            store.data_kind().map_err(fail)?,
        ))
    })?;
    let Some(enrollment) = enrollment else {
        return Err(ApiError::new(
            "not_enrolled",
            "本设备尚未登记到乡镇服务器。",
            "This device is not enrolled with a township server.",
        )
        .localised(lang));
    };
    let url = endpoint(&enrollment.server_url).parse().map_err(|_| {
        ApiError::new(
            "update_download_failed",
            "乡镇服务器地址无效。",
            "The township server's address is not valid.",
        )
        .localised(lang)
    })?;
    let mut builder = app
        .updater_builder()
        .endpoints(vec![url])
        .and_then(|b| b.header("Authorization", format!("Bearer {}", enrollment.token)))
        // A demo laptop is updated only by a demo server, as it syncs only with one.
        .and_then(|b| b.header(DATA_KIND_HEADER, kind.as_str()))
        .map_err(|e| explain(&e, lang))?
        .timeout(Duration::from_secs(30 * 60));
    if let Some(pem) = enrollment.ca_pem.filter(|p| !p.trim().is_empty()) {
        // Over https only the township CA is trusted, as for sync.
        let cas = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|_| {
            ApiError::new(
                "untrusted_server",
                "乡镇 CA 证书无法读取。",
                "The township CA certificate cannot be read.",
            )
            .localised(lang)
        })?;
        builder = builder.configure_client(move |client| client.tls_certs_only(cas.clone()));
    }
    let updater = builder.build().map_err(|e| explain(&e, lang))?;
    let Some(update) = updater.check().await.map_err(|e| explain(&e, lang))? else {
        return Err(ApiError::new(
            "update_none",
            "乡镇服务器上没有比当前更新的版本。",
            "The township server has no version newer than this one.",
        )
        .localised(lang));
    };
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(|e| explain(&e, lang))?;
    // Close the store before the new version starts.
    state.lock();
    app.restart();
}
