//! What the device keeps about sync besides the outbox: its enrollment, the server's refusals,
//! the reference versions it holds, and the outbox numbering after a restore.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::reference::parse_uuid;

/// The device's enrollment with a township server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentRecord {
    pub server_url: String,
    pub token: String,
    pub device_id: Uuid,
    pub doctor_id: Uuid,
    pub team_id: Uuid,
    pub villages: Vec<Uuid>,
    pub server_epoch: Uuid,
    pub high_water: u64,
    pub enrolled_at: String,
    /// The township CA (PEM) pinned at enrollment; `None` only for a loopback server.
    pub ca_pem: Option<String>,
}

/// A change the server refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRefusal {
    pub seq: u64,
    pub change_id: Uuid,
    pub entity: String,
    pub entity_id: Uuid,
    pub village_id: Uuid,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// A refusal as kept, with the name of the record it concerns where the device knows one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalRecord {
    pub id: i64,
    pub seq: u64,
    pub change_id: String,
    pub entity: String,
    pub entity_id: String,
    pub village_id: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    pub refused_at: String,
    pub read_at: Option<String>,
    pub settled_at: Option<String>,
    /// A resident's name, a household's head and address, a contract's agreement number.
    pub record_name: Option<String>,
    pub village_name: Option<String>,
}

/// A reference document version the device holds.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceVersion {
    pub kind: String,
    pub name: String,
    pub version: u32,
    pub published_at: String,
    pub received_at: String,
}

impl Store {
    pub fn enrollment(&self) -> Result<Option<EnrollmentRecord>> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
            String,
            Option<String>,
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT server_url, token, device_id, doctor_id, team_id, villages, server_epoch,
                        high_water, enrolled_at, ca_pem FROM enrollment WHERE singleton = 1",
                [],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                },
            )
            .optional()?;
        row.map(
            |(server_url, token, device, doctor, team, villages, epoch, high_water, at, ca_pem)| {
                Ok(EnrollmentRecord {
                    server_url,
                    token,
                    device_id: parse_uuid(&device)?,
                    doctor_id: parse_uuid(&doctor)?,
                    team_id: parse_uuid(&team)?,
                    villages: serde_json::from_str(&villages)?,
                    server_epoch: parse_uuid(&epoch)?,
                    high_water: high_water.max(0) as u64,
                    enrolled_at: at,
                    ca_pem,
                })
            },
        )
        .transpose()
    }

    /// Keeps the enrollment, replacing an earlier one.
    pub fn put_enrollment(&mut self, e: &EnrollmentRecord) -> Result<()> {
        if e.device_id != self.device_id {
            return Err(StoreError::Corrupt(format!(
                "the enrollment is for device {}, this device is {}",
                e.device_id, self.device_id
            )));
        }
        self.conn.execute(
            "INSERT INTO enrollment (singleton, server_url, token, device_id, doctor_id, team_id,
                 villages, server_epoch, high_water, enrolled_at, ca_pem)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (singleton) DO UPDATE SET server_url = excluded.server_url,
                 token = excluded.token, device_id = excluded.device_id,
                 doctor_id = excluded.doctor_id, team_id = excluded.team_id,
                 villages = excluded.villages, server_epoch = excluded.server_epoch,
                 high_water = excluded.high_water, enrolled_at = excluded.enrolled_at,
                 ca_pem = excluded.ca_pem",
            params![
                e.server_url,
                e.token,
                e.device_id.to_string(),
                e.doctor_id.to_string(),
                e.team_id.to_string(),
                serde_json::to_string(&e.villages)?,
                e.server_epoch.to_string(),
                e.high_water as i64,
                e.enrolled_at,
                e.ca_pem,
            ],
        )?;
        Ok(())
    }

    /// Forgets the enrollment. Returns whether there was one. Records and the outbox stay.
    pub fn clear_enrollment(&mut self) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM enrollment", [])? > 0)
    }

    /// Keeps refusals; a refusal of the same sequence number replaces the earlier one.
    pub fn record_refusals(&mut self, refusals: &[NewRefusal], now: DateTime<Utc>) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO refusals (seq, change_id, entity, entity_id, village_id, code,
                     message_zh, message_en, refused_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (seq) DO UPDATE SET change_id = excluded.change_id,
                     entity = excluded.entity, entity_id = excluded.entity_id,
                     village_id = excluded.village_id, code = excluded.code,
                     message_zh = excluded.message_zh, message_en = excluded.message_en,
                     refused_at = excluded.refused_at, read_at = NULL, settled_at = NULL",
            )?;
            let now = now.to_rfc3339();
            for r in refusals {
                stmt.execute(params![
                    r.seq as i64,
                    r.change_id.to_string(),
                    r.entity,
                    r.entity_id.to_string(),
                    r.village_id.to_string(),
                    r.code,
                    r.message_zh,
                    r.message_en,
                    now,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Sends again, once the device's villages are `villages`, every change refused as outside
    /// its villages whose village is now among them: the change goes back into the outbox and
    /// its refusal is closed (refused again, it reopens). Returns how many went back.
    pub fn resend_refused_in(&mut self, villages: &[Uuid], now: DateTime<Utc>) -> Result<u64> {
        let tx = self.conn.transaction()?;
        let villages: Vec<String> = villages.iter().map(Uuid::to_string).collect();
        let villages = serde_json::to_string(&villages)?;
        let in_scope = "SELECT seq FROM refusals
             WHERE settled_at IS NULL
               AND code IN ('village_not_in_scope', 'record_not_in_scope')
               AND village_id IN (SELECT value FROM json_each(?1))";
        let resent = tx.execute(
            &format!("UPDATE outbox SET acked_at = NULL WHERE seq IN ({in_scope})"),
            params![villages],
        )? as u64;
        tx.execute(
            &format!(
                "UPDATE refusals SET settled_at = ?2, read_at = COALESCE(read_at, ?2)
                 WHERE seq IN ({in_scope})"
            ),
            params![villages, now.to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(resent)
    }

    /// Refusals, newest first; only those not yet settled unless `include_settled`.
    pub fn refusals(&self, include_settled: bool) -> Result<Vec<RefusalRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.id, f.seq, f.change_id, f.entity, f.entity_id, f.village_id, f.code,
                    f.message_zh, f.message_en, f.refused_at, f.read_at, f.settled_at,
                    CASE f.entity
                      WHEN 'resident' THEN (SELECT name FROM residents WHERE id = f.entity_id)
                      WHEN 'household' THEN (
                        SELECT COALESCE((SELECT r.name || ' · ' FROM residents r
                                          WHERE r.household_id = h.id AND r.relation = 'head'
                                          LIMIT 1), '') || h.address
                        FROM households h WHERE h.id = f.entity_id)
                      WHEN 'contract' THEN (SELECT agreement_number FROM contracts WHERE id = f.entity_id)
                      WHEN 'contract_event' THEN (
                        SELECT c.agreement_number FROM contract_events e
                        JOIN contracts c ON c.id = e.contract_id WHERE e.id = f.entity_id)
                      WHEN 'visit' THEN (
                        SELECT r.name FROM visits v JOIN residents r ON r.id = v.resident_id
                        WHERE v.id = f.entity_id)
                    END,
                    (SELECT name FROM villages WHERE id = f.village_id)
             FROM refusals f
             WHERE ?1 OR f.settled_at IS NULL
             ORDER BY f.id DESC",
        )?;
        let rows = stmt.query_map(params![include_settled], |r| {
            Ok(RefusalRecord {
                id: r.get(0)?,
                seq: r.get::<_, i64>(1)?.max(0) as u64,
                change_id: r.get(2)?,
                entity: r.get(3)?,
                entity_id: r.get(4)?,
                village_id: r.get(5)?,
                code: r.get(6)?,
                message_zh: r.get(7)?,
                message_en: r.get(8)?,
                refused_at: r.get(9)?,
                read_at: r.get(10)?,
                settled_at: r.get(11)?,
                record_name: r.get(12)?,
                village_name: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn open_refusal_count(&self) -> Result<u64> {
        self.count("SELECT COUNT(*) FROM refusals WHERE settled_at IS NULL")
    }

    /// Marks every unread refusal read.
    pub fn mark_refusals_read(&mut self, now: DateTime<Utc>) -> Result<u64> {
        Ok(self.conn.execute(
            "UPDATE refusals SET read_at = ?1 WHERE read_at IS NULL",
            params![now.to_rfc3339()],
        )? as u64)
    }

    /// The doctor has dealt with a refusal. Settling twice is refused as not found.
    pub fn settle_refusal(&mut self, id: i64, now: DateTime<Utc>) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE refusals SET settled_at = ?2, read_at = COALESCE(read_at, ?2)
             WHERE id = ?1 AND settled_at IS NULL",
            params![id, now.to_rfc3339()],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "refusal",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    pub fn reference_versions(&self) -> Result<Vec<ReferenceVersion>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, name, version, published_at, received_at FROM reference_versions
             ORDER BY kind, name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ReferenceVersion {
                kind: r.get(0)?,
                name: r.get(1)?,
                version: r.get::<_, i64>(2)?.max(0) as u32,
                published_at: r.get(3)?,
                received_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The version of a reference document held, 0 when none.
    pub fn reference_version(&self, kind: &str, name: &str) -> Result<u32> {
        let v: Option<i64> = self
            .conn
            .query_row(
                "SELECT version FROM reference_versions WHERE kind = ?1 AND name = ?2",
                params![kind, name],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.unwrap_or(0).max(0) as u32)
    }

    pub fn put_reference_version(
        &mut self,
        kind: &str,
        name: &str,
        version: u32,
        published_at: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO reference_versions (kind, name, version, published_at, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version,
                 published_at = excluded.published_at, received_at = excluded.received_at",
            params![kind, name, version, published_at, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The next outbox sequence issued will be above `n`. A store restored from an older copy
    /// would otherwise issue numbers the server already holds for other changes. Returns whether
    /// the numbering moved.
    pub fn ensure_seq_above(&mut self, n: u64) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let current = outbox_sequence(&tx)?;
        if current >= n {
            return Ok(false);
        }
        set_outbox_sequence(&tx, n)?;
        tx.commit()?;
        Ok(true)
    }

    /// Gives a pending change a new sequence number above every number issued so far (the
    /// server holds another change under its old one). Returns the new number, or `None` when
    /// no pending change has that number.
    pub fn renumber_pending(&mut self, seq: u64) -> Result<Option<u64>> {
        let tx = self.conn.transaction()?;
        let next = outbox_sequence(&tx)? + 1;
        let n = tx.execute(
            "UPDATE outbox SET seq = ?2 WHERE seq = ?1 AND acked_at IS NULL",
            params![seq as i64, next as i64],
        )?;
        if n == 0 {
            return Ok(None);
        }
        set_outbox_sequence(&tx, next)?;
        tx.commit()?;
        Ok(Some(next))
    }

    /// The highest sequence number ever issued, including numbers of rows no longer present.
    pub fn issued_seq(&self) -> Result<u64> {
        outbox_sequence(&self.conn)
    }
}

fn outbox_sequence(conn: &rusqlite::Connection) -> Result<u64> {
    let issued: Option<i64> = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let present: Option<i64> = conn.query_row("SELECT MAX(seq) FROM outbox", [], |r| r.get(0))?;
    Ok(issued.unwrap_or(0).max(present.unwrap_or(0)).max(0) as u64)
}

fn set_outbox_sequence(conn: &rusqlite::Connection, n: u64) -> Result<()> {
    // sqlite_sequence has no key: update the row, or add it when no row was ever inserted.
    if conn.execute(
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'outbox'",
        params![n as i64],
    )? == 0
    {
        conn.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?1)",
            params![n as i64],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(seq: u64) -> NewRefusal {
        NewRefusal {
            seq,
            change_id: Uuid::now_v7(),
            entity: "resident".into(),
            entity_id: Uuid::now_v7(),
            village_id: Uuid::now_v7(),
            code: "village_not_in_scope".into(),
            message_zh: "该记录所属的村不在本设备的签约范围内".into(),
            message_en: "not in scope".into(),
        }
    }

    #[test]
    fn refusals_are_kept_listed_and_settled() {
        let mut s = Store::open_in_memory().unwrap();
        let now = Utc::now();
        s.record_refusals(&[refusal(3), refusal(5)], now).unwrap();
        // The same seq refused again replaces the first refusal rather than doubling it.
        s.record_refusals(&[refusal(5)], now).unwrap();
        let open = s.refusals(false).unwrap();
        assert_eq!(open.len(), 2);
        assert_eq!(open[0].seq, 5, "newest first");
        assert_eq!(s.mark_refusals_read(now).unwrap(), 2);
        s.settle_refusal(open[1].id, now).unwrap();
        assert!(matches!(
            s.settle_refusal(open[1].id, now),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(s.open_refusal_count().unwrap(), 1);
        assert_eq!(s.refusals(true).unwrap().len(), 2);
    }

    #[test]
    fn sequence_moves_above_a_floor_and_renumbers_pending() {
        let mut s = Store::open_in_memory().unwrap();
        assert_eq!(s.issued_seq().unwrap(), 0);
        assert!(s.ensure_seq_above(40).unwrap());
        assert!(!s.ensure_seq_above(12).unwrap(), "never moves back");
        assert_eq!(s.issued_seq().unwrap(), 40);
        assert_eq!(s.renumber_pending(7).unwrap(), None);
    }

    #[test]
    fn enrollment_round_trips_and_must_be_this_device() {
        let mut s = Store::open_in_memory().unwrap();
        assert!(s.enrollment().unwrap().is_none());
        let mut e = EnrollmentRecord {
            server_url: "http://127.0.0.1:8470".into(),
            token: "jy1_x".into(),
            device_id: s.device_id(),
            doctor_id: Uuid::now_v7(),
            team_id: Uuid::now_v7(),
            villages: vec![Uuid::now_v7()],
            server_epoch: Uuid::now_v7(),
            high_water: 9,
            enrolled_at: Utc::now().to_rfc3339(),
            ca_pem: Some("-----BEGIN CERTIFICATE-----".into()),
        };
        s.put_enrollment(&e).unwrap();
        assert_eq!(s.enrollment().unwrap().as_ref(), Some(&e));
        assert!(s.clear_enrollment().unwrap());
        assert!(!s.clear_enrollment().unwrap());
        e.device_id = Uuid::now_v7();
        assert!(s.put_enrollment(&e).is_err());
    }
}
