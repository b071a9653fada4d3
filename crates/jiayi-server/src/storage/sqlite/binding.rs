//! Devices enrolled by the 登记码 their doctor read out: the placeholder waits for the laptop's
//! first connection, which binds the code to the laptop's own id.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use crate::error::{Result, ServerError};

/// Records that `placeholder` waits for the laptop whose code is `code` (inside the
/// enrollment's transaction); enrolling the same code again keeps one waiting row.
pub(super) fn await_code(tx: &Transaction<'_>, placeholder: Uuid, code: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM awaiting_devices WHERE code = ?1 AND placeholder_id <> ?2",
        params![code, placeholder.to_string()],
    )?;
    tx.execute(
        "INSERT INTO awaiting_devices (placeholder_id, code) VALUES (?1, ?2)
         ON CONFLICT (placeholder_id) DO UPDATE SET code = excluded.code",
        params![placeholder.to_string(), code],
    )?;
    Ok(())
}

pub(super) fn awaiting_code(conn: &Connection, device: Uuid) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT code FROM awaiting_devices WHERE placeholder_id = ?1")?
        .query_row([device.to_string()], |r| r.get(0))
        .optional()?)
}

pub(super) fn bind(conn: &mut Connection, placeholder: Uuid, device: Uuid) -> Result<()> {
    let tx = conn.transaction()?;
    let (p, d) = (placeholder.to_string(), device.to_string());
    let row = tx
        .query_row(
            "SELECT d.label, d.doctor_id, d.team_id, d.token_hash, d.enrolled_at, d.role
             FROM devices d JOIN awaiting_devices a ON a.placeholder_id = d.id
             WHERE d.id = ?1 AND d.revoked_at IS NULL",
            [&p],
            |r| {
                Ok([
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ])
            },
        )
        .optional()?;
    let Some([label, doctor, team, hash, enrolled_at, role]) = row else {
        return Err(ServerError::NotFound(format!(
            "no device enrolled by code waits as {placeholder}"
        )));
    };
    let villages: Vec<String> = tx
        .prepare("SELECT village_id FROM device_villages WHERE device_id = ?1")?
        .query_map([&p], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    tx.execute(
        "DELETE FROM awaiting_devices WHERE placeholder_id = ?1",
        [&p],
    )?;
    tx.execute("DELETE FROM device_villages WHERE device_id = ?1", [&p])?;
    tx.execute("DELETE FROM devices WHERE id = ?1", [&p])?;
    tx.execute(
        "INSERT INTO devices (id, label, doctor_id, team_id, token_hash, enrolled_at, role)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, doctor_id = excluded.doctor_id,
           team_id = excluded.team_id, token_hash = excluded.token_hash,
           enrolled_at = excluded.enrolled_at, revoked_at = NULL, role = excluded.role",
        params![d, label, doctor, team, hash, enrolled_at, role],
    )?;
    tx.execute("DELETE FROM device_villages WHERE device_id = ?1", [&d])?;
    for v in villages {
        tx.execute(
            "INSERT OR IGNORE INTO device_villages (device_id, village_id) VALUES (?1, ?2)",
            [&d, &v],
        )?;
    }
    tx.commit()?;
    Ok(())
}
