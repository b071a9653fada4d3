//! Amendments (协议变更): who is covered and what they are owed during a term.
//!
//! The signed agreement stays exactly as signed. A member added, the coverage of one member
//! ended (death, moved out, on request) or a new obligation (a diagnosis that brings a basic
//! package) is an amendment: a record of its own, effective from a day, linked to the signed
//! contract and to the hash of its agreement, with its own frozen snapshot hashed by the same
//! rule as the agreement. Amendments that add obligations for the household need the household's
//! signature; an end of coverage recorded by the doctor for a death or a move does not.
//!
//! Coverage on a day follows from the contract in force (renewals included), its amendments in
//! effect order, and membership: a member who has left the household since the coverage began
//! is not covered, and a return needs a new amendment.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::agreement::{CoveredMember, PackageTerms, canonical_sha256};
use crate::contract::{Contract, ContractEvent, Coverage, Term, check_no_double_coverage};
use crate::hlc::Hlc;
use crate::person::PopulationGroup;
use crate::year::membership::{MembershipChange, MembershipEvent, member_on};
use crate::year::order::{Effective, Stamped, SyncOrdered, in_effect_order};
use crate::year::renewal::term_on;
use crate::{CoreError, Result};

/// Bumped when the amendment snapshot's shape changes.
pub const AMENDMENT_SNAPSHOT_FORMAT: u32 = 1;

/// Why the coverage of one member ends (the whole contract's termination stays a contract event).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageEndReason {
    Death,
    MovedOut,
    OnRequest,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AmendmentKind {
    /// A member joins the coverage (a birth, a marriage, a member not signed before).
    MemberAdded {
        resident_id: Uuid,
        package_codes: Vec<String>,
    },
    /// The coverage of one member ends from the effective day.
    CoverageEnded {
        resident_id: Uuid,
        reason: CoverageEndReason,
    },
    /// A covered member is owed more (a diagnosis bringing a basic package).
    ObligationAdded {
        resident_id: Uuid,
        group: Option<PopulationGroup>,
        package_codes: Vec<String>,
    },
}

impl AmendmentKind {
    pub fn resident_id(&self) -> Uuid {
        match self {
            AmendmentKind::MemberAdded { resident_id, .. }
            | AmendmentKind::CoverageEnded { resident_id, .. }
            | AmendmentKind::ObligationAdded { resident_id, .. } => *resident_id,
        }
    }

    /// Adding obligations for the household needs its signature, and so does an end of coverage
    /// the household asks for; a death or a move recorded by the doctor does not.
    pub fn needs_household_signature(&self) -> bool {
        match self {
            AmendmentKind::MemberAdded { .. } | AmendmentKind::ObligationAdded { .. } => true,
            AmendmentKind::CoverageEnded { reason, .. } => *reason == CoverageEndReason::OnRequest,
        }
    }
}

/// An amendment as stored and synced: written once, never edited.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amendment {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub effective_on: NaiveDate,
    pub kind: AmendmentKind,
    /// When it was recorded (for display; order follows `hlc`).
    pub recorded_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub hlc: Hlc,
    /// The household signed the amendment (its signature is bound by the snapshot's hash).
    pub household_signed: bool,
    pub snapshot_sha256: String,
}

impl SyncOrdered for Amendment {
    fn hlc(&self) -> Hlc {
        self.hlc
    }
    fn record_id(&self) -> Uuid {
        self.id
    }
}

impl Effective for Amendment {
    fn effective_on(&self) -> NaiveDate {
        self.effective_on
    }
}

/// The frozen content of an amendment, printed and hashed like the agreement.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmendmentSnapshot {
    pub format: u32,
    pub amendment_id: Uuid,
    pub contract_id: Uuid,
    pub agreement_number: String,
    /// The hash of the signed agreement this amends.
    pub agreement_sha256: String,
    /// The term in force on the effective day.
    pub term: Term,
    pub effective_on: NaiveDate,
    pub kind: AmendmentKind,
    /// The member concerned, as on the effective day.
    pub member: CoveredMember,
    /// Terms of the packages the amendment adds (empty when coverage ends).
    pub packages: Vec<PackageTerms>,
    pub recorded_at: DateTime<Utc>,
    pub resident_signature_sha256: Option<String>,
    pub doctor_signature_sha256: Option<String>,
}

impl AmendmentSnapshot {
    /// The JSON that is stored and hashed.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a snapshot always serialises")
    }

    pub fn sha256(&self) -> String {
        canonical_sha256(self)
    }

    /// The snapshot is the one the amendment was recorded with.
    pub fn matches(&self, amendment: &Amendment) -> bool {
        self.amendment_id == amendment.id
            && self.contract_id == amendment.contract_id
            && self.effective_on == amendment.effective_on
            && self.kind == amendment.kind
            && self.sha256() == amendment.snapshot_sha256
    }
}

/// One member covered on a day and the packages owed.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCoverage {
    pub resident_id: Uuid,
    pub package_codes: Vec<String>,
    /// The day this stretch of coverage began (the term start or the amendment adding them).
    pub since: NaiveDate,
}

/// Coverage by the contract's own records on a day: the signed members, then the amendments in
/// effect order. Membership is not consulted.
fn covered_by_records(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    amendments: &[Amendment],
    day: NaiveDate,
) -> BTreeMap<Uuid, MemberCoverage> {
    let mut covered = BTreeMap::new();
    if term_on(contract, events, day).is_none() {
        return covered;
    }
    for m in &contract.members {
        covered.insert(
            m.resident_id,
            MemberCoverage {
                resident_id: m.resident_id,
                package_codes: m.package_codes.clone(),
                since: contract.term.start,
            },
        );
    }
    let own = amendments
        .iter()
        .filter(|a| a.contract_id == contract.id && a.effective_on <= day);
    for a in in_effect_order(own) {
        match &a.kind {
            AmendmentKind::MemberAdded {
                resident_id,
                package_codes,
            } => {
                covered.insert(
                    *resident_id,
                    MemberCoverage {
                        resident_id: *resident_id,
                        package_codes: package_codes.clone(),
                        since: a.effective_on,
                    },
                );
            }
            AmendmentKind::CoverageEnded { resident_id, .. } => {
                covered.remove(resident_id);
            }
            AmendmentKind::ObligationAdded {
                resident_id,
                package_codes,
                ..
            } => {
                if let Some(c) = covered.get_mut(resident_id) {
                    for code in package_codes {
                        if !c.package_codes.contains(code) {
                            c.package_codes.push(code.clone());
                        }
                    }
                }
            }
        }
    }
    covered
}

/// Whether a resident still belongs to the household on a day, without having left it since
/// `since`. A resident without any membership event predates them and counts as a member.
fn stayed_member(
    membership: &[MembershipEvent],
    resident_id: Uuid,
    household_id: Uuid,
    since: NaiveDate,
    day: NaiveDate,
) -> bool {
    let own: Vec<MembershipEvent> = membership
        .iter()
        .filter(|e| e.resident_id == resident_id)
        .cloned()
        .collect();
    if own.is_empty() {
        return true;
    }
    let left_since = own.iter().any(|e| {
        matches!(e.change, MembershipChange::Left { .. })
            && e.household_id == household_id
            && since <= e.effective_on
            && e.effective_on <= day
    });
    !left_since && member_on(&own, day) == Some(household_id)
}

/// The members a contract covers on a day and what each is owed, sorted by resident id.
pub fn covered_on(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    amendments: &[Amendment],
    membership: &[MembershipEvent],
    day: NaiveDate,
) -> Vec<MemberCoverage> {
    covered_by_records(contract, events, amendments, day)
        .into_values()
        .filter(|c| {
            stayed_member(
                membership,
                c.resident_id,
                contract.household_id,
                c.since,
                day,
            )
        })
        .collect()
}

/// A stretch of days during which one contract covers one resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageSpan {
    pub resident_id: Uuid,
    pub contract_id: Uuid,
    pub agreement_number: String,
    pub from: NaiveDate,
    /// Last day covered (inclusive).
    pub until: NaiveDate,
}

impl CoverageSpan {
    /// The span in the shape [`check_no_double_coverage`] reads.
    pub fn to_coverage(&self, resident_name: &str) -> Coverage {
        Coverage {
            resident_id: self.resident_id,
            resident_name: resident_name.to_string(),
            agreement_number: self.agreement_number.clone(),
            from: self.from,
            until: self.until,
        }
    }
}

/// The stretches of coverage of a contract between two days (inclusive), computed at the days
/// where something can change: term starts and ends, terminations, amendments, membership.
pub fn coverage_spans(
    contract: &Contract,
    events: &[Stamped<ContractEvent>],
    amendments: &[Amendment],
    membership: &[MembershipEvent],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<CoverageSpan> {
    if to < from {
        return Vec::new();
    }
    let mut breaks: Vec<NaiveDate> = vec![from, contract.term.start];
    breaks.extend(
        amendments
            .iter()
            .filter(|a| a.contract_id == contract.id)
            .map(|a| a.effective_on),
    );
    breaks.extend(membership.iter().map(|e| e.effective_on));
    breaks.extend(events.iter().filter_map(|e| match &e.record.kind {
        crate::contract::ContractEventKind::Terminated { effective_on, .. } => Some(*effective_on),
        _ => None,
    }));
    let mut term = contract.term;
    while term.end < to {
        breaks.push(term.end + Days::new(1));
        term = term.next(term.policy);
    }
    breaks.retain(|d| from <= *d && *d <= to);
    breaks.sort();
    breaks.dedup();

    let mut spans: Vec<CoverageSpan> = Vec::new();
    let mut open: BTreeMap<Uuid, usize> = BTreeMap::new();
    for (i, start) in breaks.iter().enumerate() {
        let last = breaks.get(i + 1).map_or(to, |next| *next - Days::new(1));
        let covered = covered_on(contract, events, amendments, membership, *start);
        let mut still_open = BTreeMap::new();
        for c in covered {
            match open.get(&c.resident_id) {
                Some(&at) => {
                    spans[at].until = last;
                    still_open.insert(c.resident_id, at);
                }
                None => {
                    spans.push(CoverageSpan {
                        resident_id: c.resident_id,
                        contract_id: contract.id,
                        agreement_number: contract.agreement_number.clone(),
                        from: *start,
                        until: last,
                    });
                    still_open.insert(c.resident_id, spans.len() - 1);
                }
            }
        }
        open = still_open;
    }
    spans
}

/// The first two spans of different contracts covering one resident on a common day, if any.
pub fn first_overlap(spans: &[CoverageSpan]) -> Option<(&CoverageSpan, &CoverageSpan)> {
    for (i, a) in spans.iter().enumerate() {
        for b in &spans[i + 1..] {
            if a.resident_id == b.resident_id
                && a.contract_id != b.contract_id
                && a.from <= b.until
                && b.from <= a.until
            {
                return Some((a, b));
            }
        }
    }
    None
}

/// What [`check_amendment`] needs besides the amendment itself.
pub struct AmendmentContext<'a> {
    pub contract: &'a Contract,
    pub events: &'a [Stamped<ContractEvent>],
    /// The contract's amendments recorded so far.
    pub amendments: &'a [Amendment],
    /// Membership events of the household's residents.
    pub membership: &'a [MembershipEvent],
    /// Coverage by the other contracts (see [`coverage_spans`]), this contract's left out.
    pub other_coverage: &'a [Coverage],
    pub resident_name: &'a str,
    pub today: NaiveDate,
}

/// Checks an amendment before it is saved: effective no later than today while the contract is
/// in force, signed by the household when it adds obligations, and consistent with coverage —
/// a member added must belong to the household and be covered nowhere else from that day to the
/// end of the term, an ended or extended coverage must exist on the effective day.
pub fn check_amendment(ctx: &AmendmentContext<'_>, amendment: &Amendment) -> Result<()> {
    let on = amendment.effective_on;
    if on > ctx.today {
        return Err(CoreError::DateInFuture {
            field: "effective_on",
            date: on,
        });
    }
    let in_force = term_on(ctx.contract, ctx.events, on)
        .filter(|_| amendment.contract_id == ctx.contract.id)
        .ok_or(CoreError::NotActive(on))?;
    if amendment.kind.needs_household_signature() && !amendment.household_signed {
        return Err(CoreError::AmendmentUnsigned);
    }
    let resident = amendment.kind.resident_id();
    let by_records = covered_by_records(ctx.contract, ctx.events, ctx.amendments, on);
    let household = ctx.contract.household_id;
    let member_now = stayed_member(ctx.membership, resident, household, on, on);
    match &amendment.kind {
        AmendmentKind::MemberAdded { package_codes, .. } => {
            if package_codes.is_empty() {
                return Err(CoreError::NoPackagesChosen);
            }
            if !member_now {
                return Err(CoreError::NotInHousehold {
                    name: ctx.resident_name.to_string(),
                });
            }
            let covered = covered_on(ctx.contract, ctx.events, ctx.amendments, ctx.membership, on);
            if covered.iter().any(|c| c.resident_id == resident) {
                return Err(CoreError::AlreadyCovered {
                    name: ctx.resident_name.to_string(),
                    agreement_number: ctx.contract.agreement_number.clone(),
                    until: in_force.last_day,
                });
            }
            let rest_of_term = Term {
                start: on,
                end: in_force.last_day,
                ..in_force.term
            };
            check_no_double_coverage(&rest_of_term, &[resident], ctx.other_coverage)
        }
        AmendmentKind::CoverageEnded { .. } => {
            // The leaving itself may already be recorded: coverage by the records is enough.
            if !by_records.contains_key(&resident) {
                return Err(CoreError::NotCoveredOn { on });
            }
            Ok(())
        }
        AmendmentKind::ObligationAdded { package_codes, .. } => {
            if package_codes.is_empty() {
                return Err(CoreError::NoPackagesChosen);
            }
            let since = by_records.get(&resident).map(|c| c.since);
            match since {
                Some(since) if stayed_member(ctx.membership, resident, household, since, on) => {
                    Ok(())
                }
                _ => Err(CoreError::NotCoveredOn { on }),
            }
        }
    }
}
