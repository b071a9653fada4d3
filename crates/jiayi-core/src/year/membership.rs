//! Who belongs to a household on a day (户内成员的变动).
//!
//! A resident joins a household (registered, born to a mother of the household, married in,
//! adopted, moved in) and leaves it (moved out of the area, died, moved to another household of
//! the register). Each event is dated by the day it takes effect: a member joins from that day
//! and is no longer a member from the day of leaving, so nothing is owed and the resident leaves
//! the signing base from that day. Events are written once and never edited.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::year::order::{Effective, SyncOrdered, in_effect_order};
use crate::{CoreError, Result};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JoinReason {
    /// On the register before events were kept, or at first registration.
    Registered,
    Birth {
        mother_id: Uuid,
    },
    Marriage,
    Adoption,
    MovedIn {
        from: String,
    },
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LeaveReason {
    /// Out of the area (for work or for good), with where to.
    MovedOut {
        destination: String,
    },
    Died,
    /// To another household of the register (a move or a split, 分户): a member of that
    /// household from the same day.
    MovedToHousehold {
        household_id: Uuid,
    },
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MembershipChange {
    Joined { reason: JoinReason },
    Left { reason: LeaveReason },
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipEvent {
    pub id: Uuid,
    pub resident_id: Uuid,
    /// The household joined or left.
    pub household_id: Uuid,
    pub effective_on: NaiveDate,
    pub change: MembershipChange,
    #[ts(type = "string")]
    pub hlc: Hlc,
}

impl SyncOrdered for MembershipEvent {
    fn hlc(&self) -> Hlc {
        self.hlc
    }
    fn record_id(&self) -> Uuid {
        self.id
    }
}

impl Effective for MembershipEvent {
    fn effective_on(&self) -> NaiveDate {
        self.effective_on
    }
}

impl MembershipEvent {
    /// The household the resident belongs to after this event.
    fn household_after(&self) -> Option<Uuid> {
        match &self.change {
            MembershipChange::Joined { .. } => Some(self.household_id),
            MembershipChange::Left {
                reason: LeaveReason::MovedToHousehold { household_id },
            } => Some(*household_id),
            MembershipChange::Left { .. } => None,
        }
    }

    pub fn is_death(&self) -> bool {
        matches!(
            self.change,
            MembershipChange::Left {
                reason: LeaveReason::Died
            }
        )
    }
}

/// The day a resident registered before membership events were kept is taken to have joined
/// their household when nothing better is known (no birth date): before any report looks.
pub fn registered_since(birth_date: Option<NaiveDate>) -> NaiveDate {
    birth_date.unwrap_or(NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date"))
}

/// The join that a resident on the register before membership events were kept is taken to
/// have made: into their household, on their birth date. Its id follows from the resident's, so
/// two devices that both write it write one record.
pub fn registration_event(
    resident_id: Uuid,
    household_id: Uuid,
    birth_date: Option<NaiveDate>,
) -> MembershipEvent {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"jiayi/registered-member/");
    hasher.update(resident_id.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    MembershipEvent {
        id: uuid::Builder::from_custom_bytes(bytes).into_uuid(),
        resident_id,
        household_id,
        effective_on: registered_since(birth_date),
        change: MembershipChange::Joined {
            reason: JoinReason::Registered,
        },
        hlc: Hlc::zero(Uuid::nil()),
    }
}

/// One resident's events, with the implicit registration first when they have none.
pub fn events_or_registration(
    events: &[MembershipEvent],
    resident_id: Uuid,
    household_id: Uuid,
    birth_date: Option<NaiveDate>,
) -> Vec<MembershipEvent> {
    let own: Vec<MembershipEvent> = events
        .iter()
        .filter(|e| e.resident_id == resident_id)
        .cloned()
        .collect();
    if own.is_empty() {
        vec![registration_event(resident_id, household_id, birth_date)]
    } else {
        own
    }
}

/// The household a resident belongs to on a day, from that resident's events (pass one
/// resident's events; [`members_on`] sorts out a household's).
pub fn member_on(events: &[MembershipEvent], day: NaiveDate) -> Option<Uuid> {
    in_effect_order(events.iter().filter(|e| e.effective_on <= day))
        .last()
        .and_then(|e| e.household_after())
}

/// The day a resident died, if recorded.
pub fn died_on(events: &[MembershipEvent]) -> Option<NaiveDate> {
    events
        .iter()
        .filter(|e| e.is_death())
        .map(|e| e.effective_on)
        .min()
}

/// The residents who belong to a household on a day, from the events of everyone concerned.
/// Residents without any event are not listed: the caller adds those the register places in
/// the household (they predate membership events).
pub fn members_on(
    events: &[MembershipEvent],
    household_id: Uuid,
    day: NaiveDate,
) -> BTreeSet<Uuid> {
    let residents: BTreeSet<Uuid> = events.iter().map(|e| e.resident_id).collect();
    residents
        .into_iter()
        .filter(|r| {
            let own: Vec<MembershipEvent> = events
                .iter()
                .filter(|e| e.resident_id == *r)
                .cloned()
                .collect();
            member_on(&own, day) == Some(household_id)
        })
        .collect()
}

/// Checks one resident's events as a whole (the recorded ones plus a new one): none in the
/// future or before birth, nothing after death, a join only when in no household (a move
/// between households of the register is one `MovedToHousehold` event),
/// a leave only from the household the resident is in, and a birth on the birth date.
pub fn check_membership(
    events: &[MembershipEvent],
    birth_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<()> {
    let mut current: Option<Uuid> = None;
    let mut dead: Option<NaiveDate> = None;
    for e in in_effect_order(events) {
        if let Some(died_on) = dead {
            return Err(CoreError::AfterDeath { died_on });
        }
        if e.effective_on > today {
            return Err(CoreError::DateInFuture {
                field: "effective_on",
                date: e.effective_on,
            });
        }
        if birth_date.is_some_and(|birth| e.effective_on < birth) {
            return Err(CoreError::DateBeforeBirth {
                field: "effective_on",
                date: e.effective_on,
            });
        }
        match &e.change {
            MembershipChange::Joined { reason } => {
                if current == Some(e.household_id) {
                    return Err(CoreError::AlreadyMember { on: e.effective_on });
                }
                // A move between households of the register is one `MovedToHousehold` event.
                if current.is_some() {
                    return Err(CoreError::MemberElsewhere { on: e.effective_on });
                }
                if let (JoinReason::Birth { .. }, Some(birth)) = (reason, birth_date)
                    && birth != e.effective_on
                {
                    return Err(CoreError::BirthNotOnBirthDate { birth_date: birth });
                }
            }
            MembershipChange::Left { reason } => {
                if current != Some(e.household_id) {
                    return Err(CoreError::NotAMember { on: e.effective_on });
                }
                if let LeaveReason::MovedToHousehold { household_id } = reason
                    && *household_id == e.household_id
                {
                    return Err(CoreError::AlreadyMember { on: e.effective_on });
                }
                if *reason == LeaveReason::Died {
                    dead = Some(e.effective_on);
                }
            }
        }
        current = e.household_after();
    }
    Ok(())
}

/// Checks that a birth is recorded into a household the mother belongs to on the birth day.
pub fn check_birth(event: &MembershipEvent, mother_events: &[MembershipEvent]) -> Result<()> {
    if member_on(mother_events, event.effective_on) != Some(event.household_id) {
        return Err(CoreError::MotherNotInHousehold {
            on: event.effective_on,
        });
    }
    Ok(())
}
