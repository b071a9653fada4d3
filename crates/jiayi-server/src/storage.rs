//! The server's storage, behind one trait with a SQLite and a PostgreSQL backend.
//!
//! Methods are blocking; the HTTP layer calls them on tokio's blocking pool.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity};
use jiayi_core::household::Village;
use jiayi_sync::protocol::{
    ChangeResult, DeviceRole, ReferenceData, ReferenceDocument, ReferenceKind,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{AuditEvent, AuditRecord};
use crate::error::{Result, ServerError};
use crate::merge::RecordState;

/// An authenticated device and what it may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceScope {
    pub device_id: Uuid,
    pub doctor_id: Uuid,
    pub team_id: Uuid,
    pub role: DeviceRole,
    /// Every village the device may push to and pull from: its own for a doctor; for a team
    /// leader also every village enrolled for an active device of its team (worked out at each
    /// request, so it follows new enrollments).
    pub villages: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The device's own id (it makes one when its store is created). `None`: the server makes
    /// one. Enrolling a known device again gives it a new token and replaces its villages.
    pub device_id: Option<Uuid>,
    pub doctor_name: String,
    pub team_name: String,
    /// A doctor's villages; for a team leader, villages it reaches besides the team's (may be
    /// empty).
    pub villages: Vec<Uuid>,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolled {
    pub device_id: Uuid,
    pub doctor_id: Uuid,
    pub team_id: Uuid,
    /// Shown once; the server keeps only its hash.
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRow {
    pub device_id: Uuid,
    pub label: String,
    pub doctor_name: String,
    pub team_name: String,
    pub role: DeviceRole,
    pub villages: Vec<Uuid>,
    pub enrolled_at: String,
    pub revoked_at: Option<String>,
    pub last_sync_at: Option<String>,
    pub stored_through_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictRow {
    pub id: i64,
    pub entity: String,
    pub entity_id: Uuid,
    pub village_id: Uuid,
    pub field: String,
    pub losing_value: serde_json::Value,
    pub losing_hlc: String,
    pub losing_device: Uuid,
    pub winning_value: serde_json::Value,
    pub winning_hlc: String,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
}

/// One page of a pull.
#[derive(Debug, Clone)]
pub struct PullPage {
    pub changes: Vec<StoredChange>,
    pub next_cursor: u64,
    pub more: bool,
    pub high_water: u64,
}

/// A change as the log holds it. A pull hands its JSON on as stored, without reading it
/// into a [`Change`] and writing it out again: pulls carry most of a township's sync traffic.
#[derive(Debug, Clone)]
pub struct StoredChange {
    pub cursor: u64,
    /// `entity:uuid`, as the audit log names records.
    pub record: String,
    /// The change's JSON, as the server wrote it when the change was pushed.
    pub body: String,
}

impl StoredChange {
    pub fn new(cursor: i64, entity: &str, entity_id: &str, body: String) -> StoredChange {
        StoredChange {
            cursor: cursor as u64,
            record: format!("{entity}:{entity_id}"),
            body,
        }
    }

    /// The change itself (offline bundles and checks read it).
    pub fn change(&self) -> Result<Change> {
        Ok(serde_json::from_str(&self.body)?)
    }
}

/// What a device's push round answers with besides the per-change results.
#[derive(Debug, Clone, PartialEq)]
pub struct Pushed {
    pub results: Vec<ChangeResult>,
    pub epoch: Uuid,
    /// The highest sequence number stored from the device, after this batch.
    pub stored_through: u64,
}

/// Where the server stands for one device: what `/v1/info` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceStatus {
    pub epoch: Uuid,
    pub high_water: u64,
    pub stored_through: u64,
}

/// Counts per village for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VillageProgress {
    pub village_id: Uuid,
    pub households: u64,
    pub residents: u64,
    pub contracts: u64,
    pub visits: u64,
}

/// A record received in a period, for the monthly audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub cursor: u64,
    pub entity: String,
    pub entity_id: Uuid,
    pub village_id: Uuid,
    pub device_label: String,
    pub received_at: String,
    pub payload: serde_json::Value,
}

pub trait Storage: Send + Sync + 'static {
    /// The identity of this database; see [`ServerInfo::server_epoch`](jiayi_sync::protocol::ServerInfo).
    fn epoch(&self) -> Result<Uuid>;
    /// Declares the database restored or replaced: devices re-upload and re-pull.
    fn renew_epoch(&self) -> Result<Uuid>;
    fn authenticate(&self, token: &str) -> Result<Option<DeviceScope>>;
    /// An active device and the hash of its token (the offline-bundle key is derived from it).
    fn device_key(&self, device_id: Uuid) -> Result<Option<(DeviceScope, String)>>;
    fn stored_through(&self, device_id: Uuid) -> Result<u64>;
    fn high_water(&self) -> Result<u64>;
    /// Applies a batch atomically: every change is answered, and either all stored changes are
    /// committed, with `audit` appended to the audit log, or none is.
    fn push(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Vec<ChangeResult>>;
    /// Changes in the device's villages made by other devices, after a cursor.
    fn pull(&self, scope: &DeviceScope, after: u64, limit: u32) -> Result<PullPage>;
    fn touch(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<()>;

    /// The server's epoch, its high-water mark and what it holds from one device.
    fn status(&self, device_id: Uuid) -> Result<DeviceStatus> {
        Ok(DeviceStatus {
            epoch: self.epoch()?,
            high_water: self.high_water()?,
            stored_through: self.stored_through(device_id)?,
        })
    }

    /// A device's push request whole: the batch stored as [`Storage::push`] does, the device's
    /// last sync time set, and the epoch and stored-through mark read for the answer. A backend
    /// with network round trips does it in fewer.
    fn push_round(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Pushed> {
        let results = self.push(scope, changes, now, audit)?;
        self.touch(scope.device_id, now)?;
        Ok(Pushed {
            results,
            epoch: self.epoch()?,
            stored_through: self.stored_through(scope.device_id)?,
        })
    }

    /// A device's pull request whole: one page, the audit entry naming the changes handed
    /// out (added to `audit`), the device's last sync time, and the epoch.
    fn pull_round(
        &self,
        scope: &DeviceScope,
        after: u64,
        limit: u32,
        now: DateTime<Utc>,
        audit: AuditEvent,
    ) -> Result<(Uuid, PullPage)> {
        let page = self.pull(scope, after, limit)?;
        self.append_audit(
            &audit.with_records(page.changes.iter().map(|c| c.record.clone())),
            now,
        )?;
        self.touch(scope.device_id, now)?;
        Ok((self.epoch()?, page))
    }
    /// Enrolls a village doctor's device.
    fn enroll(&self, enrollment: &Enrollment, now: DateTime<Utc>) -> Result<Enrolled> {
        self.enroll_as(enrollment, DeviceRole::Doctor, now)
    }
    /// Enrolls a device with a role; enrolling a known device again replaces its role too.
    fn enroll_as(
        &self,
        enrollment: &Enrollment,
        role: DeviceRole,
        now: DateTime<Utc>,
    ) -> Result<Enrolled>;
    /// Returns false when no such device was enrolled or it was already revoked.
    fn revoke(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool>;
    fn devices(&self) -> Result<Vec<DeviceRow>>;
    fn publish(
        &self,
        kind: ReferenceKind,
        name: &str,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<ReferenceDocument>;
    fn reference(&self) -> Result<ReferenceData>;
    fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictRow>>;
    fn resolve_conflict(&self, id: i64, resolution: &str, now: DateTime<Utc>) -> Result<bool>;
    fn record(&self, entity: Entity, id: Uuid) -> Result<Option<RecordState>>;
    /// Every change in the log, in cursor order (for checks and exports).
    fn change_log(&self, after: u64, limit: u32) -> Result<Vec<(u64, Change)>>;
    fn village_progress(&self) -> Result<Vec<VillageProgress>>;
    /// Contracts, contract events and visits received since `since`, newest first.
    fn audit(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<AuditRow>>;
    /// The current payload (JSON text) of every record of a kind whose latest write is not a
    /// deletion, in id order: what the indicators are computed from.
    fn live_payloads(&self, entity: Entity) -> Result<Vec<String>>;
    /// The content of every published version of every document of a kind, oldest first
    /// (contracts signed under an older catalog still owe its items).
    fn reference_history(&self, kind: ReferenceKind) -> Result<Vec<String>>;
    /// Villages the township has named, by code.
    fn villages(&self) -> Result<Vec<Village>>;
    /// Adds villages or renames them (by id), in one transaction.
    fn put_villages(&self, villages: &[Village]) -> Result<()>;
    /// A township setting (JSON text), e.g. the indicator targets.
    fn setting(&self, key: &str) -> Result<Option<String>>;
    fn put_setting(&self, key: &str, value: &str) -> Result<()>;

    /// Appends one entry to the audit log: chained after the last at once, or (PostgreSQL)
    /// queued for [`Storage::seal_audit`], so that requests never take turns on the chain's head.
    fn append_audit(&self, event: &AuditEvent, now: DateTime<Utc>) -> Result<()>;
    /// Chains the queued entries onto the log, in the order they were queued; returns how many.
    /// Backends that chain on append have nothing queued.
    fn seal_audit(&self) -> Result<u64> {
        Ok(0)
    }
    /// Entries queued and not chained yet.
    fn audit_pending(&self) -> Result<u64> {
        Ok(0)
    }
    /// Audit entries after a sequence number, in order.
    fn audit_entries(&self, after: u64, limit: u32) -> Result<Vec<AuditRecord>>;
    /// The hash the first kept entry chains from, and the last pruned sequence number.
    fn audit_anchor(&self) -> Result<([u8; 32], u64)>;
    /// Removes the entries older than `before` (at least the retention period) and moves the
    /// anchor to the last removed one; returns how many were removed.
    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64>;

    /// Adds a health-center user, or sets a known user's password (and lifts a lockout).
    fn put_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    fn user(&self, name: &str) -> Result<Option<UserRow>>;
    /// Counts a failed login; at `max_failures` in a row the user is locked until
    /// `locked_until`. Returns whether the user is now locked.
    fn login_failed(
        &self,
        name: &str,
        max_failures: u32,
        locked_until: DateTime<Utc>,
    ) -> Result<bool>;
    fn login_succeeded(&self, name: &str) -> Result<()>;
    fn create_session(
        &self,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()>;
    /// The user a live session belongs to; an expired session answers `None` (expired rows
    /// are removed when the next session is created).
    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<String>>;
    fn end_session(&self, token_hash: &str) -> Result<()>;
}

/// A health-center user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub name: String,
    pub role: String,
    /// Argon2id, PHC string.
    pub password_hash: String,
    pub failed_logins: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ServerError::Corrupt(format!("bad time '{s}'")))
}

pub(crate) fn role_from(s: &str) -> Result<DeviceRole> {
    DeviceRole::parse(s).ok_or_else(|| ServerError::Corrupt(format!("unknown device role '{s}'")))
}

pub type DynStorage = Arc<dyn Storage>;

/// Opens the storage a URL names: `sqlite://path/to/file.db` or `postgres://user@host/db`.
pub fn open(url: &str) -> Result<DynStorage> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(crate::sqlite::SqliteStorage::open(path)?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(crate::postgres::PgStorage::connect(url)?))
    } else {
        Err(ServerError::Config(format!(
            "database URL must start with sqlite:// or postgres://, got '{url}'"
        )))
    }
}

/// A new device token: 256 random bits, hex.
pub fn new_token() -> String {
    format!("jy1_{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// The reference document is checked before it is published, so devices never get one they
/// cannot read.
pub fn check_reference(kind: ReferenceKind, content: &str) -> Result<()> {
    let bad = |e: String| {
        Err(ServerError::Invalid(format!(
            "{} document: {e}",
            kind.as_str()
        )))
    };
    match kind {
        ReferenceKind::Catalog => match toml::from_str::<jiayi_core::catalog::Catalog>(content) {
            Ok(_) => Ok(()),
            Err(e) => bad(e.to_string()),
        },
        ReferenceKind::TermPolicy => match toml::from_str::<toml::Table>(content) {
            Ok(_) => Ok(()),
            Err(e) => bad(e.to_string()),
        },
        ReferenceKind::Teams => {
            match serde_json::from_str::<Vec<jiayi_core::household::Team>>(content) {
                Ok(_) => Ok(()),
                Err(e) => bad(e.to_string()),
            }
        }
        ReferenceKind::Register if content.trim().is_empty() => bad("empty".into()),
        ReferenceKind::Register => Ok(()),
    }
}

/// Builds the download from the latest document of each kind and name.
pub fn reference_from(documents: Vec<ReferenceDocument>) -> ReferenceData {
    let teams = documents
        .iter()
        .filter(|d| d.kind == ReferenceKind::Teams)
        .flat_map(|d| {
            serde_json::from_str::<Vec<jiayi_core::household::Team>>(&d.content).unwrap_or_default()
        })
        .collect();
    ReferenceData { teams, documents }
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| ServerError::Corrupt(format!("bad id '{s}'")))
}

// Helpers both backends share, so they answer alike.

pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn record_from_text(
    village: &str,
    payload: &str,
    field_hlc: &str,
    deleted: Option<&str>,
) -> Result<RecordState> {
    let payload = match serde_json::from_str(payload)? {
        serde_json::Value::Object(m) => m,
        _ => {
            return Err(ServerError::Corrupt(
                "record payload is not an object".into(),
            ));
        }
    };
    let field_hlc = RecordState::parse_field_hlc(field_hlc)
        .ok_or_else(|| ServerError::Corrupt("bad field clocks".into()))?;
    let deleted = deleted
        .map(|d| {
            d.parse()
                .map_err(|_| ServerError::Corrupt(format!("bad clock '{d}'")))
        })
        .transpose()?;
    Ok(RecordState {
        village_id: parse_uuid(village)?,
        payload,
        field_hlc,
        deleted,
    })
}

/// A village as the database stores it, or refused when its name or id is unusable.
pub(crate) fn village_from(
    id: &str,
    code: String,
    name: String,
    township: String,
) -> Result<Village> {
    Ok(Village {
        id: parse_uuid(id)?,
        code,
        name,
        township,
    })
}

pub(crate) fn check_villages(villages: &[Village]) -> Result<()> {
    match villages.iter().find(|v| v.name.trim().is_empty()) {
        Some(v) => Err(ServerError::Invalid(format!(
            "village {} has no name",
            v.id
        ))),
        None => Ok(()),
    }
}

pub(crate) fn rejected(seq: u64, code: jiayi_sync::protocol::RejectCode) -> ChangeResult {
    ChangeResult {
        seq,
        status: jiayi_sync::protocol::ChangeStatus::Rejected {
            reason: jiayi_sync::protocol::Rejection::new(code),
        },
    }
}

/// The answer for a change whose (device, seq) the server already holds: a true duplicate when
/// it is the same change, a refusal when the number was reused for another change.
pub(crate) fn known_seq(change: &Change, stored_change_id: Option<&str>) -> ChangeResult {
    let same = stored_change_id.and_then(|s| Uuid::parse_str(s).ok()) == Some(change.change_id);
    if same {
        ChangeResult {
            seq: change.seq,
            status: jiayi_sync::protocol::ChangeStatus::Duplicate,
        }
    } else {
        rejected(change.seq, jiayi_sync::protocol::RejectCode::SeqReused)
    }
}

pub(crate) fn stored_result(seq: u64, losers: &[crate::merge::Loser]) -> ChangeResult {
    use jiayi_sync::protocol::ChangeStatus;
    let status = if losers.is_empty() {
        ChangeStatus::Applied
    } else {
        ChangeStatus::Conflict {
            losing_fields: losers.iter().map(|l| l.field.clone()).collect(),
        }
    };
    ChangeResult { seq, status }
}

/// A pull cursor as the databases store it. Cursors are positive `i64`s, so a larger one asks
/// for nothing rather than wrapping round to a negative number and asking for everything.
pub(crate) fn cursor_param(after: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX)
}

/// Pages a pull: a full page continues after its last change; a short page ends at the log's end.
pub(crate) fn page(
    changes: Vec<StoredChange>,
    after: u64,
    limit: u32,
    high_water: u64,
) -> PullPage {
    let full = changes.len() as u64 >= u64::from(limit.max(1));
    let next_cursor = match changes.last() {
        Some(last) if full => last.cursor,
        _ => high_water.max(after),
    };
    PullPage {
        more: next_cursor < high_water,
        changes,
        next_cursor,
        high_water,
    }
}

pub(crate) fn check_enrollment(e: &Enrollment, role: DeviceRole) -> Result<()> {
    if e.doctor_name.trim().is_empty() || e.team_name.trim().is_empty() {
        return Err(ServerError::Invalid(
            "doctor and team names are required".into(),
        ));
    }
    if e.villages.is_empty() && role == DeviceRole::Doctor {
        return Err(ServerError::Invalid(
            "a doctor's device needs at least one village".into(),
        ));
    }
    Ok(())
}

pub(crate) fn document(
    kind: &str,
    name: String,
    version: i64,
    content: String,
    published_at: String,
) -> Result<ReferenceDocument> {
    let kind = ReferenceKind::parse(kind)
        .ok_or_else(|| ServerError::Corrupt(format!("unknown reference kind '{kind}'")))?;
    Ok(ReferenceDocument {
        kind,
        name,
        version: version as u32,
        content,
        published_at,
    })
}

pub(crate) struct ConflictText {
    pub id: i64,
    pub entity: String,
    pub entity_id: String,
    pub village_id: String,
    pub field: String,
    pub losing_value: String,
    pub losing_hlc: String,
    pub losing_device: String,
    pub winning_value: String,
    pub winning_hlc: String,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
}

impl ConflictText {
    pub fn into_row(self) -> Result<ConflictRow> {
        Ok(ConflictRow {
            id: self.id,
            entity: self.entity,
            entity_id: parse_uuid(&self.entity_id)?,
            village_id: parse_uuid(&self.village_id)?,
            field: self.field,
            losing_value: serde_json::from_str(&self.losing_value)?,
            losing_hlc: self.losing_hlc,
            losing_device: parse_uuid(&self.losing_device)?,
            winning_value: serde_json::from_str(&self.winning_value)?,
            winning_hlc: self.winning_hlc,
            created_at: self.created_at,
            resolved_at: self.resolved_at,
            resolution: self.resolution,
        })
    }
}

pub(crate) fn progress_from(counts: Vec<(Uuid, String, u64)>) -> Vec<VillageProgress> {
    let mut out: Vec<VillageProgress> = Vec::new();
    for (village_id, entity, n) in counts {
        if out.last().is_none_or(|p| p.village_id != village_id) {
            out.push(VillageProgress {
                village_id,
                households: 0,
                residents: 0,
                contracts: 0,
                visits: 0,
            });
        }
        let Some(p) = out.last_mut() else { continue };
        match Entity::parse(&entity) {
            Some(Entity::Household) => p.households += n,
            Some(Entity::Resident) => p.residents += n,
            Some(Entity::Contract) => p.contracts += n,
            Some(Entity::Visit) => p.visits += n,
            _ => {}
        }
    }
    out
}

pub(crate) fn audit_row(
    cursor: i64,
    entity: String,
    id: &str,
    village: &str,
    device_label: String,
    received_at: String,
    body: &str,
) -> Result<AuditRow> {
    let change: Change = serde_json::from_str(body)?;
    Ok(AuditRow {
        cursor: cursor as u64,
        entity,
        entity_id: parse_uuid(id)?,
        village_id: parse_uuid(village)?,
        device_label,
        received_at,
        payload: change.payload,
    })
}
