//! The header's sync line and the server's refusals as the doctor reads and settles them.

use jiayi_core::Lang;

use super::round::{LAST_ERROR_KEY, is_syncing};
use super::views::{LastSyncError, RefusalView, SyncStatusView};
use crate::Api;
use crate::error::{ApiError, ApiResult};
use crate::status::LAST_SYNC_KEY;

impl Api {
    /// The header's sync line.
    pub fn sync_status(&self) -> ApiResult<SyncStatusView> {
        let s = &self.store;
        let fail = |e| self.fail(e);
        let enrollment = s.enrollment().map_err(fail)?;
        let last_error = s
            .sync_state(LAST_ERROR_KEY)
            .map_err(fail)?
            .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
            .and_then(|v| {
                let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
                Some(LastSyncError {
                    code: text("code")?,
                    message: if self.lang == Lang::En {
                        text("message_en")?
                    } else {
                        text("message_zh")?
                    },
                    at: text("at").unwrap_or_default(),
                })
            });
        Ok(SyncStatusView {
            enrolled: enrollment.is_some(),
            server_url: enrollment.map(|e| e.server_url),
            device_id: s.device_id(),
            pending_changes: s.pending_count().map_err(fail)?,
            last_sync_at: s
                .sync_state(LAST_SYNC_KEY)
                .map_err(fail)?
                .filter(|v| !v.is_empty()),
            last_error,
            open_refusals: s.open_refusal_count().map_err(fail)?,
            syncing: is_syncing(s.device_id()),
            reference: s.reference_versions().map_err(fail)?,
        })
    }

    /// The server's refusals, newest first; settled ones only with `include_settled`.
    pub fn refusals(&self, include_settled: bool) -> ApiResult<Vec<RefusalView>> {
        let lang = self.lang;
        Ok(self
            .store
            .refusals(include_settled)
            .map_err(|e| self.fail(e))?
            .into_iter()
            .map(|r| RefusalView {
                id: r.id,
                seq: r.seq,
                entity_label: entity_label(&r.entity, lang),
                entity: r.entity,
                entity_id: r.entity_id,
                record_name: r.record_name,
                village_name: r.village_name,
                code: r.code,
                message: lang.pick(&r.message_zh, &r.message_en).to_string(),
                refused_at: r.refused_at,
                read: r.read_at.is_some(),
                settled: r.settled_at.is_some(),
            })
            .collect())
    }

    /// The doctor has seen the list.
    pub fn mark_refusals_read(&mut self) -> ApiResult<u64> {
        let now = self.now();
        self.store.mark_refusals_read(now).map_err(|e| self.fail(e))
    }

    /// The doctor has dealt with a refusal (corrected the record, or asked the health center).
    pub fn settle_refusal(&mut self, id: i64) -> ApiResult<()> {
        let now = self.now();
        self.store.settle_refusal(id, now).map_err(|e| match e {
            jiayi_store::StoreError::NotFound { .. } => {
                ApiError::not_found("该拒收记录", "The refusal").localised(self.lang)
            }
            other => self.fail(other),
        })
    }
}

fn entity_label(entity: &str, lang: Lang) -> String {
    let (zh, en) = match entity {
        "household" => ("家庭", "household"),
        "resident" => ("居民", "resident"),
        "contract" => ("签约协议", "agreement"),
        "contract_event" => ("协议变更", "agreement event"),
        "visit" => ("服务记录", "visit"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}
