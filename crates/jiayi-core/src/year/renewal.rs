//! Automatic renewal (视为自动续约), computed rather than performed.
//!
//! A contract not terminated by the end of its term is in force for the next term, and the one
//! after, with no one pressing a button: the term in force on any day follows from the signed
//! contract and its events alone, under either term policy, the same on every device, in the
//! reports and on the township server. Declining renewal is a termination "on request" effective
//! the day after the term ends. Where a renewal is kept as a record, its id follows from the
//! contract and the term start, so two devices that sync never make two renewals of one term.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::contract::{Contract, ContractEvent, ContractEventKind, Term, TerminationReason};
pub use crate::term::{TermInForce, covered_until, successor_start, term_in_force, terms_until};
use crate::year::order::{Stamped, in_sync_order};
use crate::{CoreError, Result};

/// A renewal that happened by itself at a term end.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoRenewal {
    /// [`renewal_id`] of the contract and the term start.
    pub id: Uuid,
    pub contract_id: Uuid,
    pub renewal: u32,
    pub term: Term,
}

/// The id of the renewal of a contract into the term starting on a day: a name-based UUID
/// (version 8, from SHA-256, which the core already carries) of the contract id and that day.
pub fn renewal_id(contract_id: Uuid, term_start: NaiveDate) -> Uuid {
    let mut hasher = Sha256::new();
    hasher.update(b"jiayi/contract-renewal/");
    hasher.update(contract_id.as_bytes());
    hasher.update(term_start.format("%Y-%m-%d").to_string().as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// What a contract's events say about its end: the termination in force (the last recorded in
/// sync order, as [`crate::year::order::contract_state_on`] reads it) and the day an explicit
/// successor contract starts, if one was signed (a renewal that made a new contract; that
/// contract carries on from then).
fn ending(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let mut terminated = None;
    let mut successor_from = None;
    for e in in_sync_order(
        events
            .iter()
            .filter(|e| e.record.contract_id == contract.id),
    ) {
        match &e.record.kind {
            ContractEventKind::Terminated { effective_on, .. } => terminated = Some(*effective_on),
            ContractEventKind::Renewed {
                successor_starts, ..
            } => successor_from = Some(successor_start(&contract.term, *successor_starts)),
            ContractEventKind::DoctorChanged { .. } => {}
        }
    }
    (terminated, successor_from)
}

/// The term in force on a day, renewals included; `None` before the start, after an effective
/// termination, after a term that does not renew, or once a successor contract carries on.
pub fn term_on(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    day: NaiveDate,
) -> Option<TermInForce> {
    let (terminated, successor_from) = ending(contract, events);
    term_in_force(&contract.term, terminated, successor_from, day)
}

/// Every automatic renewal of a contract that took effect on or before a day, oldest first.
pub fn renewals_until(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    day: NaiveDate,
) -> Vec<AutoRenewal> {
    let last_in_force = match (term_on(contract, events, day), ending(contract, events).0) {
        (Some(now), _) => Some(now),
        // Terminated since: the renewals up to its last day in force.
        (None, Some(t)) if contract.term.start < t && t <= day => {
            term_on(contract, events, t - Days::new(1))
        }
        _ => None,
    };
    renewals_of(contract, last_in_force.map_or(0, |t| t.renewal))
}

fn renewals_of(contract: &Contract, count: u32) -> Vec<AutoRenewal> {
    let mut out = Vec::new();
    let mut term = contract.term;
    for renewal in 1..=count {
        term = term.next(term.policy);
        out.push(AutoRenewal {
            id: renewal_id(contract.id, term.start),
            contract_id: contract.id,
            renewal,
            term,
        });
    }
    out
}

/// For the work list: the renewal that took effect in the last `days` days (today included).
pub fn renewed_within(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    today: NaiveDate,
    days: u64,
) -> Option<AutoRenewal> {
    let now = term_on(contract, events, today)?;
    let since = today.checked_sub_days(Days::new(days))?;
    (now.renewal > 0 && now.term.start > since)
        .then(|| renewals_of(contract, now.renewal).pop())
        .flatten()
}

/// How the term in force ends.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ending {
    /// The last day covered.
    pub last_day: NaiveDate,
    /// Whether the next term follows by itself.
    pub renews: bool,
}

/// For the work list: a term in force that ends in the next `days` days (today included).
pub fn ending_within(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    today: NaiveDate,
    days: u64,
) -> Option<Ending> {
    let now = term_on(contract, events, today)?;
    let horizon = today.checked_add_days(Days::new(days))?;
    if now.last_day > horizon {
        return None;
    }
    let renews = now.last_day == now.term.end
        && term_on(contract, events, now.term.end + Days::new(1)).is_some();
    Some(Ending {
        last_day: now.last_day,
        renews,
    })
}

/// Declining renewal: a termination on request effective the day after the term in force on
/// `today` ends. Refused when nothing is in force, a termination is already recorded, or the
/// term would not renew anyway (a successor contract was signed, or the term does not renew).
pub fn decline_renewal(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    today: NaiveDate,
) -> Result<(TerminationReason, NaiveDate)> {
    let (terminated, successor_from) = ending(contract, events);
    if terminated.is_some() {
        return Err(CoreError::AlreadyTerminated);
    }
    let now = term_on(contract, events, today).ok_or(CoreError::NotActive(today))?;
    if successor_from.is_some() || !now.term.auto_renew {
        return Err(CoreError::NothingToDecline);
    }
    Ok((TerminationReason::OnRequest, now.term.end + Days::new(1)))
}
