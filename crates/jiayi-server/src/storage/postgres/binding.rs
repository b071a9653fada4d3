//! Devices enrolled by the 登记码 their doctor read out: the placeholder waits for the laptop's
//! first connection, which binds the code to the laptop's own id.

use postgres::Transaction;
use uuid::Uuid;

use super::PgStorage;
use crate::error::{Result, ServerError};

/// Records that `placeholder` waits for the laptop whose code is `code` (inside the
/// enrollment's transaction); enrolling the same code again keeps one waiting row.
pub(super) fn await_code(tx: &mut Transaction<'_>, placeholder: Uuid, code: &str) -> Result<()> {
    let p = placeholder.to_string();
    tx.execute(
        "DELETE FROM awaiting_devices WHERE code = $1 AND placeholder_id <> $2",
        &[&code, &p],
    )?;
    tx.execute(
        "INSERT INTO awaiting_devices (placeholder_id, code) VALUES ($1, $2)
         ON CONFLICT (placeholder_id) DO UPDATE SET code = excluded.code",
        &[&p, &code],
    )?;
    Ok(())
}

impl PgStorage {
    /// Asked on every device's `info`: a statement the connection keeps prepared.
    pub(super) fn awaiting_code_of(&self, device: Uuid) -> Result<Option<String>> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let query = statements.get(
            client,
            "SELECT code FROM awaiting_devices WHERE placeholder_id = $1",
        )?;
        let row = client.query_opt(&query, &[&device.to_string()])?;
        Ok(row.map(|r| r.get(0)))
    }

    pub(super) fn bind(&self, placeholder: Uuid, device: Uuid) -> Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let (p, d) = (placeholder.to_string(), device.to_string());
        let Some(row) = tx.query_opt(
            "SELECT d.label, d.doctor_id, d.team_id, d.token_hash, d.enrolled_at, d.role
             FROM devices d JOIN awaiting_devices a ON a.placeholder_id = d.id
             WHERE d.id = $1 AND d.revoked_at IS NULL FOR UPDATE OF d",
            &[&p],
        )?
        else {
            return Err(ServerError::NotFound(format!(
                "no device enrolled by code waits as {placeholder}"
            )));
        };
        let [label, doctor, team, hash, enrolled_at, role]: [String; 6] =
            std::array::from_fn(|i| row.get(i));
        let villages: Vec<String> = tx
            .query(
                "SELECT village_id FROM device_villages WHERE device_id = $1",
                &[&p],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        tx.execute(
            "DELETE FROM awaiting_devices WHERE placeholder_id = $1",
            &[&p],
        )?;
        tx.execute("DELETE FROM device_villages WHERE device_id = $1", &[&p])?;
        tx.execute("DELETE FROM devices WHERE id = $1", &[&p])?;
        tx.execute(
            "INSERT INTO devices (id, label, doctor_id, team_id, token_hash, enrolled_at, role)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET label = excluded.label, doctor_id = excluded.doctor_id,
               team_id = excluded.team_id, token_hash = excluded.token_hash,
               enrolled_at = excluded.enrolled_at, revoked_at = NULL, role = excluded.role",
            &[&d, &label, &doctor, &team, &hash, &enrolled_at, &role],
        )?;
        tx.execute("DELETE FROM device_villages WHERE device_id = $1", &[&d])?;
        for v in villages {
            tx.execute(
                "INSERT INTO device_villages (device_id, village_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&d, &v],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
