//! The storage trait over PostgreSQL: each method one or a few statements on a leased
//! connection; the hot paths are in `push`, `reads` and `sealer`.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity};
use jiayi_sync::protocol::{
    ChangeResult, DeviceRole, ReferenceData, ReferenceDocument, ReferenceKind,
};
use uuid::Uuid;

use super::PgStorage;
use super::reads::{load_record, read_page, scope_from_row, scope_select};
use super::sealer::audit_record;
use crate::error::Result;
use crate::merge::RecordState;
use crate::storage::shared::{
    ConflictText, check_enrollment, check_reference, check_villages, cursor_param, document,
    hash_from, parse_time, parse_uuid, progress_from, reference_from, role_from, time_text,
    village_from,
};
use crate::storage::token::{new_token, token_hash};
use crate::storage::{
    AuditEvent, AuditLogEntry, AuditSeal, AuditSealer, ConflictRow, DeviceInfo, DeviceRow,
    DeviceScope, DeviceStatus, Enrolled, Enrollment, LoginAttempt, PullPage, Pushed, RecordChange,
    RecordReview, RecordToAudit, SealAnchor, Storage, UserRow, VillageProgress,
};

impl Storage for PgStorage {
    fn epoch(&self) -> Result<Uuid> {
        let row = self
            .client()?
            .query_one("SELECT value FROM meta WHERE key = 'epoch'", &[])?;
        parse_uuid(row.get(0))
    }

    fn renew_epoch(&self) -> Result<Uuid> {
        let epoch = Uuid::new_v4();
        self.client()?.execute(
            "UPDATE meta SET value = $1 WHERE key = 'epoch'",
            &[&epoch.to_string()],
        )?;
        Ok(epoch)
    }

    fn authenticate(&self, token: &str) -> Result<Option<DeviceScope>> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let query = statements.get(
            client,
            concat!(
                scope_select!(),
                " WHERE d.token_hash = $1 AND d.revoked_at IS NULL"
            ),
        )?;
        let row = client.query_opt(&query, &[&token_hash(token)])?;
        row.map(|r| scope_from_row(&r)).transpose()
    }

    fn authenticate_with_setting(
        &self,
        token: &str,
        key: &str,
    ) -> Result<Option<(DeviceScope, Option<String>)>> {
        self.token_with_setting(token, key)
    }

    fn device_info(&self, device_id: Uuid, key: &str) -> Result<DeviceInfo> {
        self.info_of(device_id, key)
    }

    /// The pool's connections opened, and the change log writer's.
    fn warm_up(&self) -> Result<()> {
        self.pool.fill()?;
        self.writer.connect()
    }

    fn device_key(&self, device_id: Uuid) -> Result<Option<(DeviceScope, String)>> {
        let row = self.client()?.query_opt(
            concat!(scope_select!(), " WHERE d.id = $1 AND d.revoked_at IS NULL"),
            &[&device_id.to_string()],
        )?;
        row.map(|r| Ok((scope_from_row(&r)?, r.get(5)))).transpose()
    }

    fn status(&self, device_id: Uuid) -> Result<DeviceStatus> {
        self.status_of(device_id)
    }

    fn stored_through(&self, device_id: Uuid) -> Result<u64> {
        let row = self.client()?.query_one(
            "SELECT COALESCE(MAX(seq), 0) FROM changes WHERE device_id = $1",
            &[&device_id.to_string()],
        )?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn high_water(&self) -> Result<u64> {
        let row = self
            .client()?
            .query_one("SELECT COALESCE(MAX(cursor), 0) FROM changes", &[])?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn push(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Vec<ChangeResult>> {
        Ok(self.store_batch(scope, changes, now, audit, false)?.results)
    }

    fn push_round(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Pushed> {
        self.store_batch(scope, changes, now, audit, true)
    }

    fn pull(&self, scope: &DeviceScope, after: u64, limit: u32) -> Result<PullPage> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        read_page(client, statements, scope, after, limit)
    }

    /// Two round trips: the page with the high-water mark it was read under, then the audit
    /// entry, the device's sync time and the epoch in one statement.
    fn pull_round(
        &self,
        scope: &DeviceScope,
        after: u64,
        limit: u32,
        now: DateTime<Utc>,
        audit: AuditEvent,
    ) -> Result<(Uuid, PullPage)> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let page = read_page(client, statements, scope, after, limit)?;
        let audit = audit.with_records(page.changes.iter().map(|c| c.record.clone()));
        let logged = statements.get(
            client,
            "WITH queued AS (
               INSERT INTO audit_pending (at, actor, role, action, origin, records)
               VALUES ($1, $3, $4, $5, $6, $7)
             ), touched AS (
               UPDATE devices SET last_sync_at = $1 WHERE id = $2
             )
             SELECT value FROM meta WHERE key = 'epoch'",
        )?;
        let row = client.query_one(
            &logged,
            &[
                &time_text(now),
                &scope.device_id.to_string(),
                &audit.actor,
                &audit.role,
                &audit.action,
                &audit.origin,
                &audit.records_text(),
            ],
        )?;
        Ok((parse_uuid(row.get(0))?, page))
    }

    fn touch(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.client()?.execute(
            "UPDATE devices SET last_sync_at = $1 WHERE id = $2",
            &[&time_text(now), &device_id.to_string()],
        )?;
        Ok(())
    }

    fn enroll_as(&self, e: &Enrollment, role: DeviceRole, now: DateTime<Utc>) -> Result<Enrolled> {
        check_enrollment(e, role)?;
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let new_team = Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO teams (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&new_team, &e.team_name],
        )?;
        let team: String = tx
            .query_one("SELECT id FROM teams WHERE name = $1", &[&e.team_name])?
            .get(0);
        let new_doctor = Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO doctors (id, name, team_id) VALUES ($1, $2, $3) ON CONFLICT (name, team_id) DO NOTHING",
            &[&new_doctor, &e.doctor_name, &team],
        )?;
        let doctor: String = tx
            .query_one(
                "SELECT id FROM doctors WHERE name = $1 AND team_id = $2",
                &[&e.doctor_name, &team],
            )?
            .get(0);
        let device_id = e.device_id.unwrap_or_else(Uuid::now_v7);
        let token = new_token();
        tx.execute(
            "INSERT INTO devices (id, label, doctor_id, team_id, token_hash, enrolled_at, role) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET label = excluded.label, doctor_id = excluded.doctor_id,
               team_id = excluded.team_id, token_hash = excluded.token_hash,
               enrolled_at = excluded.enrolled_at, revoked_at = NULL, role = excluded.role",
            &[&device_id.to_string(), &e.label, &doctor, &team, &token_hash(&token), &time_text(now), &role.as_str()],
        )?;
        tx.execute(
            "DELETE FROM device_villages WHERE device_id = $1",
            &[&device_id.to_string()],
        )?;
        for v in &e.villages {
            tx.execute(
                "INSERT INTO device_villages (device_id, village_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&device_id.to_string(), &v.to_string()],
            )?;
        }
        if let Some(code) = &e.awaiting_code {
            super::binding::await_code(&mut tx, device_id, code)?;
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
        self.awaiting_code_of(device_id)
    }

    fn bind_awaiting(&self, placeholder: Uuid, device_id: Uuid) -> Result<()> {
        self.bind(placeholder, device_id)
    }

    fn revoke(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let n = self.client()?.execute(
            "UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[&time_text(now), &device_id.to_string()],
        )?;
        Ok(n == 1)
    }

    fn devices(&self) -> Result<Vec<DeviceRow>> {
        let rows = self.client()?.query(
            "SELECT d.id, d.label, doc.name, t.name, d.enrolled_at, d.revoked_at, d.last_sync_at,
                    (SELECT COALESCE(MAX(seq), 0) FROM changes c WHERE c.device_id = d.id), d.role,
                    ARRAY(SELECT village_id FROM device_villages dv WHERE dv.device_id = d.id
                          ORDER BY village_id),
                    (SELECT code FROM awaiting_devices a WHERE a.placeholder_id = d.id)
             FROM devices d JOIN doctors doc ON doc.id = d.doctor_id JOIN teams t ON t.id = d.team_id
             ORDER BY t.name, doc.name, d.enrolled_at",
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let villages: Vec<String> = r.get(9);
            out.push(DeviceRow {
                device_id: parse_uuid(r.get(0))?,
                villages: villages
                    .iter()
                    .map(|v| parse_uuid(v))
                    .collect::<Result<_>>()?,
                label: r.get(1),
                doctor_name: r.get(2),
                team_name: r.get(3),
                enrolled_at: r.get(4),
                revoked_at: r.get(5),
                last_sync_at: r.get(6),
                stored_through_seq: r.get::<_, i64>(7) as u64,
                role: role_from(r.get(8))?,
                awaiting_code: r.get(10),
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
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE reference_documents IN SHARE ROW EXCLUSIVE MODE")?;
        let version: i32 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM reference_documents WHERE kind = $1 AND name = $2",
                &[&kind.as_str(), &name],
            )?
            .get(0);
        let published_at = time_text(now);
        tx.execute(
            "INSERT INTO reference_documents (kind, name, version, content, published_at) VALUES ($1, $2, $3, $4, $5)",
            &[&kind.as_str(), &name, &version, &content, &published_at],
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
        let rows = self.client()?.query(
            "SELECT kind, name, version, content, published_at FROM reference_documents r
             WHERE version = (SELECT MAX(version) FROM reference_documents x WHERE x.kind = r.kind AND x.name = r.name)
             ORDER BY kind, name",
            &[],
        )?;
        let docs = rows
            .iter()
            .map(|r| {
                document(
                    r.get(0),
                    r.get(1),
                    i64::from(r.get::<_, i32>(2)),
                    r.get(3),
                    r.get(4),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let mut data = reference_from(docs);
        let ranges = self.setting(crate::storage::shared::RECORD_RANGES_KEY)?;
        data.record_ranges =
            crate::storage::shared::record_ranges_from(&self.villages()?, ranges.as_deref())?;
        Ok(data)
    }

    fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictRow>> {
        let rows = self.client()?.query(
            "SELECT id, entity, entity_id, village_id, field, losing_value, losing_hlc, losing_device,
                    winning_value, winning_hlc, created_at, resolved_at, resolution
             FROM conflicts WHERE (NOT $1 OR resolved_at IS NULL) ORDER BY id",
            &[&open_only],
        )?;
        rows.iter()
            .map(|r| {
                ConflictText {
                    id: r.get(0),
                    entity: r.get(1),
                    entity_id: r.get(2),
                    village_id: r.get(3),
                    field: r.get(4),
                    losing_value: r.get(5),
                    losing_hlc: r.get(6),
                    losing_device: r.get(7),
                    winning_value: r.get(8),
                    winning_hlc: r.get(9),
                    created_at: r.get(10),
                    resolved_at: r.get(11),
                    resolution: r.get(12),
                }
                .into_row()
            })
            .collect()
    }

    fn resolve_conflict(&self, id: i64, resolution: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self.client()?.execute(
            "UPDATE conflicts SET resolved_at = $1, resolution = $2 WHERE id = $3 AND resolved_at IS NULL",
            &[&time_text(now), &resolution, &id],
        )?;
        Ok(n == 1)
    }

    fn record(&self, entity: Entity, id: Uuid) -> Result<Option<RecordState>> {
        load_record(&mut *self.client()?, entity.as_str(), &id.to_string())
    }

    fn change_log(&self, after: u64, limit: u32) -> Result<Vec<(u64, Change)>> {
        let rows = self.client()?.query(
            "SELECT cursor, body FROM changes WHERE cursor > $1 ORDER BY cursor LIMIT $2",
            &[&cursor_param(after), &i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.get::<_, i64>(0) as u64,
                    serde_json::from_str(r.get::<_, &str>(1))?,
                ))
            })
            .collect()
    }

    fn village_progress(&self) -> Result<Vec<VillageProgress>> {
        let rows = self.client()?.query(
            "SELECT village_id, entity, COUNT(*) FROM records WHERE deleted_hlc IS NULL
             GROUP BY village_id, entity ORDER BY village_id",
            &[],
        )?;
        let counts = rows
            .iter()
            .map(|r| {
                Ok((
                    parse_uuid(r.get(0))?,
                    r.get::<_, String>(1),
                    r.get::<_, i64>(2) as u64,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(progress_from(counts))
    }

    fn audit_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<RecordToAudit>> {
        super::reviews::audit_between(&mut *self.client()?, since, until, limit)
    }

    fn live_payloads(&self, entity: Entity) -> Result<Vec<(String, String)>> {
        let rows = self.client()?.query(
            "SELECT payload, field_hlc FROM records WHERE entity = $1 AND deleted_hlc IS NULL ORDER BY entity_id",
            &[&entity.as_str()],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
            .collect())
    }

    fn reference_history(&self, kind: ReferenceKind) -> Result<Vec<String>> {
        let rows = self.client()?.query(
            "SELECT content FROM reference_documents WHERE kind = $1 ORDER BY published_at, name, version",
            &[&kind.as_str()],
        )?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    fn villages(&self) -> Result<Vec<jiayi_core::household::Village>> {
        let rows = self.client()?.query(
            "SELECT id, code, name, township FROM villages ORDER BY code, name",
            &[],
        )?;
        rows.iter()
            .map(|r| village_from(r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }

    fn put_villages(&self, villages: &[jiayi_core::household::Village]) -> Result<()> {
        check_villages(villages)?;
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        for v in villages {
            tx.execute(
                "INSERT INTO villages (id, code, name, township) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name,
                     township = excluded.township",
                &[&v.id.to_string(), &v.code, &v.name, &v.township],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn put_review(&self, review: &RecordReview, audit: &AuditEvent) -> Result<()> {
        super::reviews::put_review(&mut *self.client()?, review, audit)
    }

    fn reviews(&self, record: Option<(&str, Uuid)>) -> Result<Vec<RecordReview>> {
        super::reviews::reviews(&mut *self.client()?, record)
    }

    fn record_changes(&self, entity: &str, id: Uuid) -> Result<Vec<RecordChange>> {
        super::reviews::record_changes(&mut *self.client()?, entity, id)
    }

    /// Read on every sync request (the server's data kind, the recovery key): a statement the
    /// connection keeps prepared, one round trip.
    fn setting(&self, key: &str) -> Result<Option<String>> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let query = statements.get(client, "SELECT value FROM settings WHERE key = $1")?;
        let row = client.query_opt(&query, &[&key])?;
        Ok(row.map(|r| r.get(0)))
    }

    fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    /// Queues the entry unchained: requests never wait on the chain's head. The sealer
    /// ([`AuditSealer`]) chains queued entries in the order they were queued.
    fn append_audit(&self, event: &AuditEvent, now: DateTime<Utc>) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO audit_pending (at, actor, role, action, origin, records)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &time_text(now),
                &event.actor,
                &event.role,
                &event.action,
                &event.origin,
                &event.records_text(),
            ],
        )?;
        Ok(())
    }

    fn sealer(&self) -> Option<&dyn AuditSealer> {
        Some(self)
    }

    fn audit_entries(&self, after: u64, limit: u32) -> Result<Vec<AuditLogEntry>> {
        let rows = self.client()?.query(
            "SELECT seq, at, actor, role, action, origin, records, hash FROM audit_log
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&cursor_param(after), &i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(audit_record(
                    r,
                    r.get::<_, i64>(0) as u64,
                    hash_from(r.get::<_, &[u8]>(7))?,
                ))
            })
            .collect()
    }

    fn audit_anchor(&self) -> Result<([u8; 32], u64)> {
        let r = self.client()?.query_one(
            "SELECT hash, pruned_through FROM audit_anchor WHERE singleton = 1",
            &[],
        )?;
        Ok((hash_from(r.get::<_, &[u8]>(0))?, r.get::<_, i64>(1) as u64))
    }

    fn prune_audit(&self, before: DateTime<Utc>, seal: &SealAnchor<'_>) -> Result<u64> {
        super::audit_seals::prune(self, before, seal)
    }

    fn put_audit_seal(&self, seal: &AuditSeal) -> Result<()> {
        super::audit_seals::put(&mut *self.client()?, seal)
    }

    fn audit_seals(&self) -> Result<Vec<AuditSeal>> {
        super::audit_seals::all(&mut *self.client()?)
    }

    fn put_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role,
               password_hash = excluded.password_hash, failed_logins = 0, locked_until = NULL",
            &[&name, &role, &password_hash, &time_text(now)],
        )?;
        tx.execute("DELETE FROM sessions WHERE user_name = $1", &[&name])?;
        Ok(tx.commit()?)
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>> {
        let row = self.client()?.query_opt(
            "SELECT name, role, password_hash, failed_logins, locked_until FROM users WHERE name = $1",
            &[&name],
        )?;
        row.map(|r| {
            Ok(UserRow {
                name: r.get(0),
                role: r.get(1),
                password_hash: r.get(2),
                failed_logins: u32::try_from(r.get::<_, i32>(3)).unwrap_or(0),
                locked_until: r.get::<_, Option<&str>>(4).map(parse_time).transpose()?,
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
        let max = i32::try_from(max_failures.max(1)).unwrap_or(i32::MAX);
        // One statement: concurrent attempts wait for the row, then see the count and the lock
        // the one before them left.
        let row = self.client()?.query_opt(
            "UPDATE users SET
               locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $4 END,
               failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END
             WHERE name = $1 AND (locked_until IS NULL OR locked_until <= $3)
             RETURNING name, password_hash, locked_until IS NOT NULL",
            &[&name, &max, &time_text(now), &time_text(lock_until)],
        )?;
        Ok(row.map(|r| LoginAttempt {
            name: r.get(0),
            password_hash: r.get(1),
            locks: r.get(2),
        }))
    }

    fn login_succeeded(&self, name: &str) -> Result<()> {
        self.client()?.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = $1",
            &[&name],
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
        let mut c = self.client()?;
        c.execute(
            "DELETE FROM sessions WHERE expires_at <= $1",
            &[&time_text(now)],
        )?;
        c.execute(
            "INSERT INTO sessions (token_hash, user_name, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            &[&token_hash, &user, &time_text(now), &time_text(expires)],
        )?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        let row = self.client()?.query_opt(
            "SELECT s.user_name FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.token_hash = $1 AND s.expires_at > $2",
            &[&token_hash, &time_text(now)],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn end_session(&self, token_hash: &str) -> Result<()> {
        self.client()?
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }
}
