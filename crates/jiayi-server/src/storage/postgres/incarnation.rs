//! What a PostgreSQL restore cannot keep, so the server notices its own restore without an
//! operator running `new-epoch` (SQLite has the mark beside its file; PostgreSQL has no file).
//!
//! The database's incarnation is the oid of the database and the oid of its change-log table.
//! A dump restored into a new database, or a copy made from a template and put back, gets a new
//! database oid; a dump restored with `--clean` into the same database recreates the table with
//! a new oid. The incarnation is kept in `meta`, so the restored copy carries the old one: when
//! it differs from what the database now is, the server takes a new epoch (every device
//! re-uploads what the copy lacks and re-pulls). A database moved to new hardware by dump and
//! restore also takes one: a full re-pull, nothing lost.

use postgres::Client;
use uuid::Uuid;

use crate::error::Result;

const KEY: &str = "incarnation";

/// The incarnation of the database `client` is connected to.
fn current(client: &mut Client) -> Result<String> {
    let row = client.query_one(
        "SELECT (SELECT oid FROM pg_database WHERE datname = current_database())::text,
                'changes'::regclass::oid::text",
        &[],
    )?;
    Ok(format!(
        "database {} log {}",
        row.get::<_, String>(0),
        row.get::<_, String>(1)
    ))
}

/// Compares the database with the incarnation it records, records it the first time, and takes
/// a new epoch when they differ. Returns the new epoch, if one was taken.
pub(super) fn notice_a_restore(client: &mut Client) -> Result<Option<Uuid>> {
    let now = current(client)?;
    let mut tx = client.transaction()?;
    // One connection at a time decides (a restored database is noticed once, not per connection).
    tx.batch_execute("LOCK TABLE meta IN SHARE ROW EXCLUSIVE MODE")?;
    let recorded: Option<String> = tx
        .query_opt("SELECT value FROM meta WHERE key = $1", &[&KEY])?
        .map(|r| r.get(0));
    let taken = match recorded {
        Some(r) if r == now => None,
        Some(r) => {
            let epoch = Uuid::new_v4();
            tx.execute(
                "UPDATE meta SET value = $1 WHERE key = 'epoch'",
                &[&epoch.to_string()],
            )?;
            eprintln!(
                "jiayi-server: the database was restored or copied ({r} is now {now}): \
                 new epoch {epoch}, devices upload again and re-pull"
            );
            Some(epoch)
        }
        None => None,
    };
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&KEY, &now],
    )?;
    tx.commit()?;
    Ok(taken)
}
