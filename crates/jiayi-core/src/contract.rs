//! Contracts (签约): terms, renewal, change of doctor, termination, and the rule that a resident
//! is covered by at most one contract at any time.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::term::{Term, TermInForce, TermPolicy};
use crate::term::{covered_until, successor_start, term_in_force};
use crate::{CoreError, Lang, Result};

/// Why a contract ends early (解约原因).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    MovedOut,
    UnreachableForAYear,
    RefusedServiceForAYear,
    OnRequest,
    Death,
    Other,
}

impl TerminationReason {
    pub const ALL: [TerminationReason; 6] = [
        TerminationReason::MovedOut,
        TerminationReason::UnreachableForAYear,
        TerminationReason::RefusedServiceForAYear,
        TerminationReason::OnRequest,
        TerminationReason::Death,
        TerminationReason::Other,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            TerminationReason::MovedOut => ("迁出本辖区", "moved out of the area"),
            TerminationReason::UnreachableForAYear => {
                ("连续一年无法联系", "unreachable for a year")
            }
            TerminationReason::RefusedServiceForAYear => {
                ("连续一年拒绝服务", "refused service for a year")
            }
            TerminationReason::OnRequest => ("本人申请解约", "terminated on request"),
            TerminationReason::Death => ("死亡", "death"),
            TerminationReason::Other => ("其他", "other"),
        };
        lang.pick(zh, en)
    }
}

/// One covered member and the packages they receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractMember {
    pub resident_id: Uuid,
    pub package_codes: Vec<String>,
}

/// A signed contract. Never edited after signing; what follows is recorded as events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub id: Uuid,
    pub agreement_number: String,
    pub household_id: Uuid,
    pub team_id: Uuid,
    pub doctor_id: Uuid,
    pub representative_id: Uuid,
    pub term: Term,
    pub members: Vec<ContractMember>,
    pub signed_at: DateTime<Utc>,
    pub catalog_version: String,
    /// The contract this one renews, if any.
    pub renews: Option<Uuid>,
    pub snapshot_sha256: String,
}

/// What happened to a contract after signing.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContractEventKind {
    DoctorChanged {
        from_doctor_id: Uuid,
        to_doctor_id: Uuid,
        effective_on: NaiveDate,
        note: String,
    },
    Terminated {
        reason: TerminationReason,
        note: String,
        effective_on: NaiveDate,
        resident_confirmed: bool,
        doctor_confirmed: bool,
        snapshot_sha256: String,
    },
    Renewed {
        new_contract_id: Uuid,
        automatic: bool,
        /// The successor's first day: the contract renews by itself up to the day before.
        /// Events recorded before this was kept lack it; their successor starts the day after
        /// the signed term ([`crate::term::successor_start`]).
        #[serde(default)]
        successor_starts: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractEvent {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: ContractEventKind,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    NotStarted,
    /// In force: the signed term, or a term it renewed into by itself (视为自动续约).
    Active,
    /// A successor contract signed at renewal carries on after this one's term.
    Renewed,
    Terminated,
    /// The term ended and does not renew by itself.
    Expired,
}

/// The state of a contract on a day, from the contract and its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractState {
    pub status: ContractStatus,
    pub doctor_id: Uuid,
    /// The term in force on the day, renewals included.
    pub term: Option<TermInForce>,
    /// The last day the contract covers its members as far as its records tell (the day before
    /// an effective termination or its successor's start, or the end of a term that does not
    /// renew); `None` while it renews by itself.
    pub covered_until: Option<NaiveDate>,
    pub terminated: Option<(TerminationReason, NaiveDate)>,
    pub renewed_by: Option<Uuid>,
}

impl ContractState {
    /// In force on the day, or signed to start later.
    pub fn in_force(&self) -> bool {
        matches!(
            self.status,
            ContractStatus::Active | ContractStatus::NotStarted
        )
    }
}

impl Contract {
    /// The state on a day from this contract's events, already in the order they apply
    /// (sync order: [`crate::year::order::contract_state_on`] is how callers reach it).
    pub fn state_from_ordered<'a>(
        &self,
        ordered: impl IntoIterator<Item = &'a ContractEvent>,
        day: NaiveDate,
    ) -> ContractState {
        let mut doctor_id = self.doctor_id;
        let mut terminated = None;
        let mut renewed_by = None;
        for event in ordered.into_iter().filter(|e| e.contract_id == self.id) {
            match &event.kind {
                ContractEventKind::DoctorChanged {
                    to_doctor_id,
                    effective_on,
                    ..
                } if *effective_on <= day => {
                    doctor_id = *to_doctor_id;
                }
                ContractEventKind::Terminated {
                    reason,
                    effective_on,
                    ..
                } => {
                    terminated = Some((*reason, *effective_on));
                }
                ContractEventKind::Renewed {
                    new_contract_id,
                    successor_starts,
                    ..
                } => {
                    renewed_by = Some((
                        *new_contract_id,
                        successor_start(&self.term, *successor_starts),
                    ))
                }
                _ => {}
            }
        }
        let ends = terminated.map(|(_, effective)| effective);
        let successor_from = renewed_by.map(|(_, from)| from);
        let term = term_in_force(&self.term, ends, successor_from, day);
        let status = if ends.is_some_and(|effective| effective <= day) {
            ContractStatus::Terminated
        } else if day < self.term.start {
            ContractStatus::NotStarted
        } else if term.is_some() {
            ContractStatus::Active
        } else if renewed_by.is_some() {
            ContractStatus::Renewed
        } else if terminated.is_some() {
            ContractStatus::Terminated
        } else {
            ContractStatus::Expired
        };
        ContractState {
            status,
            doctor_id,
            term,
            covered_until: covered_until(&self.term, ends, successor_from),
            terminated,
            renewed_by: renewed_by.map(|(id, _)| id),
        }
    }

    pub fn covers(&self, resident_id: Uuid) -> bool {
        self.members.iter().any(|m| m.resident_id == resident_id)
    }
}

/// A span during which an existing contract covers a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub resident_id: Uuid,
    pub resident_name: String,
    pub agreement_number: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// Refuses a new term for residents already covered by another contract during it.
pub fn check_no_double_coverage(
    new_term: &Term,
    residents: &[Uuid],
    existing: &[Coverage],
) -> Result<()> {
    for c in existing {
        let overlaps = c.from <= new_term.end && new_term.start <= c.until;
        if overlaps && residents.contains(&c.resident_id) {
            return Err(CoreError::AlreadyCovered {
                name: c.resident_name.clone(),
                agreement_number: c.agreement_number.clone(),
                until: c.until,
            });
        }
    }
    Ok(())
}

/// Checks a termination: both parties must confirm and the contract must not be over already.
pub fn check_termination(
    state: &ContractState,
    resident_confirmed: bool,
    doctor_confirmed: bool,
) -> Result<()> {
    if state.terminated.is_some() {
        return Err(CoreError::AlreadyTerminated);
    }
    if !(resident_confirmed && doctor_confirmed) {
        return Err(CoreError::TerminationUnconfirmed);
    }
    Ok(())
}

/// Days before the end of the term in force from which an explicit renewal may be signed.
pub const RENEWAL_OPENS_DAYS_BEFORE: u64 = 30;

/// Checks an explicit renewal (a new agreement for the household) signed on `day` and gives
/// the successor's term. Within the last 30 days of the term in force the successor follows
/// that term. During a term the contract renewed into by itself, the successor starts on the
/// signing day and takes over the rest of that term (the old contract covers until the day
/// before), so a household that signs again after 1 January is never signed in the past.
/// Earlier in the signed term it is refused.
pub fn check_renewal(state: &ContractState, policy: TermPolicy, day: NaiveDate) -> Result<Term> {
    if state.terminated.is_some() {
        return Err(CoreError::AlreadyTerminated);
    }
    if state.renewed_by.is_some() {
        return Err(CoreError::AlreadyRenewed);
    }
    let Some(in_force) = state.term else {
        return Err(CoreError::NotActive(day));
    };
    let opens = in_force.term.end - Days::new(RENEWAL_OPENS_DAYS_BEFORE);
    if day >= opens {
        return Ok(in_force.term.next(policy));
    }
    if in_force.renewal == 0 {
        return Err(CoreError::RenewalNotOpen(opens));
    }
    Ok(Term {
        start: day.max(in_force.term.start),
        end: in_force.term.end,
        policy,
        auto_renew: true,
    })
}

pub fn check_doctor_change(state: &ContractState, new_doctor: Uuid, on: NaiveDate) -> Result<()> {
    if !matches!(
        state.status,
        ContractStatus::Active | ContractStatus::NotStarted
    ) {
        return Err(CoreError::NotActive(on));
    }
    if state.doctor_id == new_doctor {
        return Err(CoreError::SameDoctor);
    }
    Ok(())
}

/// An agreement number that stays unique when devices sign offline: the year, the device's
/// code (`short_code::device_code`, from the random part of its id, with its check character)
/// and the device's own running number, e.g. `2026-K7PQ-M3XZ-00042`. Numbers issued before the
/// code existed carried eight hexadecimal digits (`2026-3D4E5F60-00042`); they are kept and
/// printed as they were signed.
pub fn agreement_number(year: i32, device_id: Uuid, device_sequence: u64) -> String {
    format!(
        "{year}-{}-{device_sequence:05}",
        crate::short_code::device_code(device_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn terms_follow_the_policy() {
        let table = [
            (TermPolicy::RollingYear, d(2026, 3, 15), d(2027, 3, 14)),
            (TermPolicy::RollingYear, d(2028, 2, 29), d(2029, 2, 27)),
            (TermPolicy::CalendarYear, d(2026, 3, 15), d(2026, 12, 31)),
            (TermPolicy::CalendarYear, d(2026, 10, 8), d(2027, 12, 31)),
        ];
        for (policy, signed, end) in table {
            let term = Term::first(policy, signed);
            assert_eq!(
                (term.start, term.end),
                (signed, end),
                "{policy:?} signed {signed}"
            );
        }
        let next =
            Term::first(TermPolicy::CalendarYear, d(2026, 3, 15)).next(TermPolicy::CalendarYear);
        assert_eq!((next.start, next.end), (d(2027, 1, 1), d(2027, 12, 31)));
        let rolling =
            Term::first(TermPolicy::RollingYear, d(2026, 3, 15)).next(TermPolicy::RollingYear);
        assert_eq!(
            (rolling.start, rolling.end),
            (d(2027, 3, 15), d(2028, 3, 14))
        );
    }

    fn contract() -> Contract {
        Contract {
            id: Uuid::now_v7(),
            agreement_number: "2026-ABCDEF01-00001".into(),
            household_id: Uuid::now_v7(),
            team_id: Uuid::now_v7(),
            doctor_id: Uuid::from_u128(1),
            representative_id: Uuid::now_v7(),
            term: Term::first(TermPolicy::RollingYear, d(2026, 1, 1)),
            members: vec![],
            signed_at: "2026-01-01T02:00:00Z".parse().unwrap(),
            catalog_version: "1".into(),
            renews: None,
            snapshot_sha256: String::new(),
        }
    }

    /// The state on a day with the events applied in the order given (clock order).
    fn state(c: &Contract, events: &[ContractEvent], day: NaiveDate) -> ContractState {
        let stamped: Vec<crate::year::order::Stamped<ContractEvent>> = events
            .iter()
            .enumerate()
            .map(|(i, e)| crate::year::order::Stamped {
                hlc: crate::hlc::Hlc {
                    wall_ms: i as u64 + 1,
                    counter: 0,
                    device: Uuid::nil(),
                },
                record: e.clone(),
            })
            .collect();
        crate::year::order::contract_state_on(c, &stamped, day)
    }

    fn event(c: &Contract, kind: ContractEventKind) -> ContractEvent {
        ContractEvent {
            id: Uuid::now_v7(),
            contract_id: c.id,
            at: "2026-06-01T02:00:00Z".parse().unwrap(),
            kind,
        }
    }

    #[test]
    fn state_follows_events() {
        let c = contract();
        assert_eq!(
            state(&c, &[], d(2025, 12, 31)).status,
            ContractStatus::NotStarted
        );
        assert_eq!(state(&c, &[], d(2026, 6, 1)).status, ContractStatus::Active);
        let renewed = state(&c, &[], d(2027, 1, 1));
        assert_eq!(
            renewed.status,
            ContractStatus::Active,
            "past the term end without a termination it renews by itself"
        );
        assert_eq!(renewed.term.map(|t| t.renewal), Some(1));
        assert_eq!(renewed.covered_until, None, "renews with no end in sight");

        let change = event(
            &c,
            ContractEventKind::DoctorChanged {
                from_doctor_id: c.doctor_id,
                to_doctor_id: Uuid::from_u128(2),
                effective_on: d(2026, 6, 1),
                note: String::new(),
            },
        );
        assert_eq!(
            state(&c, std::slice::from_ref(&change), d(2026, 5, 31)).doctor_id,
            Uuid::from_u128(1)
        );
        assert_eq!(
            state(&c, std::slice::from_ref(&change), d(2026, 6, 1)).doctor_id,
            Uuid::from_u128(2)
        );

        let end = event(
            &c,
            ContractEventKind::Terminated {
                reason: TerminationReason::MovedOut,
                note: String::new(),
                effective_on: d(2026, 8, 1),
                resident_confirmed: true,
                doctor_confirmed: true,
                snapshot_sha256: String::new(),
            },
        );
        let events = [change, end];
        let before = state(&c, &events, d(2026, 7, 31));
        assert_eq!(before.status, ContractStatus::Active);
        assert_eq!(before.covered_until, Some(d(2026, 7, 31)));
        assert_eq!(
            state(&c, &events, d(2026, 8, 1)).status,
            ContractStatus::Terminated
        );
        assert_eq!(
            check_termination(&before, true, true),
            Err(CoreError::AlreadyTerminated)
        );
        assert_eq!(
            check_renewal(&before, TermPolicy::RollingYear, d(2026, 7, 31)),
            Err(CoreError::AlreadyTerminated)
        );
    }

    #[test]
    fn an_explicit_renewal_opens_30_days_before_the_term_ends() {
        let c = contract(); // 2026-01-01 to 2026-12-31, rolling
        let table = [
            (
                d(2026, 11, 30),
                Err(CoreError::RenewalNotOpen(d(2026, 12, 1))),
            ),
            (d(2026, 12, 1), Ok((d(2027, 1, 1), d(2027, 12, 31)))),
            // Renewed by itself into 2027: a new agreement takes over the rest of that term
            // from the day it is signed, then follows it in its last month.
            (d(2027, 3, 1), Ok((d(2027, 3, 1), d(2027, 12, 31)))),
            (d(2027, 12, 5), Ok((d(2028, 1, 1), d(2028, 12, 31)))),
        ];
        for (day, expected) in table {
            assert_eq!(
                check_renewal(&state(&c, &[], day), TermPolicy::RollingYear, day)
                    .map(|t| (t.start, t.end)),
                expected,
                "renew on {day}"
            );
        }
        let successor = event(
            &c,
            ContractEventKind::Renewed {
                new_contract_id: Uuid::from_u128(5),
                automatic: false,
                successor_starts: None,
            },
        );
        let day = d(2026, 12, 20);
        assert_eq!(
            check_renewal(&state(&c, &[successor], day), TermPolicy::RollingYear, day),
            Err(CoreError::AlreadyRenewed)
        );
    }

    #[test]
    fn a_successor_signed_after_automatic_renewals_starts_when_the_term_in_force_ends() {
        let c = contract(); // 2026-01-01 to 2026-12-31, rolling, renewed by itself into 2027
        let successor = event(
            &c,
            ContractEventKind::Renewed {
                new_contract_id: Uuid::from_u128(5),
                automatic: false,
                successor_starts: Some(d(2028, 1, 1)),
            },
        );
        let in_2027 = state(&c, std::slice::from_ref(&successor), d(2027, 12, 20));
        assert_eq!(in_2027.status, ContractStatus::Active);
        assert_eq!(in_2027.term.map(|t| t.renewal), Some(1));
        assert_eq!(in_2027.covered_until, Some(d(2027, 12, 31)));
        assert_eq!(in_2027.renewed_by, Some(Uuid::from_u128(5)));
        let after = state(&c, &[successor], d(2028, 1, 1));
        assert_eq!(after.status, ContractStatus::Renewed);
        assert_eq!(after.term, None);
    }

    #[test]
    fn termination_needs_both_parties() {
        let c = contract();
        let now = state(&c, &[], d(2026, 6, 1));
        assert_eq!(
            check_termination(&now, true, false),
            Err(CoreError::TerminationUnconfirmed)
        );
        assert_eq!(
            check_termination(&now, false, true),
            Err(CoreError::TerminationUnconfirmed)
        );
        assert!(check_termination(&now, true, true).is_ok());
    }

    #[test]
    fn doctor_change_needs_another_doctor_and_an_active_contract() {
        let c = contract();
        let now = state(&c, &[], d(2026, 6, 1));
        assert_eq!(
            check_doctor_change(&now, c.doctor_id, d(2026, 6, 1)),
            Err(CoreError::SameDoctor)
        );
        assert!(check_doctor_change(&now, Uuid::from_u128(9), d(2026, 6, 1)).is_ok());
        let renewed = state(&c, &[], d(2027, 6, 1));
        assert!(
            check_doctor_change(&renewed, Uuid::from_u128(9), d(2027, 6, 1)).is_ok(),
            "a contract renewed by itself is in force"
        );
        let end = event(
            &c,
            ContractEventKind::Terminated {
                reason: TerminationReason::OnRequest,
                note: String::new(),
                effective_on: d(2027, 1, 1),
                resident_confirmed: true,
                doctor_confirmed: true,
                snapshot_sha256: String::new(),
            },
        );
        let over = state(&c, &[end], d(2027, 6, 1));
        assert!(matches!(
            check_doctor_change(&over, Uuid::from_u128(9), d(2027, 6, 1)),
            Err(CoreError::NotActive(_))
        ));
    }

    #[test]
    fn a_resident_is_covered_once_at_a_time() {
        let resident = Uuid::from_u128(7);
        let existing = [Coverage {
            resident_id: resident,
            resident_name: "张三".into(),
            agreement_number: "2026-X-00001".into(),
            from: d(2026, 1, 1),
            until: d(2026, 12, 31),
        }];
        let overlapping = Term::first(TermPolicy::RollingYear, d(2026, 12, 31));
        let after = Term::first(TermPolicy::RollingYear, d(2027, 1, 1));
        assert!(matches!(
            check_no_double_coverage(&overlapping, &[resident], &existing),
            Err(CoreError::AlreadyCovered { .. })
        ));
        assert!(check_no_double_coverage(&after, &[resident], &existing).is_ok());
        assert!(check_no_double_coverage(&overlapping, &[Uuid::from_u128(8)], &existing).is_ok());
    }

    #[test]
    fn agreement_numbers_carry_the_device() {
        let device = Uuid::parse_str("0190f0a2-7b1c-7d3e-8f4a-1b2c3d4e5f60").unwrap();
        let number = agreement_number(2026, device, 42);
        let code = crate::short_code::device_code(device);
        assert_eq!(number, format!("2026-{code}-00042"));
        assert_eq!(number.len(), "2026-XXXX-XXXX-00042".len());
        assert!(
            !number.contains(['I', 'L', 'O', 'U']),
            "{number}: no letter that reads as another"
        );
    }
}
