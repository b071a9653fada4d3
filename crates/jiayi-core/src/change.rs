//! A change to one record, as the device's outbox keeps it and as sync carries it.
//!
//! Every domain write appends one `Change` per record it touched, in the same transaction.
//! `seq` is the device's own running number: (device_id, seq) identifies a change everywhere,
//! so a change sent twice is recognised and applied once.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Household,
    Resident,
    Contract,
    ContractEvent,
    Visit,
    /// A population group over a span of days (`year::groups::GroupPeriod`).
    GroupPeriod,
    /// A resident joining or leaving a household (`year::membership::MembershipEvent`).
    MembershipEvent,
    /// A change to who a contract covers or what they are owed (`year::amendment::Amendment`).
    ContractAmendment,
    /// A resident referred out to another institution (`referral::ReferralOut`).
    ReferralOut,
    /// A resident referred back, closing a referral out (`referral::ReferralBack`).
    ReferralBack,
    /// A household's yearly satisfaction survey (`survey::SatisfactionSurvey`).
    SatisfactionSurvey,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Household => "household",
            Entity::Resident => "resident",
            Entity::Contract => "contract",
            Entity::ContractEvent => "contract_event",
            Entity::Visit => "visit",
            Entity::GroupPeriod => "group_period",
            Entity::MembershipEvent => "membership_event",
            Entity::ContractAmendment => "contract_amendment",
            Entity::ReferralOut => "referral_out",
            Entity::ReferralBack => "referral_back",
            Entity::SatisfactionSurvey => "satisfaction_survey",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        [
            Entity::Household,
            Entity::Resident,
            Entity::Contract,
            Entity::ContractEvent,
            Entity::Visit,
            Entity::GroupPeriod,
            Entity::MembershipEvent,
            Entity::ContractAmendment,
            Entity::ReferralOut,
            Entity::ReferralBack,
            Entity::SatisfactionSurvey,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }

    /// Signed agreements, their events and amendments, membership events, visit records,
    /// referrals and surveys are written once and never changed, so they never conflict. (A group period is not: its end
    /// is set later, field by field.)
    pub fn is_append_only(self) -> bool {
        matches!(
            self,
            Entity::Contract
                | Entity::ContractEvent
                | Entity::Visit
                | Entity::MembershipEvent
                | Entity::ContractAmendment
                | Entity::ReferralOut
                | Entity::ReferralBack
                | Entity::SatisfactionSurvey
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Upsert,
    /// A tombstone: the record is gone, and the deletion travels like any change.
    Delete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub device_id: Uuid,
    pub seq: u64,
    pub change_id: Uuid,
    pub entity: Entity,
    pub entity_id: Uuid,
    pub op: Op,
    /// The village the record belongs to: what the server checks the device may write.
    pub village_id: Uuid,
    pub hlc: Hlc,
    /// Names of the fields this write set (all of them for a new record).
    pub fields: Vec<String>,
    /// The whole record after the change, as JSON (`null` for a deletion).
    pub payload: serde_json::Value,
}
