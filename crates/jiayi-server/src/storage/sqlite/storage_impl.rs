//! The storage trait over the SQLite file.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity};
use jiayi_sync::protocol::{
    ChangeResult, DeviceRole, ReferenceData, ReferenceDocument, ReferenceKind,
};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::SqliteStorage;
use super::sync::{append_audit_in, load_record};
use crate::error::Result;
use crate::merge::RecordState;
use crate::storage::shared::{
    ConflictText, check_enrollment, check_reference, check_villages, cursor_param, hash_from,
    parse_time, parse_uuid, progress_from, reference_from, role_from, time_text, village_from,
};
use crate::storage::token::{new_token, token_hash};
use crate::storage::{
    AuditEvent, AuditLogEntry, AuditSeal, ConflictRow, DeviceRow, DeviceScope, Enrolled,
    Enrollment, LoginAttempt, PullPage, RecordChange, RecordReview, RecordToAudit, SealAnchor,
    Storage, UserRow, VillageProgress,
};

impl Storage for SqliteStorage {
    fn epoch(&self) -> Result<Uuid> {
        let v: String =
            self.reader()
                .query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
                    r.get(0)
                })?;
        parse_uuid(&v)
    }

    fn renew_epoch(&self) -> Result<Uuid> {
        let epoch = Uuid::new_v4();
        let conn = self.conn();
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'epoch'",
            [epoch.to_string()],
        )?;
        self.mark_log(&conn)?;
        Ok(epoch)
    }

    fn authenticate(&self, token: &str) -> Result<Option<DeviceScope>> {
        let conn = self.reader();
        let row = conn
            .prepare_cached("SELECT id, doctor_id, team_id, role FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL")?
            .query_row([token_hash(token)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
            })
            .optional()?;
        let Some((id, doctor, team, role)) = row else {
            return Ok(None);
        };
        let role = role_from(&role)?;
        Ok(Some(DeviceScope {
            device_id: parse_uuid(&id)?,
            doctor_id: parse_uuid(&doctor)?,
            team_id: parse_uuid(&team)?,
            role,
            villages: Self::scope_villages(&conn, &id, &team, role)?,
            pull_own: false,
        }))
    }

    fn device_key(&self, device_id: Uuid) -> Result<Option<(DeviceScope, String)>> {
        let conn = self.conn();
        let id = device_id.to_string();
        let row = conn
            .prepare_cached("SELECT doctor_id, team_id, token_hash, role FROM devices WHERE id = ?1 AND revoked_at IS NULL")?
            .query_row([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))
            .optional()?;
        let Some((doctor, team, hash, role)) = row else {
            return Ok(None);
        };
        let role = role_from(&role)?;
        let scope = DeviceScope {
            device_id,
            doctor_id: parse_uuid(&doctor)?,
            team_id: parse_uuid(&team)?,
            role,
            villages: Self::scope_villages(&conn, &id, &team, role)?,
            pull_own: false,
        };
        Ok(Some((scope, hash)))
    }

    fn stored_through(&self, device_id: Uuid) -> Result<u64> {
        let n: i64 = self
            .reader()
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM changes WHERE device_id = ?1")?
            .query_row([device_id.to_string()], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn high_water(&self) -> Result<u64> {
        let n: i64 =
            self.reader()
                .query_row("SELECT COALESCE(MAX(cursor), 0) FROM changes", [], |r| {
                    r.get(0)
                })?;
        Ok(n as u64)
    }

    fn push(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Vec<ChangeResult>> {
        self.store_batch(scope, changes, now, audit)
    }

    fn pull(&self, scope: &DeviceScope, after: u64, limit: u32) -> Result<PullPage> {
        self.read_page(scope, after, limit)
    }

    fn touch(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE devices SET last_sync_at = ?1 WHERE id = ?2")?
            .execute([time_text(now), device_id.to_string()])?;
        Ok(())
    }

    fn enroll_as(&self, e: &Enrollment, role: DeviceRole, now: DateTime<Utc>) -> Result<Enrolled> {
        check_enrollment(e, role)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let team: Option<String> = tx
            .query_row(
                "SELECT id FROM teams WHERE name = ?1",
                [&e.team_name],
                |r| r.get(0),
            )
            .optional()?;
        let team = match team {
            Some(t) => t,
            None => {
                let id = Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO teams (id, name) VALUES (?1, ?2)",
                    [&id, &e.team_name],
                )?;
                id
            }
        };
        let doctor: Option<String> = tx
            .query_row(
                "SELECT id FROM doctors WHERE name = ?1 AND team_id = ?2",
                [&e.doctor_name, &team],
                |r| r.get(0),
            )
            .optional()?;
        let doctor = match doctor {
            Some(d) => d,
            None => {
                let id = Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO doctors (id, name, team_id) VALUES (?1, ?2, ?3)",
                    [&id, &e.doctor_name, &team],
                )?;
                id
            }
        };
        let device_id = e.device_id.unwrap_or_else(Uuid::now_v7);
        let token = new_token();
        tx.execute(
            "INSERT INTO devices (id, label, doctor_id, team_id, token_hash, enrolled_at, role) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET label = excluded.label, doctor_id = excluded.doctor_id,
               team_id = excluded.team_id, token_hash = excluded.token_hash,
               enrolled_at = excluded.enrolled_at, revoked_at = NULL, role = excluded.role",
            params![device_id.to_string(), e.label, doctor, team, token_hash(&token), time_text(now), role.as_str()],
        )?;
        tx.execute(
            "DELETE FROM device_villages WHERE device_id = ?1",
            [device_id.to_string()],
        )?;
        for v in &e.villages {
            tx.execute(
                "INSERT OR IGNORE INTO device_villages (device_id, village_id) VALUES (?1, ?2)",
                [device_id.to_string(), v.to_string()],
            )?;
        }
        if let Some(code) = &e.awaiting_code {
            super::binding::await_code(&tx, device_id, code)?;
        }
        tx.commit()?;
        Ok(Enrolled {
            device_id,
            doctor_id: parse_uuid(&doctor)?,
            team_id: parse_uuid(&team)?,
            token,
        })
    }

    fn awaiting_code(&self, device_id: Uuid) -> Result<Option<String>> {
        super::binding::awaiting_code(&self.reader(), device_id)
    }

    fn bind_awaiting(&self, placeholder: Uuid, device_id: Uuid) -> Result<()> {
        super::binding::bind(&mut self.conn(), placeholder, device_id)
    }

    fn revoke(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            [time_text(now), device_id.to_string()],
        )?;
        Ok(n == 1)
    }

    fn devices(&self) -> Result<Vec<DeviceRow>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT d.id, d.label, doc.name, t.name, d.enrolled_at, d.revoked_at, d.last_sync_at,
                    (SELECT COALESCE(MAX(seq), 0) FROM changes c WHERE c.device_id = d.id), d.role,
                    (SELECT code FROM awaiting_devices a WHERE a.placeholder_id = d.id)
             FROM devices d JOIN doctors doc ON doc.id = d.doctor_id JOIN teams t ON t.id = d.team_id
             ORDER BY t.name, doc.name, d.enrolled_at",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                label,
                doctor_name,
                team_name,
                enrolled_at,
                revoked_at,
                last_sync_at,
                seq,
                role,
                awaiting_code,
            ) = row?;
            out.push(DeviceRow {
                device_id: parse_uuid(&id)?,
                role: role_from(&role)?,
                villages: Self::villages(&conn, &id)?,
                label,
                doctor_name,
                team_name,
                enrolled_at,
                revoked_at,
                last_sync_at,
                stored_through_seq: seq as u64,
                awaiting_code,
            });
        }
        Ok(out)
    }

    fn publish(
        &self,
        kind: ReferenceKind,
        name: &str,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<ReferenceDocument> {
        check_reference(kind, content)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM reference_documents WHERE kind = ?1 AND name = ?2",
            [kind.as_str(), name],
            |r| r.get(0),
        )?;
        let published_at = time_text(now);
        tx.execute(
            "INSERT INTO reference_documents (kind, name, version, content, published_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![kind.as_str(), name, version, content, published_at],
        )?;
        tx.commit()?;
        Ok(ReferenceDocument {
            kind,
            name: name.into(),
            version: version as u32,
            content: content.into(),
            published_at,
        })
    }

    fn reference(&self) -> Result<ReferenceData> {
        // The connection is let go before the settings and villages are read with it again.
        let docs = self.reference_documents()?;
        let mut data = reference_from(docs);
        let ranges = self.setting(crate::storage::shared::RECORD_RANGES_KEY)?;
        data.record_ranges =
            crate::storage::shared::record_ranges_from(&self.villages()?, ranges.as_deref())?;
        Ok(data)
    }

    fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictRow>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT id, entity, entity_id, village_id, field, losing_value, losing_hlc, losing_device,
                    winning_value, winning_hlc, created_at, resolved_at, resolution
             FROM conflicts WHERE (?1 = 0 OR resolved_at IS NULL) ORDER BY id",
        )?;
        let rows = st.query_map([i64::from(open_only)], |r| {
            Ok(ConflictText {
                id: r.get(0)?,
                entity: r.get(1)?,
                entity_id: r.get(2)?,
                village_id: r.get(3)?,
                field: r.get(4)?,
                losing_value: r.get(5)?,
                losing_hlc: r.get(6)?,
                losing_device: r.get(7)?,
                winning_value: r.get(8)?,
                winning_hlc: r.get(9)?,
                created_at: r.get(10)?,
                resolved_at: r.get(11)?,
                resolution: r.get(12)?,
            })
        })?;
        rows.map(|r| r?.into_row()).collect()
    }

    fn resolve_conflict(&self, id: i64, resolution: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE conflicts SET resolved_at = ?1, resolution = ?2 WHERE id = ?3 AND resolved_at IS NULL",
            params![time_text(now), resolution, id],
        )?;
        Ok(n == 1)
    }

    fn record(&self, entity: Entity, id: Uuid) -> Result<Option<RecordState>> {
        load_record(&self.conn(), entity.as_str(), &id.to_string())
    }

    fn change_log(&self, after: u64, limit: u32) -> Result<Vec<(u64, Change)>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(
            "SELECT cursor, body FROM changes WHERE cursor > ?1 ORDER BY cursor LIMIT ?2",
        )?;
        let rows = st.query_map(params![cursor_param(after), limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        rows.map(|r| {
            let (c, b) = r?;
            Ok((c as u64, serde_json::from_str(&b)?))
        })
        .collect()
    }

    fn village_progress(&self) -> Result<Vec<VillageProgress>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT village_id, entity, COUNT(*) FROM records WHERE deleted_hlc IS NULL
             GROUP BY village_id, entity ORDER BY village_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut counts = Vec::new();
        for row in rows {
            let (v, e, n) = row?;
            counts.push((parse_uuid(&v)?, e, n as u64));
        }
        Ok(progress_from(counts))
    }

    fn audit_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<RecordToAudit>> {
        super::reads::audit_between(&self.conn(), since, until, limit)
    }

    fn live_payloads(&self, entity: Entity) -> Result<Vec<(String, String)>> {
        let conn = self.reader();
        let mut st = conn.prepare_cached(
            "SELECT payload, field_hlc FROM records WHERE entity = ?1 AND deleted_hlc IS NULL ORDER BY entity_id",
        )?;
        let rows = st.query_map([entity.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn reference_history(&self, kind: ReferenceKind) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(
            "SELECT content FROM reference_documents WHERE kind = ?1 ORDER BY published_at, name, version",
        )?;
        let rows = st.query_map([kind.as_str()], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn villages(&self) -> Result<Vec<jiayi_core::household::Village>> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached("SELECT id, code, name, township FROM villages ORDER BY code, name")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, code, name, township) = row?;
            out.push(village_from(&id, code, name, township)?);
        }
        Ok(out)
    }

    fn put_villages(&self, villages: &[jiayi_core::household::Village]) -> Result<()> {
        check_villages(villages)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for v in villages {
            tx.execute(
                "INSERT INTO villages (id, code, name, township) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name,
                     township = excluded.township",
                params![v.id.to_string(), v.code, v.name, v.township],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn put_review(&self, review: &RecordReview, audit: &AuditEvent) -> Result<()> {
        super::reads::put_review(&mut self.conn(), review, audit)
    }

    fn reviews(&self, record: Option<(&str, Uuid)>) -> Result<Vec<RecordReview>> {
        super::reads::reviews(&self.conn(), record)
    }

    fn record_changes(&self, entity: &str, id: Uuid) -> Result<Vec<RecordChange>> {
        super::reads::record_changes(&self.conn(), entity, id)
    }

    /// Read on the reader: every sync request reads the server's data kind, and must not wait
    /// for a push holding the writer.
    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .reader()
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    fn append_audit(&self, event: &AuditEvent, now: DateTime<Utc>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        append_audit_in(&tx, event, &time_text(now))?;
        tx.commit()?;
        Ok(())
    }

    fn audit_entries(&self, after: u64, limit: u32) -> Result<Vec<AuditLogEntry>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(
            "SELECT seq, at, actor, role, action, origin, records, hash FROM audit_log
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = st.query_map(params![cursor_param(after), limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Vec<u8>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, actor, role, action, origin, records, hash) = row?;
            out.push(AuditLogEntry {
                seq: seq as u64,
                at,
                actor,
                role,
                action,
                origin,
                records,
                hash: hash_from(&hash)?,
            });
        }
        Ok(out)
    }

    fn audit_anchor(&self) -> Result<([u8; 32], u64)> {
        let (hash, pruned): (Vec<u8>, i64) = self.conn().query_row(
            "SELECT hash, pruned_through FROM audit_anchor WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((hash_from(&hash)?, pruned as u64))
    }

    fn prune_audit(&self, before: DateTime<Utc>, seal: &SealAnchor<'_>) -> Result<u64> {
        super::audit_seals::prune(self, before, seal)
    }

    fn put_audit_seal(&self, seal: &AuditSeal) -> Result<()> {
        super::audit_seals::put(&self.conn(), seal)
    }

    fn audit_seals(&self) -> Result<Vec<AuditSeal>> {
        super::audit_seals::all(&self.conn())
    }

    fn put_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role,
               password_hash = excluded.password_hash, failed_logins = 0, locked_until = NULL",
            params![name, role, password_hash, time_text(now)],
        )?;
        tx.execute("DELETE FROM sessions WHERE user_name = ?1", [name])?;
        Ok(tx.commit()?)
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>> {
        let row = self
            .conn()
            .query_row(
                "SELECT name, role, password_hash, failed_logins, locked_until FROM users WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(name, role, password_hash, failed, locked)| {
            Ok(UserRow {
                name,
                role,
                password_hash,
                failed_logins: u32::try_from(failed).unwrap_or(u32::MAX),
                locked_until: locked.as_deref().map(parse_time).transpose()?,
            })
        })
        .transpose()
    }

    fn reserve_login(
        &self,
        name: &str,
        max_failures: u32,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<LoginAttempt>> {
        Ok(self
            .conn()
            .query_row(
                "UPDATE users SET
                   locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?4 END,
                   failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END
                 WHERE name = ?1 AND (locked_until IS NULL OR locked_until <= ?3)
                 RETURNING name, password_hash, locked_until IS NOT NULL",
                params![name, max_failures.max(1), time_text(now), time_text(lock_until)],
                |r| {
                    Ok(LoginAttempt {
                        name: r.get(0)?,
                        password_hash: r.get(1)?,
                        locks: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn login_succeeded(&self, name: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?1",
            [name],
        )?;
        Ok(())
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM sessions WHERE expires_at <= ?1",
            [time_text(now)],
        )?;
        conn.execute(
            "INSERT INTO sessions (token_hash, user_name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, user, time_text(now), time_text(expires)],
        )?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT s.user_name FROM sessions s JOIN users u ON u.name = s.user_name
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                [token_hash, &time_text(now)],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn end_session(&self, token_hash: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }
}
