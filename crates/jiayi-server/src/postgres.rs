//! The PostgreSQL backend, for a county that outgrows one machine.
//!
//! Pushes take a table lock on the change log, so cursors commit in the order they are handed
//! out: a pull never skips a change that commits after a higher cursor was already seen.

use std::sync::{Condvar, Mutex};

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity};
use jiayi_sync::protocol::{
    ChangeResult, ReferenceData, ReferenceDocument, ReferenceKind, RejectCode,
};
use postgres::{Client, GenericClient, NoTls};
use uuid::Uuid;

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
            "SELECT id, doctor_id, team_id FROM devices WHERE token_hash = $1 AND revoked_at IS NULL",
            &[&token_hash(token)],
        )?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.get(0);
        Ok(Some(DeviceScope {
            device_id: parse_uuid(&id)?,
            doctor_id: parse_uuid(row.get(1))?,
            team_id: parse_uuid(row.get(2))?,
            villages: Self::villages(&mut *c, &id)?,
        }))
    }

    fn device_key(&self, device_id: Uuid) -> Result<Option<(DeviceScope, String)>> {
        let mut c = self.client()?;
        let id = device_id.to_string();
        let row = c.query_opt(
            "SELECT doctor_id, team_id, token_hash FROM devices WHERE id = $1 AND revoked_at IS NULL",
            &[&id],
        )?;
        let Some(row) = row else { return Ok(None) };
        let scope = DeviceScope {
            device_id,
            doctor_id: parse_uuid(row.get(0))?,
            team_id: parse_uuid(row.get(1))?,
            villages: Self::villages(&mut *c, &id)?,
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

    fn push(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
    ) -> Result<Vec<ChangeResult>> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE changes IN SHARE ROW EXCLUSIVE MODE")?;
        let now = time_text(now);
        let device = scope.device_id.to_string();
        let dup = tx.prepare(
            "SELECT body::json->>'change_id' FROM changes WHERE device_id = $1 AND seq = $2",
        )?;
        let log = tx.prepare(
            "INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING cursor",
        )?;
        let save = tx.prepare(
            "INSERT INTO records (entity, entity_id, village_id, payload, field_hlc, deleted_hlc, last_cursor)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (entity, entity_id) DO UPDATE SET village_id = excluded.village_id,
               payload = excluded.payload, field_hlc = excluded.field_hlc,
               deleted_hlc = excluded.deleted_hlc, last_cursor = excluded.last_cursor",
        )?;
        let lose = tx.prepare(
            "INSERT INTO conflicts (entity, entity_id, village_id, field, losing_value, losing_hlc, losing_device,
               winning_value, winning_hlc, cursor, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )?;
        let mut results = Vec::with_capacity(changes.len());
        for change in changes {
            if change.device_id != scope.device_id {
                results.push(rejected(change.seq, RejectCode::WrongDevice));
                continue;
            }
            let seq = i64::try_from(change.seq)
                .map_err(|_| ServerError::Invalid("seq too large".into()))?;
            if let Some(row) = tx.query_opt(&dup, &[&device, &seq])? {
                results.push(known_seq(change, row.get::<_, Option<&str>>(0)));
                continue;
            }
            let entity = change.entity.as_str();
            let entity_id = change.entity_id.to_string();
            let existing = load_record(&mut tx, entity, &entity_id)?;
            match decide(&scope.villages, existing.as_ref(), change) {
                Decision::Reject(code) => results.push(rejected(change.seq, code)),
                Decision::Store { state, losers } => {
                    let village = change.village_id.to_string();
                    let body = serde_json::to_string(change)?;
                    let cursor: i64 = tx
                        .query_one(
                            &log,
                            &[&device, &seq, &entity, &entity_id, &village, &body, &now],
                        )?
                        .get(0);
                    let state_village = state.village_id.to_string();
                    tx.execute(
                        &save,
                        &[
                            &entity,
                            &entity_id,
                            &state_village,
                            &serde_json::to_string(&state.payload)?,
                            &state.field_hlc_json(),
                            &state.deleted.map(|h| h.to_string()),
                            &cursor,
                        ],
                    )?;
                    for l in &losers {
                        tx.execute(
                            &lose,
                            &[
                                &entity,
                                &entity_id,
                                &state_village,
                                &l.field,
                                &l.value.to_string(),
                                &l.hlc.to_string(),
                                &device,
                                &l.winning_value.to_string(),
                                &l.winning_hlc.to_string(),
                                &cursor,
                                &now,
                            ],
                        )?;
                    }
                    results.push(stored_result(change.seq, &losers));
                }
            }
        }
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
             JOIN device_villages dv ON dv.village_id = c.village_id AND dv.device_id = $1
             WHERE c.cursor > $2 AND c.cursor <= $3 AND c.device_id <> $1
             ORDER BY c.cursor LIMIT $4",
            &[
                &scope.device_id.to_string(),
                &(after as i64),
                &high_water,
                &i64::from(limit),
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

    fn enroll(&self, e: &Enrollment, now: DateTime<Utc>) -> Result<Enrolled> {
        check_enrollment(e)?;
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
            "INSERT INTO devices (id, label, doctor_id, team_id, token_hash, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET label = excluded.label, doctor_id = excluded.doctor_id,
               team_id = excluded.team_id, token_hash = excluded.token_hash,
               enrolled_at = excluded.enrolled_at, revoked_at = NULL",
            &[&device_id.to_string(), &e.label, &doctor, &team, &token_hash(&token), &time_text(now)],
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
                    (SELECT COALESCE(MAX(seq), 0) FROM changes c WHERE c.device_id = d.id)
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
            &[&(after as i64), &i64::from(limit)],
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
}
