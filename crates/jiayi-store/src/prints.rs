//! What this laptop printed and what waits to be printed (`migrations/device/V12__printing.sql`).
//!
//! Both are the device's own records, like drafts: they describe paper made here, not the
//! household's contract, so they are never synced and write no outbox rows. The audit log notes
//! each print (`Api::note`).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::reference::parse_uuid;

/// One document handed on: sent to a printer, opened in the viewer or saved elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRecord {
    pub id: Uuid,
    pub document: String,
    pub subject_id: Uuid,
    pub printed_at: DateTime<Utc>,
    pub printed_on: NaiveDate,
    pub reprint: bool,
    /// Contact cards: the team and the doctor printed on the card.
    pub team_id: Option<Uuid>,
    pub doctor_id: Option<Uuid>,
    pub handed_to: String,
    /// The card printed later that replaced this one.
    pub superseded_by: Option<Uuid>,
}

/// A document waiting in the print queue, or printed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPrint {
    pub id: Uuid,
    pub document: String,
    pub subject_id: Uuid,
    pub queued_at: DateTime<Utc>,
    pub printed_at: Option<DateTime<Utc>>,
    pub printed_id: Option<Uuid>,
}

const PRINT_COLUMNS: &str = "id, document, subject_id, printed_at, printed_on, reprint, team_id, \
                             doctor_id, handed_to, superseded_by";
const QUEUE_COLUMNS: &str = "id, document, subject_id, queued_at, printed_at, printed_id";

impl Store {
    /// Keeps a print, and marks the earlier prints it replaces (`supersedes`) as replaced by
    /// it, in one transaction.
    pub fn record_print(&self, print: &PrintRecord, supersedes: &[Uuid]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            &format!(
                "INSERT INTO printed_documents ({PRINT_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)"
            ),
            params![
                print.id.to_string(),
                print.document,
                print.subject_id.to_string(),
                print.printed_at.to_rfc3339(),
                print.printed_on.to_string(),
                print.reprint,
                print.team_id.map(|id| id.to_string()),
                print.doctor_id.map(|id| id.to_string()),
                print.handed_to,
            ],
        )?;
        for earlier in supersedes {
            tx.execute(
                "UPDATE printed_documents SET superseded_by = ?1
                 WHERE id = ?2 AND superseded_by IS NULL",
                params![print.id.to_string(), earlier.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The prints of one document of a subject, oldest first.
    pub fn prints_of(&self, subject_id: Uuid, document: &str) -> Result<Vec<PrintRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PRINT_COLUMNS} FROM printed_documents
             WHERE subject_id = ?1 AND document = ?2 ORDER BY printed_at, rowid"
        ))?;
        let rows = stmt.query_map(params![subject_id.to_string(), document], |r| {
            Ok(print_row(r))
        })?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|row| row))
            .collect()
    }

    pub fn print_record(&self, id: Uuid) -> Result<PrintRecord> {
        self.conn
            .query_row(
                &format!("SELECT {PRINT_COLUMNS} FROM printed_documents WHERE id = ?1"),
                params![id.to_string()],
                |r| Ok(print_row(r)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "print",
                id: id.to_string(),
            })?
    }

    /// Adds a document to the print queue; one already waiting is not queued twice.
    /// Returns the waiting entry.
    pub fn queue_print(
        &self,
        document: &str,
        subject_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<QueuedPrint> {
        let waiting: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM print_queue
                 WHERE document = ?1 AND subject_id = ?2 AND printed_at IS NULL",
                params![document, subject_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let id = match waiting {
            Some(id) => parse_uuid(&id)?,
            None => {
                let id = Uuid::now_v7();
                self.conn.execute(
                    &format!("INSERT INTO print_queue ({QUEUE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, NULL, NULL)"),
                    params![id.to_string(), document, subject_id.to_string(), now.to_rfc3339()],
                )?;
                id
            }
        };
        self.queued_print(id)
    }

    pub fn queued_print(&self, id: Uuid) -> Result<QueuedPrint> {
        self.conn
            .query_row(
                &format!("SELECT {QUEUE_COLUMNS} FROM print_queue WHERE id = ?1"),
                params![id.to_string()],
                |r| Ok(queue_row(r)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "queued print",
                id: id.to_string(),
            })?
    }

    /// The queue: everything waiting, oldest first, then what was printed from it since
    /// `printed_since`, latest first.
    pub fn print_queue(&self, printed_since: DateTime<Utc>) -> Result<Vec<QueuedPrint>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {QUEUE_COLUMNS} FROM print_queue
             WHERE printed_at IS NULL OR printed_at >= ?1
             ORDER BY printed_at IS NOT NULL, printed_at DESC, queued_at, rowid"
        ))?;
        let rows = stmt.query_map(params![printed_since.to_rfc3339()], |r| Ok(queue_row(r)))?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|row| row))
            .collect()
    }

    /// Marks a queued document printed, by the print that made its paper.
    pub fn mark_queued_printed(
        &self,
        id: Uuid,
        printed_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE print_queue SET printed_at = ?1, printed_id = ?2
             WHERE id = ?3 AND printed_at IS NULL",
            params![now.to_rfc3339(), printed_id.to_string(), id.to_string()],
        )?;
        if changed == 0 {
            self.queued_print(id)?;
        }
        Ok(())
    }

    /// Takes a waiting document off the queue (nothing was printed).
    pub fn unqueue_print(&self, id: Uuid) -> Result<()> {
        self.conn.execute(
            "DELETE FROM print_queue WHERE id = ?1 AND printed_at IS NULL",
            params![id.to_string()],
        )?;
        Ok(())
    }
}

fn time(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad time '{text}': {e}")))
}

fn optional_uuid(text: Option<String>) -> Result<Option<Uuid>> {
    text.as_deref().map(parse_uuid).transpose()
}

fn print_row(r: &Row<'_>) -> Result<PrintRecord> {
    let printed_on: String = r.get(4)?;
    Ok(PrintRecord {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        document: r.get(1)?,
        subject_id: parse_uuid(&r.get::<_, String>(2)?)?,
        printed_at: time(&r.get::<_, String>(3)?)?,
        printed_on: printed_on
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("bad day '{printed_on}': {e}")))?,
        reprint: r.get(5)?,
        team_id: optional_uuid(r.get(6)?)?,
        doctor_id: optional_uuid(r.get(7)?)?,
        handed_to: r.get(8)?,
        superseded_by: optional_uuid(r.get(9)?)?,
    })
}

fn queue_row(r: &Row<'_>) -> Result<QueuedPrint> {
    Ok(QueuedPrint {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        document: r.get(1)?,
        subject_id: parse_uuid(&r.get::<_, String>(2)?)?,
        queued_at: time(&r.get::<_, String>(3)?)?,
        printed_at: r
            .get::<_, Option<String>>(4)?
            .as_deref()
            .map(time)
            .transpose()?,
        printed_id: optional_uuid(r.get(5)?)?,
    })
}
