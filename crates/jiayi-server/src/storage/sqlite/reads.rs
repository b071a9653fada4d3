//! Reads and writes beside the trait's core: the published documents, the monthly audit's
//! reviews and one record's received changes.

use jiayi_sync::protocol::ReferenceDocument;
use rusqlite::{Connection, params};
use uuid::Uuid;

use super::SqliteStorage;
use super::sync::append_audit_in;
use crate::error::Result;
use crate::storage::shared::{document, record_to_audit, review_from, time_text};
use crate::storage::{AuditEvent, RecordChange, RecordReview, RecordToAudit};

impl SqliteStorage {
    /// The current version of each published document.
    pub(super) fn reference_documents(&self) -> Result<Vec<ReferenceDocument>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(
            "SELECT kind, name, version, content, published_at FROM reference_documents r
             WHERE version = (SELECT MAX(version) FROM reference_documents x WHERE x.kind = r.kind AND x.name = r.name)
             ORDER BY kind, name",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get::<_, i64>(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })?;
        let mut docs = Vec::new();
        for row in rows {
            let (kind, name, version, content, published_at) = row?;
            docs.push(document(&kind, name, version, content, published_at)?);
        }
        Ok(docs)
    }
}

/// Adds a review and its audit entry in one transaction.
pub(super) fn put_review(
    conn: &mut Connection,
    review: &RecordReview,
    audit: &AuditEvent,
) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO record_reviews (entity, entity_id, verdict, note, reviewer, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            review.entity,
            review.entity_id.to_string(),
            review.verdict.as_str(),
            review.note,
            review.reviewer,
            review.at
        ],
    )?;
    append_audit_in(&tx, audit, &review.at)?;
    tx.commit()?;
    Ok(())
}

pub(super) fn reviews(
    conn: &Connection,
    record: Option<(&str, Uuid)>,
) -> Result<Vec<RecordReview>> {
    let (entity, id) = match record {
        Some((entity, id)) => (Some(entity.to_string()), Some(id.to_string())),
        None => (None, None),
    };
    let mut st = conn.prepare_cached(
        "SELECT entity, entity_id, verdict, note, reviewer, at FROM record_reviews
         WHERE (?1 IS NULL OR (entity = ?1 AND entity_id = ?2)) ORDER BY id",
    )?;
    let rows = st.query_map(params![entity, id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (entity, id, verdict, note, reviewer, at) = row?;
        out.push(review_from(entity, &id, &verdict, note, reviewer, at)?);
    }
    Ok(out)
}

pub(super) fn record_changes(
    conn: &Connection,
    entity: &str,
    id: Uuid,
) -> Result<Vec<RecordChange>> {
    let mut st = conn.prepare_cached(
        "SELECT cursor, received_at, body FROM changes WHERE entity = ?1 AND entity_id = ?2
         ORDER BY cursor",
    )?;
    let rows = st.query_map(params![entity, id.to_string()], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (cursor, received_at, body) = row?;
        out.push(RecordChange {
            cursor: cursor as u64,
            received_at,
            change: serde_json::from_str(&body)?,
        });
    }
    Ok(out)
}

pub(super) fn audit_between(
    conn: &Connection,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
    limit: u32,
) -> Result<Vec<RecordToAudit>> {
    let mut st = conn.prepare_cached(
        "SELECT c.cursor, c.entity, c.entity_id, c.village_id, COALESCE(d.label, ''), c.received_at, c.body
         FROM changes c JOIN devices d ON d.id = c.device_id
         WHERE c.received_at >= ?1 AND c.received_at < ?2
           AND c.entity IN ('contract', 'contract_event', 'visit')
         ORDER BY c.cursor DESC LIMIT ?3",
    )?;
    let rows = st.query_map(params![time_text(since), time_text(until), limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (cursor, entity, id, village, label, at, body) = row?;
        out.push(record_to_audit(
            cursor, entity, &id, &village, label, at, &body,
        )?);
    }
    Ok(out)
}
