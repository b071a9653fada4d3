//! The print queue: "print today's agreements and cards at the clinic". Documents are queued
//! on the laptop during the day, listed on one screen, and printed together or one by one once
//! a printer is there; each is marked printed by the print that made its paper.
//!
//! The queue is this laptop's own, like drafts (`print_queue` in the store, never synced, no
//! outbox rows): it is a list of paper to make here, not a fact about a household. The prints
//! it leads to are recorded and audited like any other print.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use jiayi_core::time::china_noon;
use jiayi_store::QueuedPrint;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::paper::HandedTo;
use super::printers::PrintJob;
use super::{Document, PreparedPrint};
use crate::{Api, ApiError, ApiResult};

/// One queued document as the queue screen lists it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub id: Uuid,
    pub document: Document,
    pub contract_id: Uuid,
    pub agreement_number: String,
    pub household_head: String,
    pub village: String,
    pub queued_at: DateTime<Utc>,
    pub printed_at: Option<DateTime<Utc>>,
}

/// What waits, oldest first, and what was printed from the queue today, latest first.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintQueue {
    pub waiting: Vec<QueueEntry>,
    pub printed_today: Vec<QueueEntry>,
}

/// The outcome of one queued document's print: its file, and the job or what went wrong.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedPrinted {
    pub queue_id: Uuid,
    pub path: String,
    pub job: Option<PrintJob>,
    pub error: Option<ApiError>,
}

impl Api {
    /// Queues a contract's document for printing later. It is rendered once now, so a document
    /// that cannot be printed (a termination of a contract never terminated) is refused here,
    /// not at the clinic. Queuing what already waits changes nothing.
    pub fn queue_print(&self, contract_id: Uuid, document: Document) -> ApiResult<QueueEntry> {
        self.render_document(contract_id, document)?;
        let queued = self
            .store
            .queue_print(document.code(), contract_id, self.now())
            .map_err(|e| self.fail(e))?;
        self.queue_entry(&queued)
    }

    pub fn print_queue(&self) -> ApiResult<PrintQueue> {
        // The day's start in China Standard Time.
        let since = china_noon(self.today()) - Duration::hours(12);
        let rows = self.store.print_queue(since).map_err(|e| self.fail(e))?;
        let mut queue = PrintQueue {
            waiting: Vec::new(),
            printed_today: Vec::new(),
        };
        for row in &rows {
            let entry = self.queue_entry(row)?;
            if entry.printed_at.is_some() {
                queue.printed_today.push(entry);
            } else {
                queue.waiting.push(entry);
            }
        }
        Ok(queue)
    }

    /// Prints one queued document: made ready under `dir`, handed on by `hand_off`, then
    /// recorded and marked printed. A hand-off that fails leaves it waiting.
    pub fn print_queued<T>(
        &self,
        queue_id: Uuid,
        dir: &Path,
        handed_to: HandedTo,
        hand_off: impl FnOnce(&Path) -> ApiResult<T>,
    ) -> ApiResult<(PathBuf, T)> {
        let (prepared, queued) = self.prepare_queued(queue_id, dir)?;
        let handed = hand_off(&prepared.path)?;
        let print_id = self.record_print(&prepared, handed_to)?;
        self.store
            .mark_queued_printed(queued.id, print_id, self.now())
            .map_err(|e| self.fail(e))?;
        Ok((prepared.path, handed))
    }

    /// Sends every waiting document to a printer through `send`, oldest first; one that fails
    /// stays waiting and the rest go on.
    pub fn print_all_queued(
        &self,
        dir: &Path,
        mut send: impl FnMut(&Path) -> ApiResult<PrintJob>,
    ) -> ApiResult<Vec<QueuedPrinted>> {
        let waiting = self.print_queue()?.waiting;
        let mut outcomes = Vec::with_capacity(waiting.len());
        for entry in waiting {
            let mut path = String::new();
            let result = self.print_queued(entry.id, dir, HandedTo::Printer, |p| {
                path = p.display().to_string();
                send(p)
            });
            outcomes.push(match result {
                Ok((_, job)) => QueuedPrinted {
                    queue_id: entry.id,
                    path,
                    job: Some(job),
                    error: None,
                },
                Err(error) => QueuedPrinted {
                    queue_id: entry.id,
                    path,
                    job: None,
                    error: Some(error),
                },
            });
        }
        Ok(outcomes)
    }

    /// Takes a waiting document off the queue.
    pub fn unqueue_print(&self, queue_id: Uuid) -> ApiResult<()> {
        self.store.unqueue_print(queue_id).map_err(|e| self.fail(e))
    }

    fn prepare_queued(
        &self,
        queue_id: Uuid,
        dir: &Path,
    ) -> ApiResult<(PreparedPrint, QueuedPrint)> {
        let queued = self
            .store
            .queued_print(queue_id)
            .map_err(|e| self.fail(e))?;
        if queued.printed_at.is_some() {
            return Err(self.fail(ApiError::invalid(
                "already_printed",
                "这份文书已经从队列打印过了",
                "this document was already printed from the queue",
            )));
        }
        let document = self.queued_document(&queued)?;
        let prepared = self.prepare_document(queued.subject_id, document, dir)?;
        Ok((prepared, queued))
    }

    fn queued_document(&self, queued: &QueuedPrint) -> ApiResult<Document> {
        Document::from_code(&queued.document).ok_or_else(|| {
            self.fail(jiayi_store::StoreError::Corrupt(format!(
                "unknown document '{}' in the print queue",
                queued.document
            )))
        })
    }

    fn queue_entry(&self, queued: &QueuedPrint) -> ApiResult<QueueEntry> {
        let document = self.queued_document(queued)?;
        let snapshot = self.contract_snapshot(queued.subject_id)?;
        Ok(QueueEntry {
            id: queued.id,
            document,
            contract_id: queued.subject_id,
            agreement_number: snapshot.agreement_number,
            household_head: snapshot.party_b.head_name,
            village: snapshot.party_b.village,
            queued_at: queued.queued_at,
            printed_at: queued.printed_at,
        })
    }
}
