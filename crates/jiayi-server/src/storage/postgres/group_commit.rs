//! Group commit: the change log's one writer. Push batches are handed to a thread with its own
//! connection, which writes the batches queued since its last commit in one transaction, as if
//! one after the other in the order they arrived, and commits them together: one flush of the
//! database's log for the group instead of one per batch, each flush taken while the change
//! log's turn is held. The group is written with five statements however many batches it holds
//! (`write_batches`): written batch by batch, the writer's round trips were what a crowd of
//! devices waited on. Every caller is answered only once its batch has committed, so an
//! answered push is on disk as before.
//!
//! A batch stays atomic and idempotent on its own: it writes only its own rows, and when any
//! batch of a group fails (or moves a household, which is written alone), the group's
//! transaction is rolled back whole and each of its batches is written again alone, in its own
//! transaction, so the failing one fails by itself and the others are stored as if they had
//! come one by one.
//!
//! Cursors keep committing in the order they are handed out: a group's batches draw theirs in
//! one transaction, which takes the change log's turn with its first insert and commits them
//! all at once.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::pool::{self, Pooled};
use super::push::{Batch, write_batches};
use crate::error::{Result, ServerError};
use crate::storage::Pushed;

/// Batches written in one transaction at most: enough to cover the pushes a crowd of devices
/// sends while one commit is flushed, few enough that the group's first caller is not kept
/// waiting long for its answer.
const MAX_GROUP: usize = 64;

/// Changes written in one transaction at most (a batch that alone has more goes alone), for
/// the same reason: ten full batches of the default limit.
const MAX_GROUP_CHANGES: usize = 5_000;

/// A batch and where its answer goes.
struct Job {
    batch: Batch,
    answer: Sender<Result<Pushed>>,
}

/// What the writer thread is handed.
enum Task {
    Write(Box<Job>),
    /// Open the writer's connection now (when serving starts), not at the first batch.
    Connect(Sender<Result<()>>),
}

/// The handle pushes use to reach the writer thread; dropping it ends the thread once the
/// batches already handed over are answered.
pub(super) struct GroupCommit {
    jobs: Mutex<Sender<Task>>,
}

impl GroupCommit {
    /// Starts the writer thread for the database at `url`; it connects at its first batch.
    pub(super) fn start(url: &str) -> Result<GroupCommit> {
        let (jobs, queue) = channel::<Task>();
        let url = url.to_string();
        std::thread::Builder::new()
            .name("jiayi-log-writer".into())
            .spawn(move || write_groups(&url, &queue))
            .map_err(|e| ServerError::storage("postgres", e))?;
        Ok(GroupCommit {
            jobs: Mutex::new(jobs),
        })
    }

    /// Stores `batch` with whatever other batches are waiting, and answers once they have
    /// committed (or with the batch's own error).
    pub(super) fn store(&self, batch: Batch) -> Result<Pushed> {
        let (answer, answered) = channel();
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Task::Write(Box::new(Job { batch, answer })))
            .map_err(|_| writer_gone())?;
        answered.recv().map_err(|_| writer_gone())?
    }

    /// Has the writer open its connection, and waits until it has.
    pub(super) fn connect(&self) -> Result<()> {
        let (answer, answered) = channel();
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Task::Connect(answer))
            .map_err(|_| writer_gone())?;
        answered.recv().map_err(|_| writer_gone())?
    }
}

fn writer_gone() -> ServerError {
    ServerError::storage(
        "postgres",
        std::io::Error::other("the change log's writer has stopped"),
    )
}

/// The writer thread: waits for a batch, takes every batch queued behind it (up to
/// [`MAX_GROUP`] batches and [`MAX_GROUP_CHANGES`] changes), writes them as one group,
/// answers, and again, until the handle is dropped.
fn write_groups(url: &str, queue: &Receiver<Task>) {
    let mut connection: Option<Pooled> = None;
    // A batch taken from the queue that did not fit the last group: it starts the next.
    let mut carried: Option<Job> = None;
    loop {
        let first = match carried.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(Task::Write(job)) => *job,
                Ok(Task::Connect(answer)) => {
                    let _ = answer.send(connected(url, &mut connection).map(|_| ()));
                    continue;
                }
                Err(_) => return,
            },
        };
        let mut changes = first.batch.changes.len();
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            let job = match queue.try_recv() {
                Ok(Task::Write(job)) => *job,
                Ok(Task::Connect(answer)) => {
                    let _ = answer.send(Ok(()));
                    continue;
                }
                Err(_) => break,
            };
            changes += job.batch.changes.len();
            if changes > MAX_GROUP_CHANGES {
                carried = Some(job);
                break;
            }
            group.push(job);
        }
        // A panic while writing must not stop the writer for every later push: the group is
        // answered with an error (its transaction rolled back with the dropped connection).
        let answers = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            write_group(url, &mut connection, &group)
        }))
        .unwrap_or_else(|_| {
            connection = None;
            group.iter().map(|_| Err(writer_gone())).collect()
        });
        for (job, answer) in group.into_iter().zip(answers) {
            // A caller that stopped waiting (its request was cut) needs no answer.
            let _ = job.answer.send(answer);
        }
    }
}

/// Each batch's answer: all from one transaction when every batch of the group is written,
/// else each batch's own from a transaction of its own.
fn write_group(url: &str, connection: &mut Option<Pooled>, group: &[Job]) -> Vec<Result<Pushed>> {
    let batches: Vec<&Batch> = group.iter().map(|j| &j.batch).collect();
    match in_one_transaction(url, connection, &batches) {
        Ok(pushed) => pushed.into_iter().map(Ok).collect(),
        Err(e) if batches.len() == 1 => vec![Err(e)],
        Err(_) => batches
            .iter()
            .map(|b| {
                in_one_transaction(url, connection, std::slice::from_ref(b))
                    .map(|mut pushed| pushed.remove(0))
            })
            .collect(),
    }
}

/// Writes `batches` one after the other in one transaction and commits it; nothing of any of
/// them stays when one fails.
fn in_one_transaction(
    url: &str,
    connection: &mut Option<Pooled>,
    batches: &[&Batch],
) -> Result<Vec<Pushed>> {
    let pooled = connected(url, connection)?;
    let mut tx = pooled.client.transaction()?;
    let pushed = write_batches(&mut tx, &mut pooled.statements, batches)?;
    tx.commit()?;
    Ok(pushed)
}

/// The writer's connection, opened anew when there is none or it was closed.
fn connected<'c>(url: &str, connection: &'c mut Option<Pooled>) -> Result<&'c mut Pooled> {
    if connection.as_ref().is_none_or(|c| c.client.is_closed()) {
        *connection = Some(pool::connect(url)?);
    }
    connection.as_mut().ok_or_else(writer_gone)
}
