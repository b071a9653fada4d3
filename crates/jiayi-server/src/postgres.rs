//! The PostgreSQL backend, for a county that outgrows one machine.
//!
//! Pushes take a table lock on the change log, so cursors commit in the order they are handed
//! out: a pull never skips a change that commits after a higher cursor was already seen.

use std::sync::{Condvar, Mutex};

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

/// Connections kept open.
const POOL_SIZE: usize = 4;

pub struct PgStorage {
    url: String,
    idle: Mutex<Vec<Client>>,
    returned: Condvar,
    open: Mutex<usize>,
}

struct Lease<'a> {
    pool: &'a PgStorage,
    client: Option<Client>,
}

impl std::ops::Deref for Lease<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("client present until drop")
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("client present until drop")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            if c.is_closed() {
                *self.pool.open.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
            } else {
                self.pool
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(c);
            }
            self.pool.returned.notify_one();
        }
    }
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
            url: url.to_string(),
            idle: Mutex::new(vec![client]),
            returned: Condvar::new(),
            open: Mutex::new(1),
        })
    }

    fn client(&self) -> Result<Lease<'_>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = idle.pop() {
                return Ok(Lease {
                    pool: self,
                    client: Some(c),
                });
            }
            {
                let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
                if *open < POOL_SIZE {
                    *open += 1;
                    drop(open);
                    drop(idle);
                    return match Client::connect(&self.url, NoTls) {
                        Ok(c) => Ok(Lease {
                            pool: self,
                            client: Some(c),
                        }),
                        Err(e) => {
                            *self.open.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
                            Err(e.into())
                        }
                    };
                }
            }
            idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn villages(client: &mut impl GenericClient, device: &str) -> Result<Vec<Uuid>> {
        let rows = client.query(
            "SELECT village_id FROM device_villages WHERE device_id = $1 ORDER BY village_id",
            &[&device],
        )?;
        rows.iter()
            .map(|r| parse_uuid(r.get::<_, &str>(0)))
            .collect()
    }

    /// The villages a device reaches (see [`DeviceScope::villages`]).
    fn scope_villages(
        client: &mut impl GenericClient,
        device: &str,
        team: &str,
        role: DeviceRole,
    ) -> Result<Vec<Uuid>> {
        if role == DeviceRole::Doctor {
            return Self::villages(client, device);
        }
        let rows = client.query(
            "SELECT DISTINCT dv.village_id FROM device_villages dv JOIN devices d ON d.id = dv.device_id
             WHERE dv.device_id = $1 OR (d.team_id = $2 AND d.revoked_at IS NULL)
             ORDER BY dv.village_id",
            &[&device, &team],
        )?;
        rows.iter()
            .map(|r| parse_uuid(r.get::<_, &str>(0)))
            .collect()
    }
}

/// Appends an audit entry inside the caller's transaction. The table lock makes appends take
/// turns, so two transactions never chain from the same head.
fn append_audit_in(client: &mut impl GenericClient, event: &AuditEvent, at: &str) -> Result<()> {
    client.batch_execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")?;
    let anchor = client.query_one(
        "SELECT hash, pruned_through FROM audit_anchor WHERE singleton = 1",
        &[],
    )?;
    let head = client.query_opt(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    let (seq, previous) = match head {
        Some(r) => (r.get::<_, i64>(0) + 1, hash_from(r.get::<_, &[u8]>(1))?),
        None => (
            anchor.get::<_, i64>(1) + 1,
            hash_from(anchor.get::<_, &[u8]>(0))?,
        ),
    };
    let hash = jiayi_core::audit::chain_hash(&previous, &event.entry(at));
    client.execute(
        "INSERT INTO audit_log (seq, at, actor, role, action, origin, records, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &seq,
            &at,
            &event.actor,
            &event.role,
            &event.action,
            &event.origin,
            &event.records_text(),
            &hash.as_slice(),
        ],
    )?;
    Ok(())
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
        let mut c = self.client()?;
        let row = c.query_opt(
            "SELECT id, doctor_id, team_id, role FROM devices WHERE token_hash = $1 AND revoked_at IS NULL",
            &[&token_hash(token)],
        )?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.get(0);
        let team: String = row.get(2);
        let role = role_from(row.get(3))?;
        Ok(Some(DeviceScope {
            device_id: parse_uuid(&id)?,
            doctor_id: parse_uuid(row.get(1))?,
            team_id: parse_uuid(&team)?,
            role,
            villages: Self::scope_villages(&mut *c, &id, &team, role)?,
        }))
    }

    fn device_key(&self, device_id: Uuid) -> Result<Option<(DeviceScope, String)>> {
        let mut c = self.client()?;
        let id = device_id.to_string();
        let row = c.query_opt(
            "SELECT doctor_id, team_id, token_hash, role FROM devices WHERE id = $1 AND revoked_at IS NULL",
            &[&id],
        )?;
        let Some(row) = row else { return Ok(None) };
        let team: String = row.get(1);
        let role = role_from(row.get(3))?;
        let scope = DeviceScope {
            device_id,
            doctor_id: parse_uuid(row.get(0))?,
            team_id: parse_uuid(&team)?,
            role,
            villages: Self::scope_villages(&mut *c, &id, &team, role)?,
        };
        Ok(Some((scope, row.get(2))))
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

    /// One batch costs a handful of round trips whatever its size: known sequence numbers and
    /// current records are read with one query each, merged in memory in batch order, and the
    /// log, records and conflicts are written with one statement each.
    fn push(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Vec<ChangeResult>> {
        use std::collections::{HashMap, HashSet};
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE changes IN SHARE ROW EXCLUSIVE MODE")?;
        let now = time_text(now);
        let device = scope.device_id.to_string();
        let mut seqs = Vec::with_capacity(changes.len());
        for change in changes {
            seqs.push(
                i64::try_from(change.seq)
                    .map_err(|_| ServerError::Invalid("seq too large".into()))?,
            );
        }
        let known: HashMap<i64, Option<String>> = tx
            .query(
                "SELECT seq, body::json->>'change_id' FROM changes WHERE device_id = $1 AND seq = ANY($2)",
                &[&device, &seqs],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let ids: Vec<String> = changes.iter().map(|c| c.entity_id.to_string()).collect();
        let mut records: HashMap<(String, String), RecordState> = HashMap::new();
        for r in tx.query(
            "SELECT entity, entity_id, village_id, payload, field_hlc, deleted_hlc FROM records
             WHERE entity_id = ANY($1)",
            &[&ids],
        )? {
            let state =
                record_from_text(r.get(2), r.get(3), r.get(4), r.get::<_, Option<&str>>(5))?;
            records.insert((r.get(0), r.get(1)), state);
        }

        let mut results = Vec::with_capacity(changes.len());
        let mut in_batch: HashSet<u64> = HashSet::new();
        // Rows to write, in batch order.
        let mut log: Vec<&Change> = Vec::new();
        let mut dirty: Vec<(String, String)> = Vec::new();
        let mut record_seq: HashMap<(String, String), u64> = HashMap::new();
        let mut losers: Vec<(u64, String, String, String, crate::merge::Loser)> = Vec::new();
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
                            change.seq,
                            key.0.clone(),
                            key.1.clone(),
                            state.village_id.to_string(),
                            l,
                        ));
                    }
                    if !dirty.contains(&key) {
                        dirty.push(key.clone());
                    }
                    record_seq.insert(key.clone(), change.seq);
                    records.insert(key, state);
                    log.push(change);
                }
            }
        }

        let mut cursor_of: HashMap<u64, i64> = HashMap::new();
        if !log.is_empty() {
            let mut bodies = Vec::with_capacity(log.len());
            for change in &log {
                bodies.push(serde_json::to_string(change)?);
            }
            let col =
                |f: &dyn Fn(&Change) -> String| log.iter().map(|c| f(c)).collect::<Vec<String>>();
            let log_seqs: Vec<i64> = log.iter().map(|c| c.seq as i64).collect();
            let rows = tx.query(
                "INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
                 SELECT $1, s, e, i, v, b, $7
                 FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
                      AS t(s, e, i, v, b, n)
                 ORDER BY n
                 RETURNING seq, cursor",
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
            for r in rows {
                cursor_of.insert(r.get::<_, i64>(0) as u64, r.get(1));
            }
        }
        let cursor = |seq: u64| cursor_of.get(&seq).copied().unwrap_or(0);

        if !dirty.is_empty() {
            let (mut entity, mut id, mut village, mut payload, mut clocks, mut deleted, mut last) =
                (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
            for key in &dirty {
                let Some(state) = records.get(key) else {
                    continue;
                };
                entity.push(key.0.clone());
                id.push(key.1.clone());
                village.push(state.village_id.to_string());
                payload.push(serde_json::to_string(&state.payload)?);
                clocks.push(state.field_hlc_json());
                deleted.push(state.deleted.map(|h| h.to_string()));
                last.push(cursor(record_seq.get(key).copied().unwrap_or(0)));
            }
            tx.execute(
                "INSERT INTO records (entity, entity_id, village_id, payload, field_hlc, deleted_hlc, last_cursor)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
                 ON CONFLICT (entity, entity_id) DO UPDATE SET village_id = excluded.village_id,
                   payload = excluded.payload, field_hlc = excluded.field_hlc,
                   deleted_hlc = excluded.deleted_hlc, last_cursor = excluded.last_cursor",
                &[&entity, &id, &village, &payload, &clocks, &deleted, &last],
            )?;
        }

        if !losers.is_empty() {
            let mut cols: [Vec<String>; 9] = Default::default();
            let mut cursors = Vec::with_capacity(losers.len());
            for (seq, entity, id, village, l) in &losers {
                for (col, v) in cols.iter_mut().zip([
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
                cursors.push(cursor(*seq));
            }
            tx.execute(
                "INSERT INTO conflicts (entity, entity_id, village_id, field, losing_value, losing_hlc, losing_device,
                   winning_value, winning_hlc, cursor, created_at)
                 SELECT a, b, c, d, e, f, g, h, i, j, $11
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                             $8::text[], $9::text[], $10::bigint[]) AS t(a, b, c, d, e, f, g, h, i, j)",
                &[
                    &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6], &cols[7], &cols[8],
                    &cursors, &now,
                ],
            )?;
        }
        append_audit_in(&mut tx, audit, &now)?;
        tx.commit()?;
        Ok(results)
    }

    fn pull(&self, scope: &DeviceScope, after: u64, limit: u32) -> Result<PullPage> {
        let mut c = self.client()?;
        let high_water: i64 = c
            .query_one("SELECT COALESCE(MAX(cursor), 0) FROM changes", &[])?
            .get(0);
        let rows = c.query(
            "SELECT c.cursor, c.body FROM changes c
             WHERE c.cursor > $2 AND c.cursor <= $3 AND c.device_id <> $1
               AND c.village_id = ANY($5)
             ORDER BY c.cursor LIMIT $4",
            &[
                &scope.device_id.to_string(),
                &crate::storage::cursor_param(after),
                &high_water,
                &i64::from(limit),
                &scope
                    .villages
                    .iter()
                    .map(Uuid::to_string)
                    .collect::<Vec<_>>(),
            ],
        )?;
        let mut changes = Vec::with_capacity(rows.len());
        for r in rows {
            changes.push((
                r.get::<_, i64>(0) as u64,
                serde_json::from_str(r.get::<_, &str>(1))?,
            ));
        }
        Ok(page(changes, after, limit, high_water as u64))
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
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT d.id, d.label, doc.name, t.name, d.enrolled_at, d.revoked_at, d.last_sync_at,
                    (SELECT COALESCE(MAX(seq), 0) FROM changes c WHERE c.device_id = d.id), d.role
             FROM devices d JOIN doctors doc ON doc.id = d.doctor_id JOIN teams t ON t.id = d.team_id
             ORDER BY t.name, doc.name, d.enrolled_at",
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.get(0);
            out.push(DeviceRow {
                device_id: parse_uuid(&id)?,
                villages: Self::villages(&mut *c, &id)?,
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

    fn append_audit(&self, event: &AuditEvent, now: DateTime<Utc>) -> Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        append_audit_in(&mut tx, event, &time_text(now))?;
        tx.commit()?;
        Ok(())
    }

    fn audit_entries(&self, after: u64, limit: u32) -> Result<Vec<AuditRecord>> {
        let rows = self.client()?.query(
            "SELECT seq, at, actor, role, action, origin, records, hash FROM audit_log
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&cursor_param(after), &i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    seq: r.get::<_, i64>(0) as u64,
                    at: r.get(1),
                    actor: r.get(2),
                    role: r.get(3),
                    action: r.get(4),
                    origin: r.get(5),
                    records: r.get(6),
                    hash: hash_from(r.get::<_, &[u8]>(7))?,
                })
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
