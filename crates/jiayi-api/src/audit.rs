//! The audit log through the API: reads, prints and exports are noted here (writes are noted
//! by the store in their own transaction), and the chain can be listed, checked and pruned.

use jiayi_store::{AuditCheck, AuditRecord};

use crate::{Api, ApiResult};

impl Api {
    /// Notes an action that writes nothing (a record opened, a document printed, a report
    /// exported). An action that cannot be noted does not happen.
    pub(crate) fn note(&self, action: &str, entity: &str, entity_id: &str) -> ApiResult<()> {
        self.store
            .audit_action(self.now(), action, entity, entity_id)
            .map_err(|e| self.fail(e))
    }

    /// The newest audit entries first.
    pub fn audit_log(&self, limit: u32) -> ApiResult<Vec<AuditRecord>> {
        self.store.audit_entries(limit).map_err(|e| self.fail(e))
    }

    /// Recomputes the audit chain; `broken_at` names the first entry that does not follow.
    pub fn verify_audit(&self) -> ApiResult<AuditCheck> {
        self.store.verify_audit_chain().map_err(|e| self.fail(e))
    }

    /// Removes entries older than six months, keeping the rest checkable.
    pub fn prune_audit(&mut self) -> ApiResult<u64> {
        let now = self.now();
        self.store.prune_audit(now).map_err(|e| self.fail(e))
    }
}
