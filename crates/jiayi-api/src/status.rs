//! What the header shows: pending changes, last sync, what reference data the device holds.

use jiayi_core::catalog::Catalog;
use jiayi_core::household::{Team, Village};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RegisterVersion {
    pub name: String,
    pub version: String,
    pub received_at: String,
    pub entries: usize,
}

/// What the header marks on every screen: the demo township, the device's role and tools.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DeviceKind {
    pub demo: bool,
    pub tools: crate::DeviceTools,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct StatusView {
    pub device_id: Uuid,
    pub pending_changes: u64,
    pub last_sync: Option<String>,
    pub catalog_version: String,
    pub registers: Vec<RegisterVersion>,
    pub households: u64,
    pub residents: u64,
    pub contracts: u64,
    pub visits: u64,
    pub township: String,
    /// The demo (training) township: marked on every screen and print, kept from real servers.
    pub demo: bool,
    /// The device's role and the township tools it offers.
    pub tools: crate::DeviceTools,
}

/// Key of the last successful sync time in the store's sync state.
pub const LAST_SYNC_KEY: &str = "last_sync_at";

impl Api {
    pub fn status(&self) -> ApiResult<StatusView> {
        let s = &self.store;
        let fail = |e| self.fail(e);
        Ok(StatusView {
            device_id: s.device_id(),
            pending_changes: s.pending_count().map_err(fail)?,
            last_sync: s.sync_state(LAST_SYNC_KEY).map_err(fail)?,
            catalog_version: s.current_catalog().map_err(fail)?.version,
            registers: s
                .registers()
                .map_err(fail)?
                .into_iter()
                .map(|(name, version, received_at, entries)| RegisterVersion {
                    name,
                    version,
                    received_at,
                    entries,
                })
                .collect(),
            households: s.household_count().map_err(fail)?,
            residents: s.resident_count().map_err(fail)?,
            contracts: s.contract_count().map_err(fail)?,
            visits: s.visit_count().map_err(fail)?,
            township: s.settings().map_err(fail)?.township,
            demo: s.data_kind().map_err(fail)?.is_demo(),
            tools: self.device_tools()?,
        })
    }

    /// What the header marks: the demo township, and the device's role and tools. Read without
    /// the counts of [`Api::status`], which scan whole tables.
    pub fn device_kind(&self) -> ApiResult<DeviceKind> {
        Ok(DeviceKind {
            demo: self.is_demo()?,
            tools: self.device_tools()?,
        })
    }

    /// Whether the store holds the demo township.
    pub fn is_demo(&self) -> ApiResult<bool> {
        Ok(self.store.data_kind().map_err(|e| self.fail(e))?.is_demo())
    }

    /// Marks the store as the demo township's, for good (the demo builder does this first).
    pub fn mark_demo(&mut self) -> ApiResult<()> {
        self.store.mark_demo().map_err(|e| self.fail(e))?;
        self.note("mark_demo", "device", "the demo township")
    }

    pub fn catalog(&self) -> ApiResult<Catalog> {
        self.store.current_catalog().map_err(|e| self.fail(e))
    }

    pub fn teams(&self) -> ApiResult<Vec<Team>> {
        self.store.teams().map_err(|e| self.fail(e))
    }

    /// The township's villages, the device's own first.
    pub fn villages(&self) -> ApiResult<Vec<Village>> {
        let mut villages = self.store.villages().map_err(|e| self.fail(e))?;
        self.own_first(&mut villages, |v| v.id);
        Ok(villages)
    }

    pub fn settings(&self) -> ApiResult<jiayi_store::TownshipSettings> {
        self.store.settings().map_err(|e| self.fail(e))
    }

    /// Changes the township settings; agreements already signed keep their terms.
    pub fn put_settings(&mut self, settings: &jiayi_store::TownshipSettings) -> ApiResult<()> {
        self.store.put_settings(settings).map_err(|e| self.fail(e))
    }

    pub fn save_draft(&mut self, form: &str, json: &str) -> ApiResult<()> {
        let now = self.now();
        self.store
            .put_draft(form, json, now)
            .map_err(|e| self.fail(e))
    }

    pub fn draft(&self, form: &str) -> ApiResult<Option<String>> {
        self.store.draft(form).map_err(|e| self.fail(e))
    }

    pub fn discard_draft(&mut self, form: &str) -> ApiResult<()> {
        self.store.delete_draft(form).map_err(|e| self.fail(e))
    }
}
