//! What the screens and the CLI send and receive for a household's year.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::contract::ContractEventKind;
use jiayi_core::household::ResidentInput;
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use jiayi_core::year::amendment::{Amendment, AmendmentKind};
use jiayi_core::year::groups::{GroupPeriod, PeriodBasis};
use jiayi_core::year::membership::{JoinReason, LeaveReason, MembershipEvent};
use jiayi_core::year::renewal::AutoRenewal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Corrections to a resident: only the fields given change. An empty phone clears it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct ResidentEdit {
    pub resident_id: Uuid,
    pub name: Option<String>,
    pub sex: Option<Sex>,
    /// `YYYY-MM-DD` (or as typed on forms).
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    /// Adding the number later clears the "no number" flag.
    pub id_number: Option<String>,
    pub relation: Option<Relation>,
    /// The county's 17-digit health-record number (健康档案编号); empty clears it.
    pub record_number: Option<String>,
}

/// The household's signature and the doctor's for an amendment, drawn as PNG (base64).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct AmendmentSigning {
    pub resident_signature_png: Option<String>,
    pub doctor_signature_png: Option<String>,
    /// Paid packages chosen for a member added (the basic ones follow from their groups).
    pub paid_packages: Vec<String>,
}

/// A group that starts for a resident: a diagnosis, a pregnancy, a registration.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct GroupStart {
    pub resident_id: Uuid,
    pub group: PopulationGroup,
    /// Date of diagnosis, treatment start, registration, or the last menstrual period.
    #[serde(default)]
    pub since: Option<NaiveDate>,
    /// For a pregnancy known by its expected delivery date instead of the last period.
    #[serde(default)]
    pub expected_delivery: Option<NaiveDate>,
    /// For tuberculosis and the like: `since` is the start of treatment, not the diagnosis.
    #[serde(default)]
    pub treatment_started: bool,
    /// When the group brings packages the resident's contract does not hold yet, the
    /// household signs an amendment now (or later, from the contract's page).
    #[serde(default)]
    pub amend: Option<AmendmentSigning>,
}

/// A group that ends: recovery, a poverty registration ended, a delivery (pregnancy only).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct GroupEnd {
    pub resident_id: Uuid,
    pub group: PopulationGroup,
    /// The last day in force (the day before a delivery for a pregnancy: use `delivered`).
    pub on: Option<NaiveDate>,
    /// A pregnancy that ended in a delivery on this day: she enters the postpartum group.
    #[serde(default)]
    pub delivered: Option<NaiveDate>,
}

/// What the doctor is told after a group change.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct GroupOutcome {
    pub period_ids: Vec<Uuid>,
    /// The amendment written with it, if any.
    pub amendment_id: Option<Uuid>,
    /// Packages the group brings that the contract does not hold yet (an amendment to offer).
    pub packages_to_add: Vec<String>,
    pub contract_id: Option<Uuid>,
}

/// Why a member joins an existing household.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    Birth,
    Marriage,
    Adoption,
    MovedIn,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberAdd {
    pub household_id: Uuid,
    pub member: ResidentInput,
    pub reason: JoinKind,
    /// The day they joined (the birth date for a newborn when not given).
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// For a birth: the mother, a member of the household.
    #[serde(default)]
    pub mother_id: Option<Uuid>,
    /// Where they came from (moved in).
    #[serde(default)]
    pub from: Option<String>,
    /// Extend the household's contract to the new member now (the household signs).
    #[serde(default)]
    pub extend: Option<AmendmentSigning>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberAddOutcome {
    pub resident_id: Uuid,
    /// The contract in force the member can be added to (offered when not extended now).
    pub contract_id: Option<Uuid>,
    pub amendment_id: Option<Uuid>,
}

/// Why a member leaves.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKind {
    Died,
    MovedOut,
    /// To another household of the register.
    MovedToHousehold,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberLeave {
    pub resident_id: Uuid,
    pub reason: LeaveKind,
    pub on: NaiveDate,
    /// Where to, for a move out of the area.
    #[serde(default)]
    pub destination: Option<String>,
    /// The household joined, for a move within the register.
    #[serde(default)]
    pub to_household_id: Option<Uuid>,
    /// The relation to the head of the household joined.
    #[serde(default)]
    pub relation: Option<Relation>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberLeaveOutcome {
    /// Coverage ended by an amendment (one per contract that covered them).
    pub amendment_ids: Vec<Uuid>,
}

/// A household moving to another village or group of the township (迁入/迁出 within it).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdMove {
    pub household_id: Uuid,
    /// Village name or code.
    pub village: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    pub on: NaiveDate,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdMoveOutcome {
    pub village_id: Uuid,
    /// Contracts ended because the new village is served by another team: the household
    /// signs with that team.
    pub terminated: Vec<String>,
}

/// Part of a household becoming a household of its own (分户).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdSplit {
    pub household_id: Uuid,
    /// The members who leave, with their relation to the new head.
    pub members: Vec<SplitMember>,
    #[serde(default)]
    pub village: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    pub address: String,
    pub on: NaiveDate,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SplitMember {
    pub resident_id: Uuid,
    pub relation: Relation,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdSplitOutcome {
    pub new_household_id: Uuid,
    pub amendment_ids: Vec<Uuid>,
}

/// A new head of household (户主变更) and everyone's relation to them.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HeadChange {
    pub household_id: Uuid,
    pub new_head_id: Uuid,
    /// The relation of each other member to the new head.
    pub relations: Vec<SplitMember>,
}

/// A change to a contract written by hand: extending it to a member, ending one member's
/// coverage on request, or adding what a new group brings.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AmendRequest {
    pub contract_id: Uuid,
    pub kind: AmendmentKind,
    #[serde(default)]
    pub effective_on: Option<NaiveDate>,
    #[serde(default)]
    pub signing: AmendmentSigning,
}

/// One member of a household over the year.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberYear {
    pub resident_id: Uuid,
    pub name: String,
    /// A member of the household today.
    pub member: bool,
    pub left: Option<LeftView>,
    pub periods: Vec<GroupPeriod>,
    pub events: Vec<MembershipEvent>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct LeftView {
    pub on: NaiveDate,
    pub reason: LeaveReason,
}

/// Something that happened to a contract, for its timeline.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HistoryEntry {
    Signed {
        on: NaiveDate,
        at: DateTime<Utc>,
        agreement_number: String,
        snapshot_sha256: String,
    },
    Event {
        id: Uuid,
        at: DateTime<Utc>,
        kind: ContractEventKind,
    },
    Amendment {
        amendment: Amendment,
        resident_name: String,
    },
    Renewed {
        renewal: AutoRenewal,
    },
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ContractHistory {
    pub contract_id: Uuid,
    pub agreement_number: String,
    /// Oldest first: the signing, then what followed, by the day it took effect.
    pub entries: Vec<HistoryEntry>,
    /// Who is covered today and with which packages.
    pub covered_today: Vec<CoveredToday>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CoveredToday {
    pub resident_id: Uuid,
    pub name: String,
    pub package_codes: Vec<String>,
    pub since: NaiveDate,
}

/// The basis recorded for a group started with the given dates.
pub(crate) fn basis_for(start: &GroupStart) -> PeriodBasis {
    let dated_by_delivery = start.expected_delivery.is_some() && start.since.is_none();
    basis_of(start.group, dated_by_delivery, start.treatment_started)
}

/// What a group's start date is: the expected delivery date minus 280 days for a pregnancy
/// known only by it, the start of treatment when so stated, the diagnosis, the delivery, or a
/// registration.
pub(crate) fn basis_of(
    group: PopulationGroup,
    dated_by_delivery: bool,
    treatment_started: bool,
) -> PeriodBasis {
    match group {
        PopulationGroup::Pregnant if dated_by_delivery => PeriodBasis::ExpectedDelivery,
        PopulationGroup::Pregnant => PeriodBasis::LastMenstrualPeriod,
        PopulationGroup::Postpartum => PeriodBasis::Delivery,
        PopulationGroup::Hypertension
        | PopulationGroup::Diabetes
        | PopulationGroup::SevereMental
        | PopulationGroup::Tuberculosis => {
            if treatment_started {
                PeriodBasis::TreatmentStarted
            } else {
                PeriodBasis::Diagnosed
            }
        }
        _ => PeriodBasis::Registered,
    }
}

pub(crate) fn join_reason(add: &MemberAdd) -> Option<JoinReason> {
    Some(match add.reason {
        JoinKind::Birth => JoinReason::Birth {
            mother_id: add.mother_id?,
        },
        JoinKind::Marriage => JoinReason::Marriage,
        JoinKind::Adoption => JoinReason::Adoption,
        JoinKind::MovedIn => JoinReason::MovedIn {
            from: add.from.clone().unwrap_or_default(),
        },
    })
}

/// Which kind of record a field change concerns.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangedRecord {
    Household,
    Resident,
}

/// One field of a household or of one of its members changed: who, when, from what to what.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct FieldChangeView {
    pub record: ChangedRecord,
    pub record_id: Uuid,
    /// The member's name today; none for the household itself.
    pub member_name: Option<String>,
    /// The field's key (`name`, `sex`, `birth_date`, `phone`, `id_number`, `relation`,
    /// `groups`, `address`, `group`…): the screen says it in its own language.
    pub field: String,
    /// As stored: text, a date, a code (`male`, `spouse`), codes joined by commas for groups,
    /// `true`/`false`; a village or household by name. None when empty. The old value is what
    /// the record held on this device when the change was applied.
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// No earlier change of this field is kept: the old value is the one registered.
    pub since_registration: bool,
    /// When the change was made, by the clock of the device that made it.
    pub at: DateTime<Utc>,
    /// The doctor enrolled on that device, by name when a team lists them.
    pub doctor_name: Option<String>,
    pub doctor_id: Option<String>,
    /// The short code of the device that made it (as in agreement numbers).
    pub device_code: String,
    pub this_device: bool,
    /// The value is the one the record holds now.
    pub in_force: bool,
    /// False for a change made elsewhere that arrived after a later one: kept, never applied.
    pub took_effect: bool,
}
