//! Helpers both backends share, so they answer alike: reading stored text back into the
//! storage types, checking what is about to be written, and paging a pull.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity};
use jiayi_core::household::Village;
use jiayi_sync::protocol::{
    ChangeResult, DeviceRole, ReferenceData, ReferenceDocument, ReferenceKind,
};
use uuid::Uuid;

use super::{ConflictRow, Enrollment, PullPage, RecordToAudit, StoredChange, VillageProgress};
use crate::error::{Result, ServerError};
use crate::merge::RecordState;

pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ServerError::Corrupt(format!("bad time '{s}'")))
}

pub(crate) fn role_from(s: &str) -> Result<DeviceRole> {
    DeviceRole::parse(s).ok_or_else(|| ServerError::Corrupt(format!("unknown device role '{s}'")))
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
        ReferenceKind::Register if crate::reference_scope::village_column(content).is_none() => bad(
            "the header names no village column (village_id, village_code, village, 村, 行政村 or \
             村名): each device receives only its own villages' rows"
                .into(),
        ),
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
    ReferenceData {
        teams,
        documents,
        record_ranges: Vec::new(),
        villages: Vec::new(),
    }
}

/// The settings key the township's serial ranges of health-record numbers are kept under:
/// JSON, village id → `{first, last}`.
pub const RECORD_RANGES_KEY: &str = "record_ranges";

/// The ranges as devices receive them: each with its village's code, for the villages the
/// township has named (a range of a village no longer named is not sent).
pub fn record_ranges_from(
    villages: &[Village],
    setting: Option<&str>,
) -> Result<Vec<jiayi_core::record_number::VillageRecordRange>> {
    let Some(text) = setting else {
        return Ok(Vec::new());
    };
    let ranges: std::collections::BTreeMap<Uuid, jiayi_core::record_number::SerialRange> =
        serde_json::from_str(text)
            .map_err(|e| ServerError::Corrupt(format!("record ranges: {e}")))?;
    Ok(villages
        .iter()
        .filter_map(|v| {
            ranges
                .get(&v.id)
                .map(|r| jiayi_core::record_number::VillageRecordRange {
                    village_id: v.id,
                    village_code: v.code.clone(),
                    first: r.first,
                    last: r.last,
                })
        })
        .collect())
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| ServerError::Corrupt(format!("bad id '{s}'")))
}

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

pub(crate) fn record_to_audit(
    cursor: i64,
    entity: String,
    id: &str,
    village: &str,
    device_label: String,
    received_at: String,
    body: &str,
) -> Result<RecordToAudit> {
    let change: Change = serde_json::from_str(body)?;
    Ok(RecordToAudit {
        cursor: cursor as u64,
        entity,
        entity_id: parse_uuid(id)?,
        village_id: parse_uuid(village)?,
        device_label,
        device_id: change.device_id,
        received_at,
        payload: change.payload,
    })
}

/// A review as the databases store it.
pub(crate) fn review_from(
    entity: String,
    id: &str,
    verdict: &str,
    note: String,
    reviewer: String,
    at: String,
) -> Result<super::RecordReview> {
    Ok(super::RecordReview {
        entity,
        entity_id: parse_uuid(id)?,
        verdict: super::ReviewVerdict::parse(verdict)
            .ok_or_else(|| ServerError::Corrupt(format!("unknown review verdict '{verdict}'")))?,
        note,
        reviewer,
        at,
    })
}

/// A stored hash as 32 bytes, or the row is damaged.
pub(crate) fn hash_from(bytes: &[u8]) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| ServerError::Corrupt("audit hash is not 32 bytes".into()))
}
