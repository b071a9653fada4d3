//! A newer version of the app the township hosts: the app names its version and platform, each
//! sync round reports them to the server, and the offer the server answers with is kept in the
//! device's sync state, so the app shows it after a restart until the new version runs (the
//! next round, reporting the new version, gets no offer and clears it).

use jiayi_store::Store;
use jiayi_sync::protocol::UpdateOffer;
use serde::{Deserialize, Serialize};

use crate::{Api, ApiResult};

/// Sync-state keys: the version and platform the app last said it runs, and the offer kept.
pub const APP_VERSION_KEY: &str = "app_version";
pub const APP_PLATFORM_KEY: &str = "app_platform";
pub const UPDATE_OFFER_KEY: &str = "update_offer";

/// What the doctor is shown: "有新版本 0.2.0 可以安装".
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UpdateOfferView {
    pub version: String,
    pub notes: String,
    /// Bytes to download.
    #[ts(type = "number")]
    pub size: u64,
    /// When the township hosted it (RFC 3339).
    pub pub_date: String,
}

impl From<UpdateOffer> for UpdateOfferView {
    fn from(o: UpdateOffer) -> Self {
        UpdateOfferView {
            version: o.version,
            notes: o.notes,
            size: o.size,
            pub_date: o.pub_date,
        }
    }
}

/// The platform this build runs on, named as the updater names it (`linux-x86_64`).
pub fn this_platform() -> String {
    let target = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86" => "i686",
        "arm" => "armv7",
        other => other,
    };
    format!("{target}-{arch}")
}

/// The version and platform the app said it runs, when it did.
pub(crate) fn reported_app(store: &Store) -> Option<(String, String)> {
    let version = store.sync_state(APP_VERSION_KEY).ok().flatten()?;
    let platform = store.sync_state(APP_PLATFORM_KEY).ok().flatten()?;
    (!version.is_empty() && !platform.is_empty()).then_some((version, platform))
}

/// Keeps what the server offered in this round (nothing clears what was kept).
pub(crate) fn keep_offer(
    store: &mut Store,
    offer: Option<&UpdateOffer>,
) -> jiayi_store::Result<()> {
    let value = match offer {
        Some(o) => serde_json::to_string(o).unwrap_or_default(),
        None => String::new(),
    };
    store.set_sync_state(UPDATE_OFFER_KEY, &value)
}

impl Api {
    /// The app names the version it runs (its package's) and its platform; reported to the
    /// server from the next sync round on.
    pub fn set_app_release(&mut self, version: &str, platform: &str) -> ApiResult<()> {
        let lang = self.lang;
        let store = self.store_mut();
        for (key, value) in [(APP_VERSION_KEY, version), (APP_PLATFORM_KEY, platform)] {
            if store.sync_state(key).ok().flatten().as_deref() != Some(value) {
                store
                    .set_sync_state(key, value.trim())
                    .map_err(|e| crate::ApiError::from_store(e, lang))?;
            }
        }
        Ok(())
    }

    /// The newer version the township offered at the last sync, when there is one.
    pub fn update_offer(&self) -> ApiResult<Option<UpdateOfferView>> {
        let kept = self
            .store
            .sync_state(UPDATE_OFFER_KEY)
            .map_err(|e| crate::ApiError::from_store(e, self.lang))?;
        Ok(kept
            .filter(|v| !v.is_empty())
            .and_then(|v| serde_json::from_str::<UpdateOffer>(&v).ok())
            .map(UpdateOfferView::from))
    }
}
