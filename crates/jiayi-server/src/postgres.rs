//! The PostgreSQL backend, for a county that outgrows one machine.
//!
//! Pushes take turns on the change log's insert (see `store_batch`), so cursors commit in the
//! order they are handed out: a pull never skips a change that commits after a higher cursor
//! was already seen. Hot statements are prepared once per pooled connection and written to
//! read narrowly whatever plan the connection keeps (see `store_batch` and `read_page`).

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity};
use jiayi_sync::protocol::{
    ChangeResult, DeviceRole, ReferenceData, ReferenceDocument, ReferenceKind, RejectCode,
};
use postgres::{Client, GenericClient, NoTls};
use uuid::Uuid;

use crate::audit::{AuditEvent, AuditRecord, hash_from};
use crate::error::{Result, ServerError};
use crate::merge::{Decision, RecordState, decide};
use crate::storage::*;

mod embedded {
    refinery::embed_migrations!("../../migrations/server-postgres");
}

mod pool;

use pool::Pool;

pub struct PgStorage {
    pool: Pool,
}

impl PgStorage {
    pub fn connect(url: &str) -> Result<PgStorage> {
        let mut client = Client::connect(url, NoTls)?;
        embedded::migrations::runner()
            .set_grouped(false)
            .run(&mut client)?;
        client.execute(
            "INSERT INTO meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING",
            &[&Uuid::new_v4().to_string()],
        )?;
        Ok(PgStorage {
            pool: Pool::new(url, client),
        })
    }

    fn client(&self) -> Result<pool::Lease<'_>> {
        self.pool.lease()
    }

    /// Stores one batch. The batch's records (and the device) are locked first, each by an
    /// advisory lock taken in one order, so pushes touching other records run side by side and
    /// write their records and conflicts side by side. Only the insert into the change log,
    /// which hands out cursors, takes turns, for that one statement and the commit: the turn
    /// is the advisory lock `(0, 1)`, whose two-key space the record locks (one 64-bit key)
    /// never use, and the only writer of the change log takes it. Cursors therefore commit in
    /// the order they are handed out, and a pull never skips a change that commits after a
    /// higher cursor was seen.
    fn store_batch(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
        touch: bool,
    ) -> Result<Pushed> {
        use std::collections::{HashMap, HashSet};
        let now = time_text(now);
        let device = scope.device_id.to_string();
        let mut seqs = Vec::with_capacity(changes.len());
        for change in changes {
            seqs.push(
                i64::try_from(change.seq)
                    .map_err(|_| ServerError::Invalid("seq too large".into()))?,
            );
        }
        let entities: Vec<String> = changes
            .iter()
            .map(|c| c.entity.as_str().to_string())
            .collect();
        let ids: Vec<String> = changes.iter().map(|c| c.entity_id.to_string()).collect();
        let mut lock_keys: Vec<String> = entities
            .iter()
            .zip(&ids)
            .map(|(e, i)| format!("{e}:{i}"))
            .collect();
        lock_keys.push(format!("device:{device}"));

        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let mut tx = client.transaction()?;
        let lock = statements.get(
            &mut tx,
            "SELECT pg_advisory_xact_lock(h) FROM (
               SELECT DISTINCT hashtextextended(k, 0) AS h FROM UNNEST($1::text[]) AS k ORDER BY h
             ) AS keys",
        )?;
        tx.query(&lock, &[&lock_keys])?;
        let mut records: HashMap<(String, String), RecordState> = HashMap::new();
        // One primary-key probe per record: the lateral `LIMIT 1` keeps the planner from a
        // hash join over the whole table. A connection plans a prepared statement once for all
        // later calls, and on a new server it does so while `records` is still nearly empty:
        // a plain join was then planned as a scan of every record, which it stayed as the
        // table grew.
        let current = statements.get(
            &mut tx,
            "SELECT r.entity, r.entity_id, r.village_id, r.payload, r.field_hlc, r.deleted_hlc
             FROM UNNEST($1::text[], $2::text[]) AS k(entity, entity_id)
             CROSS JOIN LATERAL (
               SELECT * FROM records
               WHERE records.entity = k.entity AND records.entity_id = k.entity_id LIMIT 1
             ) AS r",
        )?;
        for r in tx.query(&current, &[&entities, &ids])? {
            let state =
                record_from_text(r.get(2), r.get(3), r.get(4), r.get::<_, Option<&str>>(5))?;
            records.insert((r.get(0), r.get(1)), state);
        }
        // In one statement: the audit entry and the device's sync time written; the epoch, the
        // stored-through mark and the batch's sequence numbers already stored (with their
        // change ids) read. All before the turn on the change log.
        let before = statements.get(
            &mut tx,
            "WITH queued AS (
               INSERT INTO audit_pending (at, actor, role, action, origin, records)
               VALUES ($1, $3, $4, $5, $6, $7)
             ), touched AS (
               UPDATE devices SET last_sync_at = $1 WHERE id = $2 AND $8
             ), known AS (
               SELECT seq, body::json->>'change_id' AS change_id FROM changes
               WHERE device_id = $2 AND seq = ANY($9)
             )
             SELECT (SELECT value FROM meta WHERE key = 'epoch'),
                    (SELECT COALESCE(MAX(seq), 0) FROM changes WHERE device_id = $2),
                    ARRAY(SELECT seq FROM known ORDER BY seq),
                    ARRAY(SELECT change_id FROM known ORDER BY seq)",
        )?;
        let before = tx.query_one(
            &before,
            &[
                &now,
                &device,
                &audit.actor,
                &audit.role,
                &audit.action,
                &audit.origin,
                &audit.records_text(),
                &touch,
                &seqs,
            ],
        )?;
        let epoch = parse_uuid(before.get(0))?;
        let mut stored_through = before.get::<_, i64>(1) as u64;
        let known: HashMap<i64, Option<String>> = before
            .get::<_, Vec<i64>>(2)
            .into_iter()
            .zip(before.get::<_, Vec<Option<String>>>(3))
            .collect();

        let mut results = Vec::with_capacity(changes.len());
        let mut in_batch: HashSet<u64> = HashSet::new();
        // Rows to write, in batch order.
        let mut log: Vec<&Change> = Vec::new();
        let mut dirty: Vec<(String, String)> = Vec::new();
        let mut dirty_keys: HashSet<(String, String)> = HashSet::new();
        let mut losers: Vec<(String, String, String, crate::merge::Loser)> = Vec::new();
        for (change, seq) in changes.iter().zip(&seqs) {
            if change.device_id != scope.device_id {
                results.push(rejected(change.seq, RejectCode::WrongDevice));
                continue;
            }
            if let Some(stored_id) = known.get(seq) {
                results.push(known_seq(change, stored_id.as_deref()));
                continue;
            }
            if !in_batch.insert(change.seq) {
                let first = log
                    .iter()
                    .find(|c| c.seq == change.seq)
                    .map(|c| c.change_id.to_string());
                results.push(known_seq(change, first.as_deref()));
                continue;
            }
            let key = (
                change.entity.as_str().to_string(),
                change.entity_id.to_string(),
            );
            match decide(&scope.villages, records.get(&key), change) {
                Decision::Reject(code) => {
                    in_batch.remove(&change.seq);
                    results.push(rejected(change.seq, code));
                }
                Decision::Store {
                    state,
                    losers: lost,
                } => {
                    results.push(stored_result(change.seq, &lost));
                    for l in lost {
                        losers.push((
                            key.0.clone(),
                            key.1.clone(),
                            state.village_id.to_string(),
                            l,
                        ));
                    }
                    if dirty_keys.insert(key.clone()) {
                        dirty.push(key.clone());
                    }
                    records.insert(key, state);
                    log.push(change);
                }
            }
        }

        if log.is_empty() {
            tx.commit()?;
            return Ok(Pushed {
                results,
                epoch,
                stored_through,
            });
        }
        let mut bodies = Vec::with_capacity(log.len());
        for change in &log {
            bodies.push(serde_json::to_string(change)?);
        }
        let col = |f: &dyn Fn(&Change) -> String| log.iter().map(|c| f(c)).collect::<Vec<String>>();
        let log_seqs: Vec<i64> = log.iter().map(|c| c.seq as i64).collect();
        stored_through = stored_through.max(log.iter().map(|c| c.seq).max().unwrap_or(0));

        let mut record_cols: [Vec<String>; 5] = Default::default();
        let mut deleted = Vec::new();
        for key in &dirty {
            let Some(state) = records.get(key) else {
                continue;
            };
            for (col, v) in record_cols.iter_mut().zip([
                key.0.clone(),
                key.1.clone(),
                state.village_id.to_string(),
                serde_json::to_string(&state.payload)?,
                state.field_hlc_json(),
            ]) {
                col.push(v);
            }
            deleted.push(state.deleted.map(|h| h.to_string()));
        }
        let mut loser_cols: [Vec<String>; 9] = Default::default();
        for (entity, id, village, l) in &losers {
            for (col, v) in loser_cols.iter_mut().zip([
                entity.clone(),
                id.clone(),
                village.clone(),
                l.field.clone(),
                l.value.to_string(),
                l.hlc.to_string(),
                device.clone(),
                l.winning_value.to_string(),
                l.winning_hlc.to_string(),
            ]) {
                col.push(v);
            }
        }

        // The records and the conflicts first: they need no cursor, and the records are
        // already this push's alone under its advisory locks.
        let merge = statements.get(
            &mut tx,
            "WITH merged AS (
               INSERT INTO records (entity, entity_id, village_id, payload, field_hlc, deleted_hlc)
               SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                    $6::text[])
               ON CONFLICT (entity, entity_id) DO UPDATE SET village_id = excluded.village_id,
                 payload = excluded.payload, field_hlc = excluded.field_hlc,
                 deleted_hlc = excluded.deleted_hlc, last_cursor = NULL
             )
             INSERT INTO conflicts (entity, entity_id, village_id, field, losing_value, losing_hlc,
               losing_device, winning_value, winning_hlc, created_at)
             SELECT a, b, c, d, e, f, g, h, i, $16
             FROM UNNEST($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                         $13::text[], $14::text[], $15::text[]) AS t(a, b, c, d, e, f, g, h, i)",
        )?;
        tx.execute(
            &merge,
            &[
                &record_cols[0],
                &record_cols[1],
                &record_cols[2],
                &record_cols[3],
                &record_cols[4],
                &deleted,
                &loser_cols[0],
                &loser_cols[1],
                &loser_cols[2],
                &loser_cols[3],
                &loser_cols[4],
                &loser_cols[5],
                &loser_cols[6],
                &loser_cols[7],
                &loser_cols[8],
                &now,
            ],
        )?;
        // Then the turn on the change log, for the one insert that hands out cursors and the
        // commit: the shorter the turn, the shorter every other push's wait. The insert takes
        // the turn itself, so no separate statement to take it falls inside the turn; the
        // commit's is the one round trip that does. No row reaches the insert, and so no
        // cursor is drawn, before the join has read `turn`.
        let log_insert = statements.get(
            &mut tx,
            "WITH turn AS (SELECT pg_advisory_xact_lock(0, 1))
             INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
             SELECT $1, s, e, i, v, b, $7
             FROM turn, UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
                  WITH ORDINALITY AS t(s, e, i, v, b, n)
             ORDER BY n",
        )?;
        tx.execute(
            &log_insert,
            &[
                &device,
                &log_seqs,
                &col(&|c| c.entity.as_str().to_string()),
                &col(&|c| c.entity_id.to_string()),
                &col(&|c| c.village_id.to_string()),
                &bodies,
                &now,
            ],
        )?;
        tx.commit()?;
        Ok(Pushed {
            results,
            epoch,
            stored_through,
        })
    }
}

/// A device and the villages it reaches (see [`DeviceScope::villages`]): its own for a doctor;
/// for a team leader also those of every active device of its team. Followed by a `WHERE` on
/// `d`; column 5 is the token's hash.
macro_rules! scope_select {
    () => {
        "SELECT d.id, d.doctor_id, d.team_id, d.role,
                ARRAY(SELECT village_id FROM device_villages WHERE device_id = d.id
                      UNION
                      SELECT dv.village_id FROM device_villages dv
                      JOIN devices o ON o.id = dv.device_id
                      WHERE d.role <> 'doctor' AND o.team_id = d.team_id AND o.revoked_at IS NULL
                      ORDER BY 1),
                d.token_hash
           FROM devices d"
    };
}

fn scope_from_row(row: &postgres::Row) -> Result<DeviceScope> {
    let villages: Vec<String> = row.get(4);
    Ok(DeviceScope {
        device_id: parse_uuid(row.get(0))?,
        doctor_id: parse_uuid(row.get(1))?,
        team_id: parse_uuid(row.get(2))?,
        role: role_from(row.get(3))?,
        villages: villages
            .iter()
            .map(|v| parse_uuid(v))
            .collect::<Result<_>>()?,
    })
}

/// One page of changes in the device's villages by other devices, with the high-water mark it
/// was read under, in one statement.
fn read_page(
    client: &mut Client,
    statements: &mut pool::Statements,
    scope: &DeviceScope,
    after: u64,
    limit: u32,
) -> Result<PullPage> {
    // Read village by village, each along the village's own index in cursor order, then
    // merged: a plan that walks the whole log in cursor order and filters by village is what
    // the planner picks for a small log, and a connection keeps the plan it first chose for a
    // prepared statement (see `store_batch`), however far the log has grown since.
    let query = statements.get(
        client,
        "WITH mark AS (SELECT COALESCE(MAX(cursor), 0) AS high_water FROM changes)
         SELECT mark.high_water, page.cursor, page.entity, page.entity_id, page.body
         FROM mark LEFT JOIN LATERAL (
           SELECT c.cursor, c.entity, c.entity_id, c.body
           FROM (SELECT DISTINCT v FROM UNNEST($4::text[]) AS v) AS villages(village_id)
           CROSS JOIN LATERAL (
             SELECT c.cursor, c.entity, c.entity_id, c.body FROM changes c
             WHERE c.village_id = villages.village_id AND c.cursor > $2
               AND c.cursor <= mark.high_water AND c.device_id <> $1
             ORDER BY c.cursor LIMIT $3
           ) AS c
           ORDER BY c.cursor LIMIT $3
         ) AS page ON true",
    )?;
    let rows = client.query(
        &query,
        &[
            &scope.device_id.to_string(),
            &crate::storage::cursor_param(after),
            &i64::from(limit),
            &scope
                .villages
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>(),
        ],
    )?;
    let high_water = rows.first().map_or(0, |r| r.get::<_, i64>(0));
    let mut changes = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(cursor) = r.get::<_, Option<i64>>(1) {
            changes.push(StoredChange::new(cursor, r.get(2), r.get(3), r.get(4)));
        }
    }
    Ok(page(changes, after, limit, high_water as u64))
}

/// An audit entry from a row whose columns 1 to 6 are `at, actor, role, action, origin,
/// records` (column 0 is the queue id or the sequence number).
fn audit_record(row: &postgres::Row, seq: u64, hash: [u8; 32]) -> AuditRecord {
    AuditRecord {
        seq,
        at: row.get(1),
        actor: row.get(2),
        role: row.get(3),
        action: row.get(4),
        origin: row.get(5),
        records: row.get(6),
        hash,
    }
}

/// Entries chained per transaction while sealing.
const SEAL_BATCH: i64 = 5000;

/// Chains queued audit entries onto the log. Sealers take turns on the log's table lock; the
/// requests that queued the entries never do.
fn seal_queued_audit(client: &mut Client) -> Result<u64> {
    let mut sealed = 0;
    loop {
        let mut tx = client.transaction()?;
        tx.batch_execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")?;
        let queued = tx.query(
            "SELECT id, at, actor, role, action, origin, records FROM audit_pending ORDER BY id LIMIT $1",
            &[&SEAL_BATCH],
        )?;
        if queued.is_empty() {
            return Ok(sealed);
        }
        let anchor = tx.query_one(
            "SELECT hash, pruned_through FROM audit_anchor WHERE singleton = 1",
            &[],
        )?;
        let head = tx.query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?;
        let (mut seq, mut previous) = match head {
            Some(r) => (r.get::<_, i64>(0), hash_from(r.get::<_, &[u8]>(1))?),
            None => (
                anchor.get::<_, i64>(1),
                hash_from(anchor.get::<_, &[u8]>(0))?,
            ),
        };
        let mut cols: [Vec<String>; 6] = Default::default();
        let (mut seqs, mut hashes, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for r in &queued {
            // Sequence number and hash are what this loop gives it.
            let record = audit_record(r, 0, [0; 32]);
            seq += 1;
            previous = jiayi_core::audit::chain_hash(&previous, &record.entry());
            ids.push(r.get::<_, i64>(0));
            seqs.push(seq);
            hashes.push(previous.to_vec());
            for (col, v) in cols.iter_mut().zip([
                record.at,
                record.actor,
                record.role,
                record.action,
                record.origin,
                record.records,
            ]) {
                col.push(v);
            }
        }
        tx.execute(
            "INSERT INTO audit_log (seq, at, actor, role, action, origin, records, hash)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::bytea[])",
            &[
                &seqs, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &hashes,
            ],
        )?;
        tx.execute("DELETE FROM audit_pending WHERE id = ANY($1)", &[&ids])?;
        tx.commit()?;
        sealed += queued.len() as u64;
        if (queued.len() as i64) < SEAL_BATCH {
            return Ok(sealed);
        }
    }
}

fn load_record(
    client: &mut impl GenericClient,
    entity: &str,
    id: &str,
) -> Result<Option<RecordState>> {
    let row = client.query_opt(
        "SELECT village_id, payload, field_hlc, deleted_hlc FROM records WHERE entity = $1 AND entity_id = $2",
        &[&entity, &id],
    )?;
    row.map(|r| record_from_text(r.get(0), r.get(1), r.get(2), r.get::<_, Option<&str>>(3)))
        .transpose()
}

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

    fn device_key(&self, device_id: Uuid) -> Result<Option<(DeviceScope, String)>> {
        let row = self.client()?.query_opt(
            concat!(scope_select!(), " WHERE d.id = $1 AND d.revoked_at IS NULL"),
            &[&device_id.to_string()],
        )?;
        row.map(|r| Ok((scope_from_row(&r)?, r.get(5)))).transpose()
    }

    fn status(&self, device_id: Uuid) -> Result<DeviceStatus> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let query = statements.get(
            client,
            "SELECT (SELECT value FROM meta WHERE key = 'epoch'),
                    (SELECT COALESCE(MAX(cursor), 0) FROM changes),
                    (SELECT COALESCE(MAX(seq), 0) FROM changes WHERE device_id = $1)",
        )?;
        let row = client.query_one(&query, &[&device_id.to_string()])?;
        Ok(DeviceStatus {
            epoch: parse_uuid(row.get(0))?,
            high_water: row.get::<_, i64>(1) as u64,
            stored_through: row.get::<_, i64>(2) as u64,
        })
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
        tx.commit()?;
        Ok(Enrolled {
            device_id,
            doctor_id: parse_uuid(&doctor)?,
            team_id: parse_uuid(&team)?,
            token,
        })
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
                          ORDER BY village_id)
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
        Ok(reference_from(docs))
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
            &[&crate::storage::cursor_param(after), &i64::from(limit)],
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

    fn audit(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<AuditRow>> {
        let rows = self.client()?.query(
            "SELECT c.cursor, c.entity, c.entity_id, c.village_id, COALESCE(d.label, ''), c.received_at, c.body
             FROM changes c LEFT JOIN devices d ON d.id = c.device_id
             WHERE c.received_at >= $1 AND c.entity IN ('contract', 'contract_event', 'visit')
             ORDER BY c.cursor DESC LIMIT $2",
            &[&time_text(since), &i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| {
                audit_row(
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

    fn live_payloads(&self, entity: Entity) -> Result<Vec<String>> {
        let rows = self.client()?.query(
            "SELECT payload FROM records WHERE entity = $1 AND deleted_hlc IS NULL ORDER BY entity_id",
            &[&entity.as_str()],
        )?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
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

    fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = self
            .client()?
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?;
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

    /// Queues the entry unchained: requests never wait on the chain's head.
    /// [`seal_queued_audit`] chains queued entries in the order they were queued.
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

    fn seal_audit(&self) -> Result<u64> {
        seal_queued_audit(&mut *self.client()?)
    }

    fn audit_pending(&self) -> Result<u64> {
        let row = self
            .client()?
            .query_one("SELECT COUNT(*) FROM audit_pending", &[])?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn audit_entries(&self, after: u64, limit: u32) -> Result<Vec<AuditRecord>> {
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

    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")?;
        let last = tx.query_opt(
            "SELECT seq, hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log WHERE at < $1)",
            &[&time_text(before)],
        )?;
        let Some(last) = last else { return Ok(0) };
        let seq: i64 = last.get(0);
        let hash: &[u8] = last.get(1);
        let n = tx.execute("DELETE FROM audit_log WHERE seq <= $1", &[&seq])?;
        tx.execute(
            "UPDATE audit_anchor SET hash = $1, pruned_through = $2 WHERE singleton = 1",
            &[&hash, &seq],
        )?;
        tx.commit()?;
        Ok(n)
    }

    fn put_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role,
               password_hash = excluded.password_hash, failed_logins = 0, locked_until = NULL",
            &[&name, &role, &password_hash, &time_text(now)],
        )?;
        Ok(())
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

    fn login_failed(
        &self,
        name: &str,
        max_failures: u32,
        locked_until: DateTime<Utc>,
    ) -> Result<bool> {
        let max = i32::try_from(max_failures.max(1)).unwrap_or(i32::MAX);
        // One statement: concurrent failures are counted, and the one that reaches the limit
        // locks the account and starts the count again.
        let row = self.client()?.query_opt(
            "UPDATE users SET
               locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END,
               failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END
             WHERE name = $1 RETURNING failed_logins = 0",
            &[&name, &max, &time_text(locked_until)],
        )?;
        Ok(row.is_some_and(|r| r.get::<_, bool>(0)))
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
