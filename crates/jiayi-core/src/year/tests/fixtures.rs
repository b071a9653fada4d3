//! Small builders shared by the tests of a household's year.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::agreement::{CoveredMember, canonical_sha256};
use crate::contract::{
    Contract, ContractEvent, ContractEventKind, ContractMember, Term, TermPolicy, TerminationReason,
};
use crate::hlc::Hlc;
use crate::person::{PopulationGroup, Relation, Sex};
use crate::year::amendment::{
    AMENDMENT_SNAPSHOT_FORMAT, Amendment, AmendmentKind, AmendmentSnapshot,
};
use crate::year::groups::{GroupPeriod, PeriodBasis};
use crate::year::membership::{JoinReason, LeaveReason, MembershipChange, MembershipEvent};
use crate::year::order::Stamped;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// A clock value: `n` orders the records of a test.
pub fn hlc(n: u64) -> Hlc {
    Hlc {
        wall_ms: n,
        counter: 0,
        device: id(0xD1),
    }
}

pub fn contract(policy: TermPolicy, signed_on: NaiveDate, members: &[Uuid]) -> Contract {
    Contract {
        id: id(0xC0 + u128::from(signed_on.num_days_from_ce().unsigned_abs())),
        agreement_number: format!("{}-ABCDEF01-00001", signed_on.format("%Y")),
        household_id: id(100),
        team_id: id(10),
        doctor_id: id(11),
        representative_id: members.first().copied().unwrap_or_default(),
        term: Term::first(policy, signed_on),
        members: members
            .iter()
            .map(|r| ContractMember {
                resident_id: *r,
                package_codes: vec!["basic".into()],
            })
            .collect(),
        signed_at: crate::time::china_noon(signed_on),
        catalog_version: "1".into(),
        renews: None,
        snapshot_sha256: "a".repeat(64),
    }
}

pub fn stamped(c: &Contract, n: u64, kind: ContractEventKind) -> Stamped<ContractEvent> {
    Stamped {
        hlc: hlc(n),
        record: ContractEvent {
            id: Uuid::from_u128(0xE000 + u128::from(n)),
            contract_id: c.id,
            at: "2026-06-01T02:00:00Z".parse().unwrap(),
            kind,
        },
    }
}

pub fn terminated(reason: TerminationReason, effective_on: NaiveDate) -> ContractEventKind {
    ContractEventKind::Terminated {
        reason,
        note: String::new(),
        effective_on,
        resident_confirmed: true,
        doctor_confirmed: true,
        snapshot_sha256: String::new(),
    }
}

pub fn period(
    resident_id: Uuid,
    group: PopulationGroup,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> GroupPeriod {
    let basis = match group {
        PopulationGroup::Pregnant => PeriodBasis::LastMenstrualPeriod,
        PopulationGroup::Postpartum => PeriodBasis::Delivery,
        g if g.is_key() => PeriodBasis::Diagnosed,
        _ => PeriodBasis::Registered,
    };
    GroupPeriod {
        id: Uuid::from_u128(0x9000 + u128::from(start.num_days_from_ce().unsigned_abs())),
        resident_id,
        group,
        basis,
        start,
        end,
        hlc: hlc(1),
    }
}

fn membership(
    resident_id: Uuid,
    household_id: Uuid,
    effective_on: NaiveDate,
    change: MembershipChange,
    n: u64,
) -> MembershipEvent {
    MembershipEvent {
        id: Uuid::from_u128((resident_id.as_u128() << 32) + u128::from(n)),
        resident_id,
        household_id,
        effective_on,
        change,
        hlc: hlc(n),
    }
}

pub fn join(r: Uuid, h: Uuid, on: NaiveDate, reason: JoinReason, n: u64) -> MembershipEvent {
    membership(r, h, on, MembershipChange::Joined { reason }, n)
}

pub fn leave(r: Uuid, h: Uuid, on: NaiveDate, reason: LeaveReason, n: u64) -> MembershipEvent {
    membership(r, h, on, MembershipChange::Left { reason }, n)
}

/// An amendment of a contract; its snapshot hash is left for the test to set when it matters.
pub fn amendment(
    c: &Contract,
    effective_on: NaiveDate,
    kind: AmendmentKind,
    household_signed: bool,
    n: u64,
) -> Amendment {
    Amendment {
        id: Uuid::from_u128(0xA000 + u128::from(n)),
        contract_id: c.id,
        effective_on,
        kind,
        recorded_at: crate::time::china_noon(effective_on),
        hlc: hlc(n),
        household_signed,
        snapshot_sha256: String::new(),
    }
}

pub fn amendment_snapshot(c: &Contract, a: &Amendment) -> AmendmentSnapshot {
    AmendmentSnapshot {
        format: AMENDMENT_SNAPSHOT_FORMAT,
        amendment_id: a.id,
        contract_id: c.id,
        agreement_number: c.agreement_number.clone(),
        agreement_sha256: c.snapshot_sha256.clone(),
        term: c.term,
        effective_on: a.effective_on,
        kind: a.kind.clone(),
        member: CoveredMember {
            resident_id: a.kind.resident_id(),
            name: "张小宝".into(),
            sex: Sex::Male,
            birth_date: Some(a.effective_on),
            age: Some(0),
            id_number: None,
            relation: Relation::Grandchild,
            groups: vec![PopulationGroup::Child0To6],
            package_codes: vec!["basic".into()],
            record_number: None,
        },
        packages: vec![],
        recorded_at: a.recorded_at,
        resident_signature_sha256: Some(canonical_sha256(&"signature")),
        doctor_signature_sha256: None,
    }
}
