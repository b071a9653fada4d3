//! The monthly audit's records of a period and their reviews, and one record's received
//! changes.

use postgres::Client;
use uuid::Uuid;

use crate::error::Result;
use crate::storage::shared::{record_to_audit, review_from, time_text};
use crate::storage::{AuditEvent, RecordChange, RecordReview, RecordToAudit};

pub(super) fn put_review(
    client: &mut Client,
    review: &RecordReview,
    audit: &AuditEvent,
) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute(
        "INSERT INTO record_reviews (entity, entity_id, verdict, note, reviewer, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &review.entity,
            &review.entity_id.to_string(),
            &review.verdict.as_str(),
            &review.note,
            &review.reviewer,
            &review.at,
        ],
    )?;
    tx.execute(
        "INSERT INTO audit_pending (at, actor, role, action, origin, records)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &review.at,
            &audit.actor,
            &audit.role,
            &audit.action,
            &audit.origin,
            &audit.records_text(),
        ],
    )?;
    tx.commit()?;
    Ok(())
}

pub(super) fn reviews(
    client: &mut Client,
    record: Option<(&str, Uuid)>,
) -> Result<Vec<RecordReview>> {
    let (entity, id) = match record {
        Some((entity, id)) => (Some(entity.to_string()), Some(id.to_string())),
        None => (None, None),
    };
    let rows = client.query(
        "SELECT entity, entity_id, verdict, note, reviewer, at FROM record_reviews
         WHERE ($1::TEXT IS NULL OR (entity = $1 AND entity_id = $2)) ORDER BY id",
        &[&entity, &id],
    )?;
    rows.iter()
        .map(|r| review_from(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

pub(super) fn record_changes(
    client: &mut Client,
    entity: &str,
    id: Uuid,
) -> Result<Vec<RecordChange>> {
    let rows = client.query(
        "SELECT cursor, received_at, body FROM changes WHERE entity = $1 AND entity_id = $2
         ORDER BY cursor",
        &[&entity, &id.to_string()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(RecordChange {
                cursor: r.get::<_, i64>(0) as u64,
                received_at: r.get(1),
                change: serde_json::from_str(r.get::<_, &str>(2))?,
            })
        })
        .collect()
}

pub(super) fn audit_between(
    client: &mut Client,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
    limit: u32,
) -> Result<Vec<RecordToAudit>> {
    let rows = client.query(
        "SELECT c.cursor, c.entity, c.entity_id, c.village_id, COALESCE(d.label, ''), c.received_at, c.body
         FROM changes c JOIN devices d ON d.id = c.device_id
         WHERE c.received_at >= $1 AND c.received_at < $2
           AND c.entity IN ('contract', 'contract_event', 'visit')
         ORDER BY c.cursor DESC LIMIT $3",
        &[&time_text(since), &time_text(until), &i64::from(limit)],
    )?;
    rows.iter()
        .map(|r| {
            record_to_audit(
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
            )
        })
        .collect()
}
