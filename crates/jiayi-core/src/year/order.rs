//! The one ordering rule for the records of one subject (a contract's events, a resident's
//! membership events, a contract's amendments): the hybrid logical clock that sync orders by,
//! ties broken by record id. The recorded wall time is kept for display only; what a record
//! changes is dated by its own "effective on" day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::{Contract, ContractEvent, ContractState};
use crate::hlc::Hlc;

/// A record that sync orders: its clock value and its id.
pub trait SyncOrdered {
    fn hlc(&self) -> Hlc;
    fn record_id(&self) -> Uuid;
}

/// A record dated by the day it takes effect.
pub trait Effective: SyncOrdered {
    fn effective_on(&self) -> NaiveDate;
}

/// A record kept with the clock value it was written with (for records whose own struct does
/// not carry one, such as [`ContractEvent`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped<T> {
    pub hlc: Hlc,
    pub record: T,
}

impl SyncOrdered for Stamped<ContractEvent> {
    fn hlc(&self) -> Hlc {
        self.hlc
    }
    fn record_id(&self) -> Uuid {
        self.record.id
    }
}

/// The key records are ordered by: clock, then id (ids never repeat, so the order is total).
pub fn sync_key<T: SyncOrdered + ?Sized>(record: &T) -> (Hlc, Uuid) {
    (record.hlc(), record.record_id())
}

/// The records in the order sync applies them, whatever order they arrived in.
pub fn in_sync_order<'a, T: SyncOrdered>(records: impl IntoIterator<Item = &'a T>) -> Vec<&'a T> {
    let mut ordered: Vec<&T> = records.into_iter().collect();
    ordered.sort_by_key(|r| sync_key(*r));
    ordered
}

/// Dated records by the day they take effect; records of one day in sync order.
pub fn in_effect_order<'a, T: Effective>(records: impl IntoIterator<Item = &'a T>) -> Vec<&'a T> {
    let mut ordered: Vec<&T> = records.into_iter().collect();
    ordered.sort_by_key(|r| (r.effective_on(), sync_key(*r)));
    ordered
}

/// The state of a contract on a day, its events applied in sync order: the one way to read a
/// contract's state (the recorded wall time is for display only).
pub fn contract_state_on(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    day: NaiveDate,
) -> ContractState {
    let ordered = in_sync_order(
        events
            .iter()
            .filter(|e| e.record.contract_id == contract.id),
    );
    contract.state_from_ordered(ordered.into_iter().map(|e| &e.record), day)
}
