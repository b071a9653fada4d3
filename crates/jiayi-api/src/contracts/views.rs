//! What contracts take and give back: the signing request and its members, the doctor
//! change, the termination, and the summaries shown with a household.

use chrono::NaiveDate;
use jiayi_core::agreement::verification_code;
use jiayi_core::contract::{ContractStatus, Term, TerminationReason};
use jiayi_core::year::renewal::TermInForce;
use jiayi_store::ContractRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberChoice {
    pub resident_id: Uuid,
    /// Paid packages chosen for this member; basic packages follow from the groups.
    #[serde(default)]
    pub paid_packages: Vec<String>,
}

/// A guardian signing for the household: a name, the relation stated (e.g. 祖母, 村委会指定),
/// and an ID number when they have one.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct GuardianSignatory {
    pub name: String,
    pub relation: String,
    #[serde(default)]
    pub id_number: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SignRequest {
    pub household_id: Uuid,
    /// Who signs for the household (the head, or a member able to represent the head).
    pub representative_id: Option<Uuid>,
    /// A guardian (监护人) who signs instead of a member, e.g. for a household of minors or of
    /// a member who cannot sign; member of the household or not.
    #[serde(default)]
    #[ts(optional)]
    pub guardian: Option<GuardianSignatory>,
    pub members: Vec<MemberChoice>,
    /// Defaults to the team serving the household's village.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    /// Defaults to the team's family doctor.
    #[serde(default)]
    pub doctor_id: Option<Uuid>,
    /// Defaults to today.
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    /// Drawn signatures as PNG, base64.
    #[serde(default)]
    pub resident_signature_png: Option<String>,
    #[serde(default)]
    pub doctor_signature_png: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SignOutcome {
    pub contract_id: Uuid,
    pub agreement_number: String,
    pub term: Term,
    pub snapshot_sha256: String,
    pub verification_code: String,
}

/// A renewal that happened by itself at a term end (computed, never written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoRenewed {
    /// Follows from the contract and the term start: the same on every device.
    pub id: Uuid,
    pub contract_id: Uuid,
    pub agreement_number: String,
    /// 1 for the first renewal, and so on.
    pub renewal: u32,
    pub term: Term,
}

/// What renewed by itself up to a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewOutcome {
    pub day: NaiveDate,
    pub renewed: Vec<AutoRenewed>,
}

/// Declining a contract's renewal (不再续约): a termination on request at the term end, which
/// both parties confirm like any termination.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DeclineRenewalRequest {
    pub contract_id: Uuid,
    #[serde(default)]
    pub note: String,
    pub resident_confirmed: bool,
    pub doctor_confirmed: bool,
    #[serde(default)]
    pub resident_signature_png: Option<String>,
    #[serde(default)]
    pub doctor_signature_png: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ChangeDoctorRequest {
    pub contract_id: Uuid,
    pub doctor_id: Uuid,
    #[serde(default)]
    pub effective_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct TerminateRequest {
    pub contract_id: Uuid,
    pub reason: TerminationReason,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub effective_on: Option<NaiveDate>,
    pub resident_confirmed: bool,
    pub doctor_confirmed: bool,
    #[serde(default)]
    pub resident_signature_png: Option<String>,
    #[serde(default)]
    pub doctor_signature_png: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct TerminateOutcome {
    pub event_id: Uuid,
    pub effective_on: NaiveDate,
    pub snapshot_sha256: String,
}

/// A contract as lists show it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ContractSummary {
    pub id: Uuid,
    pub agreement_number: String,
    /// The signed term.
    pub term: Term,
    /// The term in force today, automatic renewals included.
    pub term_in_force: Option<TermInForce>,
    pub status: ContractStatus,
    pub in_force: bool,
    pub doctor_id: Uuid,
    pub member_ids: Vec<Uuid>,
    pub verification_code: String,
}

impl SignOutcome {
    /// What signing or renewing `record` gave.
    pub(super) fn of(record: &ContractRecord) -> SignOutcome {
        SignOutcome {
            contract_id: record.contract.id,
            agreement_number: record.contract.agreement_number.clone(),
            term: record.contract.term,
            snapshot_sha256: record.contract.snapshot_sha256.clone(),
            verification_code: verification_code(&record.contract.snapshot_sha256),
        }
    }
}
