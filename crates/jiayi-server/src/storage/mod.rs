//! The server's storage, behind one trait with a SQLite and a PostgreSQL backend: the trait,
//! the data it reads and writes, and the audit-log entries both backends store. The backends
//! live in the child modules; which one a URL names is chosen where the server starts.
//!
//! Methods are blocking; the HTTP layer calls them on tokio's blocking pool.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jiayi_core::audit::AuditEntry;
use jiayi_core::change::{Change, Entity};
use jiayi_core::household::Village;
use jiayi_sync::protocol::{
    ChangeResult, DeviceRole, ReferenceData, ReferenceDocument, ReferenceKind,
};
use serde::Serialize;
use uuid::Uuid;

use crate::error::Result;
use crate::merge::RecordState;

pub mod log_watch;
pub mod postgres;
pub(crate) mod shared;
pub mod sqlite;
pub mod token;

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
    /// A pull also hands the device its own changes (it asked for them back after its data
    /// was restored from an older copy); otherwise pulls leave them out.
    pub pull_own: bool,
}

impl DeviceScope {
    /// The device whose changes a pull leaves out: none when the device asked for its own.
    pub fn left_out_of_pull(&self) -> Uuid {
        if self.pull_own {
            Uuid::nil()
        } else {
            self.device_id
        }
    }
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
    /// Enrolled by the 登记码 of a laptop the server has not met: `device_id` is a placeholder
    /// the server made, bound to the laptop's own id when it first connects
    /// ([`Storage::bind_awaiting`]). The code as [`jiayi_core::short_code::normalise`] writes it.
    pub awaiting_code: Option<String>,
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
    /// The 登记码 a device enrolled by code waits for, until the laptop first connects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaiting_code: Option<String>,
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

/// What a device's `info` request reads about it ([`Storage::device_info`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub status: DeviceStatus,
    /// The 登记码 the device's token waits to be bound under (a placeholder device).
    pub awaiting_code: Option<String>,
    /// The server setting asked for.
    pub setting: Option<String>,
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
pub struct RecordToAudit {
    pub cursor: u64,
    pub entity: String,
    pub entity_id: Uuid,
    pub village_id: Uuid,
    pub device_label: String,
    /// The device that sent it.
    pub device_id: Uuid,
    pub received_at: String,
    pub payload: serde_json::Value,
}

/// An administrator's verdict on a received record in the monthly audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewVerdict {
    /// Looked at and found in order.
    Checked,
    /// To be looked at again by the record's doctor; the note says why.
    Flagged,
}

impl ReviewVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewVerdict::Checked => "checked",
            ReviewVerdict::Flagged => "flagged",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewVerdict> {
        match text {
            "checked" => Some(ReviewVerdict::Checked),
            "flagged" => Some(ReviewVerdict::Flagged),
            _ => None,
        }
    }
}

/// One verdict as kept: reviews are only added, the latest of a record is its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordReview {
    pub entity: String,
    pub entity_id: Uuid,
    pub verdict: ReviewVerdict,
    pub note: String,
    /// The administrator's user name.
    pub reviewer: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// One change received for a record, for the record's history.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    pub cursor: u64,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub change: Change,
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

    /// The device holding `token` and the server setting `key`, read together: every sync
    /// request needs both before anything else (the device's scope, the server's data kind).
    /// A backend with network round trips reads them in one.
    fn authenticate_with_setting(
        &self,
        token: &str,
        key: &str,
    ) -> Result<Option<(DeviceScope, Option<String>)>> {
        let Some(scope) = self.authenticate(token)? else {
            return Ok(None);
        };
        Ok(Some((scope, self.setting(key)?)))
    }

    /// What a device's `info` request reads: its status, the 登记码 it still awaits binding
    /// under, and the server setting `key` (the recovery key). A backend with network round
    /// trips reads them in one.
    fn device_info(&self, device_id: Uuid, key: &str) -> Result<DeviceInfo> {
        Ok(DeviceInfo {
            status: self.status(device_id)?,
            awaiting_code: self.awaiting_code(device_id)?,
            setting: self.setting(key)?,
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
    /// The 登记码 a placeholder device waits for; `None` for a device bound to its own id.
    fn awaiting_code(&self, device_id: Uuid) -> Result<Option<String>>;
    /// Binds a placeholder enrolled by code to the laptop's own id, in one transaction: the
    /// enrollment (token, doctor, team, role, villages) moves to `device_id`, replacing an
    /// earlier enrollment of that laptop, and the placeholder is gone. The caller checked that
    /// the code names `device_id`.
    fn bind_awaiting(&self, placeholder: Uuid, device_id: Uuid) -> Result<()>;
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
    /// Contracts, contract events and visits received from devices since `since`, newest
    /// first (not the copies a household's move writes into the log again: see `rehome`).
    fn audit(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<RecordToAudit>> {
        // The end of year 9999: later than anything received, and still ordered as text.
        let until =
            DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.audit_between(since, until, limit)
    }
    /// As [`Storage::audit`], received from `since` up to (not including) `until`: a past
    /// month's records, however many came after it.
    fn audit_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<RecordToAudit>>;
    /// The current payload (JSON text) of every record of a kind whose latest write is not a
    /// deletion, with its fields' clock values (JSON, field → HLC), in id order: what the
    /// indicators are computed from.
    fn live_payloads(&self, entity: Entity) -> Result<Vec<(String, String)>>;
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

    /// Adds a review verdict and the audit entry naming it, in one transaction.
    fn put_review(&self, review: &RecordReview, audit: &AuditEvent) -> Result<()>;
    /// Every review of one record (`Some`) or of every record (`None`), oldest first.
    fn reviews(&self, record: Option<(&str, Uuid)>) -> Result<Vec<RecordReview>>;
    /// Every change received for one record, in log order.
    fn record_changes(&self, entity: &str, id: Uuid) -> Result<Vec<RecordChange>>;

    /// Appends one entry to the audit log: chained after the last at once, or, by a backend
    /// with an [`AuditSealer`], queued for the sealer, so that requests never take turns on the
    /// chain's head.
    fn append_audit(&self, event: &AuditEvent, now: DateTime<Utc>) -> Result<()>;
    /// Opens what serving requests will use (a backend's connections), so that the first
    /// devices to sync after the server starts do not wait for it. Called once when serving
    /// starts; nothing to do for a backend without connections to open.
    fn warm_up(&self) -> Result<()> {
        Ok(())
    }
    /// What chains the entries this backend queues (PostgreSQL); `None` for a backend that
    /// chains every entry as it is appended.
    fn sealer(&self) -> Option<&dyn AuditSealer> {
        None
    }
    /// Audit entries after a sequence number, in order.
    fn audit_entries(&self, after: u64, limit: u32) -> Result<Vec<AuditLogEntry>>;
    /// The hash the first kept entry chains from, and the last pruned sequence number.
    fn audit_anchor(&self) -> Result<([u8; 32], u64)>;
    /// Removes the entries older than `before` (at least the retention period) and moves the
    /// anchor to the last removed one, keeping the seal `seal` makes of it (sequence number
    /// and hash) in the same transaction; returns how many were removed.
    fn prune_audit(&self, before: DateTime<Utc>, seal: &SealAnchor<'_>) -> Result<u64>;
    /// Keeps a seal of the audit chain (a checkpoint, MAC'd with the township key).
    fn put_audit_seal(&self, seal: &AuditSeal) -> Result<()>;
    /// Every seal kept, oldest first.
    fn audit_seals(&self) -> Result<Vec<AuditSeal>>;

    /// Adds a health-center user, or sets a known user's password (lifting a lockout and ending
    /// every session of the user).
    fn put_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    fn user(&self, name: &str) -> Result<Option<UserRow>>;
    /// Reserves one login attempt before the password is checked, in one atomic step: the
    /// attempt counts as failed at once (a right password clears the count, `login_succeeded`),
    /// and the attempt that reaches `max_failures` locks the user until `lock_until`. `None`,
    /// with nothing reserved, for an unknown user or one locked at `now`: so concurrent logins
    /// check at most `max_failures` passwords before the lock holds.
    fn reserve_login(
        &self,
        name: &str,
        max_failures: u32,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<LoginAttempt>>;
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

/// A login attempt reserved by [`Storage::reserve_login`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    pub name: String,
    /// Argon2id, PHC string.
    pub password_hash: String,
    /// This attempt locked the user (it reached the limit): unless its password is right.
    pub locks: bool,
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

pub type DynStorage = Arc<dyn Storage>;

/// The audit queue of a backend whose requests queue audit entries unchained (PostgreSQL): the
/// running server's sealer, and the admin commands before they read the log, chain them.
pub trait AuditSealer: Send + Sync {
    /// Chains the queued entries onto the log, in the order they were queued; returns how many.
    fn seal_audit(&self) -> Result<u64>;
    /// Entries queued and not chained yet.
    fn audit_pending(&self) -> Result<u64>;
}

impl dyn Storage {
    /// Chains whatever the backend has queued (see [`Storage::sealer`]); returns how many
    /// entries. A backend that chains on append has nothing queued.
    pub fn seal_audit(&self) -> Result<u64> {
        self.sealer().map_or(Ok(0), AuditSealer::seal_audit)
    }

    /// Entries queued and not chained yet; none for a backend that chains on append.
    pub fn audit_pending(&self) -> Result<u64> {
        self.sealer().map_or(Ok(0), AuditSealer::audit_pending)
    }
}

/// The role of whoever acted from the command line on the server itself.
pub const OPERATOR: &str = "operator";

/// An action about to be logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// A device id, an admin user's name, or `operator`.
    pub actor: String,
    /// `doctor`, `team-leader`, `admin` or `operator`.
    pub role: String,
    /// `push`, `pull`, `reference`, `enroll`, `revoke`, `login`, `login-refused`, `logout`,
    /// `dashboard`, `drill-down`, `export`, `bundle`, `user-add`, `audit-prune`, …
    pub action: String,
    /// Where from: `peer 1.2.3.4:5678` (and the device), or `cli`.
    pub origin: String,
    /// Records touched, as `entity:uuid` (ids only).
    pub records: Vec<String>,
}

impl AuditEvent {
    /// An action of an enrolled device, seen from `peer`.
    pub fn device(scope: &DeviceScope, action: &str, peer: &str) -> AuditEvent {
        AuditEvent {
            actor: scope.device_id.to_string(),
            role: scope.role.as_str().into(),
            action: action.into(),
            origin: format!("peer {peer}"),
            records: Vec::new(),
        }
    }

    /// An action of a logged-in (or would-be) health-center user.
    pub fn admin(user: &str, action: &str, peer: &str) -> AuditEvent {
        AuditEvent {
            actor: user.into(),
            role: "admin".into(),
            action: action.into(),
            origin: format!("peer {peer}"),
            records: Vec::new(),
        }
    }

    /// An administrative command run on the server (`jiayi-server enroll`, …).
    pub fn operator(action: &str) -> AuditEvent {
        AuditEvent {
            actor: OPERATOR.into(),
            role: OPERATOR.into(),
            action: action.into(),
            origin: "cli".into(),
            records: Vec::new(),
        }
    }

    /// Adds the records changes touch (ids only: the payload is never looked at).
    pub fn with_changes<'a>(mut self, changes: impl IntoIterator<Item = &'a Change>) -> Self {
        self.records.extend(
            changes
                .into_iter()
                .map(|c| format!("{}:{}", c.entity.as_str(), c.entity_id)),
        );
        self
    }

    pub fn with_records(mut self, records: impl IntoIterator<Item = String>) -> Self {
        self.records.extend(records);
        self
    }

    pub fn with_record(mut self, kind: &str, id: impl std::fmt::Display) -> Self {
        self.records.push(format!("{kind}:{id}"));
        self
    }

    /// The `records` column: ids separated by spaces.
    pub fn records_text(&self) -> String {
        self.records.join(" ")
    }

    /// The entry the chain hashes for this event at `at`.
    pub fn entry(&self, at: &str) -> AuditEntry {
        chain_entry(
            at,
            &self.actor,
            &self.role,
            &self.action,
            &self.origin,
            &self.records_text(),
        )
    }
}

/// The server's columns as the core's chained entry: the origin stands where the device puts
/// its id, the role where it puts a record kind, and the ids touched where it puts one id. Every
/// column is covered, so none can change unseen.
fn chain_entry(
    at: &str,
    actor: &str,
    role: &str,
    action: &str,
    origin: &str,
    records: &str,
) -> AuditEntry {
    AuditEntry {
        at: at.into(),
        actor: actor.into(),
        device_id: origin.into(),
        action: action.into(),
        entity: role.into(),
        entity_id: records.into(),
    }
}

/// What seals the place a prune moves the audit anchor to: the last removed entry's sequence
/// number and hash in, the seal out.
pub type SealAnchor<'a> = dyn Fn(u64, [u8; 32]) -> AuditSeal + 'a;

/// A point of the audit chain covered by the township key file's MAC: a checkpoint, or the
/// place a prune moved the anchor to. The database cannot make one: the key is not in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditSeal {
    /// `checkpoint` or `anchor`.
    pub kind: String,
    pub seq: u64,
    #[serde(serialize_with = "as_hex")]
    pub hash: [u8; 32],
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(serialize_with = "as_hex")]
    pub mac: [u8; 32],
}

/// An audit-log entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditLogEntry {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub origin: String,
    pub records: String,
    #[serde(serialize_with = "as_hex")]
    pub hash: [u8; 32],
}

fn as_hex<S: serde::Serializer>(hash: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(hash))
}

impl AuditLogEntry {
    pub fn entry(&self) -> AuditEntry {
        chain_entry(
            &self.at,
            &self.actor,
            &self.role,
            &self.action,
            &self.origin,
            &self.records,
        )
    }
}
