//! One domain write = one transaction that also appends to the outbox.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Entity, Op};
use jiayi_core::hlc::Hlc;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use crate::Store;
use crate::audit;
use crate::error::{Result, StoreError};
use crate::reference::parse_uuid;

pub(crate) struct Writer<'a> {
    pub tx: Transaction<'a>,
    pub now: DateTime<Utc>,
    hlc: Hlc,
    /// Where the audit chain ends, read at the first entry this write adds.
    pub(crate) audit_tail: std::cell::RefCell<Option<audit::Tail>>,
}

impl Store {
    /// Runs `body` in one transaction. Nothing is written unless `body` succeeds.
    pub(crate) fn write<T>(
        &mut self,
        now: DateTime<Utc>,
        body: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let hlc = self.current_hlc()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut writer = Writer {
            tx,
            now,
            hlc,
            audit_tail: Default::default(),
        };
        let out = body(&mut writer)?;
        writer.tx.execute(
            "UPDATE device SET hlc = ?1",
            params![writer.hlc.to_string()],
        )?;
        writer.tx.commit()?;
        Ok(out)
    }
}

impl Writer<'_> {
    /// The next clock value for a local change.
    pub fn tick(&mut self) -> Hlc {
        let now_ms = self.now.timestamp_millis().max(0) as u64;
        self.hlc = self.hlc.tick(now_ms);
        self.hlc
    }

    /// Moves the clock past a value received from another device.
    pub fn observe(&mut self, remote: &Hlc) {
        let now_ms = self.now.timestamp_millis().max(0) as u64;
        self.hlc = self.hlc.observe(remote, now_ms);
    }

    pub fn now_text(&self) -> String {
        self.now.to_rfc3339()
    }

    /// Appends the change of one record to the outbox.
    #[allow(clippy::too_many_arguments)]
    pub fn record_change(
        &self,
        entity: Entity,
        entity_id: Uuid,
        op: Op,
        village_id: Uuid,
        hlc: Hlc,
        fields: &[&str],
        payload: &serde_json::Value,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO outbox (change_id, entity, entity_id, op, village_id, hlc, fields, payload, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                Uuid::now_v7().to_string(),
                entity.as_str(),
                entity_id.to_string(),
                match op {
                    Op::Upsert => "upsert",
                    Op::Delete => "delete",
                },
                village_id.to_string(),
                hlc.to_string(),
                serde_json::to_string(fields)?,
                serde_json::to_string(payload)?,
                self.now_text(),
            ],
        )?;
        let action = match op {
            Op::Upsert => "write",
            Op::Delete => "delete",
        };
        self.audit(action, entity.as_str(), &entity_id.to_string())
    }
}

impl Writer<'_> {
    /// Notes in the audit log, in this write's transaction, what was done to a record.
    pub fn audit(&self, action: &str, entity: &str, entity_id: &str) -> Result<()> {
        let mut slot = self.audit_tail.borrow_mut();
        if slot.is_none() {
            *slot = Some(audit::tail(&self.tx)?);
        }
        let tail = slot.as_mut().expect("just filled");
        audit::append(&self.tx, tail, self.now, action, entity, entity_id)
    }
}

/// The village a household is in, read inside the write (the village its changes travel under).
pub(crate) fn village_of_household(w: &Writer<'_>, household_id: Uuid) -> Result<Uuid> {
    let village: String =
        w.tx.query_row(
            "SELECT village_id FROM households WHERE id = ?1",
            params![household_id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "household",
            id: household_id.to_string(),
        })?;
    parse_uuid(&village)
}
