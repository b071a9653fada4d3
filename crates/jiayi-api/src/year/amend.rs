//! Amendments (协议变更): built from the contract in force, checked by the core's rules with the
//! operation's own new records taken into account, frozen with their snapshot and hash.

use chrono::NaiveDate;
use jiayi_core::agreement::{CoveredMember, sha256_hex};
use jiayi_core::catalog::PackageKind;
use jiayi_core::contract::{Contract, ContractEvent, Coverage};
use jiayi_core::household::Resident;
use jiayi_core::person::{PopulationGroup, age_on};
use jiayi_core::year::amendment::{
    AMENDMENT_SNAPSHOT_FORMAT, Amendment, AmendmentContext, AmendmentKind, AmendmentSnapshot,
    MemberCoverage, check_amendment, coverage_spans, covered_on,
};
use jiayi_core::year::groups::{GroupPeriod, resident_groups_on};
use jiayi_core::year::membership::MembershipEvent;
use jiayi_core::year::order::Stamped;
use jiayi_core::year::renewal::term_on;
use jiayi_store::{ContractRecord, NewAmendment, YearWrite};
use uuid::Uuid;

use super::views::{AmendRequest, AmendmentSigning};
use crate::contracts::package_terms;
use crate::{Api, ApiResult};

/// A contract with everything its rules read: its events in clock order, its amendments and
/// the membership of everyone its household ever held (the implicit registration included).
pub(crate) struct ContractContext {
    pub record: ContractRecord,
    pub events: Vec<Stamped<ContractEvent>>,
    pub amendments: Vec<Amendment>,
    pub membership: Vec<MembershipEvent>,
}

impl ContractContext {
    pub fn contract(&self) -> &Contract {
        &self.record.contract
    }

    pub fn covered_on(&self, day: NaiveDate) -> Vec<MemberCoverage> {
        covered_on(
            self.contract(),
            &self.events,
            &self.amendments,
            &self.membership,
            day,
        )
    }

    pub fn covers(&self, resident_id: Uuid, day: NaiveDate) -> Option<MemberCoverage> {
        self.covered_on(day)
            .into_iter()
            .find(|c| c.resident_id == resident_id)
    }

    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        term_on(self.contract(), &self.events, day).is_some()
    }
}

impl Api {
    pub(crate) fn contract_context(&self, contract_id: Uuid) -> ApiResult<ContractContext> {
        let fail = |e| self.fail(e);
        let record = self.store.contract(contract_id).map_err(fail)?;
        let amendments = self.store.amendments_of(contract_id).map_err(fail)?;
        let membership = self
            .store
            .household_membership(record.contract.household_id)
            .map_err(fail)?;
        Ok(ContractContext {
            membership,
            events: record.events.clone(),
            record,
            amendments,
        })
    }

    /// The household's contracts in force on a day (one, unless records disagree).
    pub(crate) fn contracts_in_force(
        &self,
        household_id: Uuid,
        day: NaiveDate,
    ) -> ApiResult<Vec<ContractContext>> {
        let records = self
            .store
            .contracts_of_household(household_id)
            .map_err(|e| self.fail(e))?;
        let mut out = Vec::new();
        for r in records {
            let ctx = self.contract_context(r.contract.id)?;
            if ctx.in_force_on(day) {
                out.push(ctx);
            }
        }
        Ok(out)
    }

    /// The stretches of days on which residents are covered by any contract between two days
    /// (amendments, membership and automatic renewals included): what the one-contract rule
    /// reads.
    pub(crate) fn coverage_of(
        &self,
        residents: &[Uuid],
        from: NaiveDate,
        to: NaiveDate,
    ) -> ApiResult<Vec<Coverage>> {
        let mut out = Vec::new();
        for resident in residents {
            // A member being added in the same operation is not stored yet: covered nowhere.
            let name = self
                .store
                .resident(*resident)
                .map(|r| r.name)
                .unwrap_or_default();
            let contracts = self
                .store
                .contract_ids_of_resident(*resident)
                .map_err(|e| self.fail(e))?;
            for id in contracts {
                let ctx = self.contract_context(id)?;
                let spans = coverage_spans(
                    ctx.contract(),
                    &ctx.events,
                    &ctx.amendments,
                    &ctx.membership,
                    from,
                    to,
                );
                out.extend(
                    spans
                        .iter()
                        .filter(|s| s.resident_id == *resident)
                        .map(|s| s.to_coverage(&name)),
                );
            }
        }
        Ok(out)
    }

    /// A resident's groups on a day, dated periods and registration-time groups together.
    pub(crate) fn groups_of(
        &self,
        resident: &Resident,
        extra: &[GroupPeriod],
        day: NaiveDate,
    ) -> ApiResult<Vec<PopulationGroup>> {
        let mut periods = self
            .store
            .group_periods_of(resident.id)
            .map_err(|e| self.fail(e))?;
        periods.extend(extra.iter().cloned());
        Ok(resident_groups_on(
            resident.id,
            &resident.groups,
            &periods,
            resident.birth_date,
            day,
        )
        .into_iter()
        .collect())
    }

    /// Builds and checks an amendment; nothing is written. `pending` are the membership events
    /// the same operation writes (a newborn's join), `groups` the resident's groups on the day.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build_amendment(
        &self,
        ctx: &ContractContext,
        kind: AmendmentKind,
        effective_on: NaiveDate,
        resident: &Resident,
        groups: Vec<PopulationGroup>,
        signing: Option<&AmendmentSigning>,
        pending: &[MembershipEvent],
    ) -> ApiResult<NewAmendment> {
        let today = self.today();
        let contract = ctx.contract();
        let resident_png = match signing {
            Some(s) => self.decode_signature(s.resident_signature_png.as_deref())?,
            None => None,
        };
        let doctor_png = match signing {
            Some(s) => self.decode_signature(s.doctor_signature_png.as_deref())?,
            None => None,
        };
        let catalog = self.store.current_catalog().map_err(|e| self.fail(e))?;
        let package_codes = match &kind {
            AmendmentKind::MemberAdded { package_codes, .. }
            | AmendmentKind::ObligationAdded { package_codes, .. } => package_codes.clone(),
            AmendmentKind::CoverageEnded { .. } => Vec::new(),
        };
        let packages = package_codes
            .iter()
            .map(|code| package_terms(&catalog, code))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))?;
        let term = term_on(contract, &ctx.events, effective_on)
            .ok_or_else(|| self.fail(jiayi_core::CoreError::NotActive(effective_on)))?;
        let id = Uuid::now_v7();
        let now = self.now();
        let snapshot = AmendmentSnapshot {
            format: AMENDMENT_SNAPSHOT_FORMAT,
            amendment_id: id,
            contract_id: contract.id,
            agreement_number: contract.agreement_number.clone(),
            agreement_sha256: contract.snapshot_sha256.clone(),
            term: term.term,
            effective_on,
            kind: kind.clone(),
            member: CoveredMember {
                resident_id: resident.id,
                name: resident.name.clone(),
                sex: resident.sex,
                birth_date: resident.birth_date,
                age: resident.birth_date.map(|b| age_on(b, effective_on)),
                id_number: resident.id_number.as_ref().map(|n| n.to_string()),
                relation: resident.relation,
                groups,
                package_codes,
                record_number: resident.record_number.as_ref().map(|n| n.to_string()),
            },
            packages,
            recorded_at: now,
            resident_signature_sha256: resident_png.as_deref().map(sha256_hex),
            doctor_signature_sha256: doctor_png.as_deref().map(sha256_hex),
        };
        let amendment = Amendment {
            id,
            contract_id: contract.id,
            effective_on,
            kind,
            recorded_at: now,
            hlc: super::unstamped(),
            household_signed: resident_png.is_some(),
            snapshot_sha256: snapshot.sha256(),
        };
        let mut membership = ctx.membership.clone();
        membership.extend(pending.iter().cloned());
        let other_coverage: Vec<_> = self
            .coverage_of(&[resident.id], effective_on, term.last_day)?
            .into_iter()
            .filter(|c| c.agreement_number != contract.agreement_number)
            .collect();
        check_amendment(
            &AmendmentContext {
                contract,
                events: &ctx.events,
                amendments: &ctx.amendments,
                membership: &membership,
                other_coverage: &other_coverage,
                resident_name: &resident.name,
                today,
            },
            &amendment,
        )
        .map_err(|e| self.fail(e))?;
        Ok(NewAmendment {
            amendment,
            snapshot_json: snapshot.canonical_json(),
            resident_signature: resident_png,
            doctor_signature: doctor_png,
        })
    }

    /// The packages a member added is owed: the basic ones their groups bring, and the paid
    /// ones the household chose.
    pub(crate) fn packages_for(
        &self,
        groups: &[PopulationGroup],
        paid: &[String],
    ) -> ApiResult<Vec<String>> {
        let catalog = self.store.current_catalog().map_err(|e| self.fail(e))?;
        let mut codes: Vec<String> = catalog
            .basic_packages_for(groups)
            .iter()
            .map(|p| p.code.clone())
            .collect();
        for code in paid {
            let package = catalog.package(code).map_err(|e| self.fail(e))?;
            if package.kind != PackageKind::Paid {
                return Err(self.fail(jiayi_core::CoreError::UnknownPackage(code.clone())));
            }
        }
        for code in catalog.normalise_choice(paid).map_err(|e| self.fail(e))? {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        Ok(codes)
    }

    /// An amendment written by hand: a member added to the contract, one member's coverage
    /// ended on request, or what a new group brings.
    pub fn amend_contract(&mut self, request: &AmendRequest) -> ApiResult<Uuid> {
        let ctx = self.contract_context(request.contract_id)?;
        let on = request.effective_on.unwrap_or(self.today());
        let resident = self
            .store
            .resident(request.kind.resident_id())
            .map_err(|e| self.fail(e))?;
        let groups = self.groups_of(&resident, &[], on)?;
        let kind = match &request.kind {
            AmendmentKind::MemberAdded {
                resident_id,
                package_codes,
            } if package_codes.is_empty() => AmendmentKind::MemberAdded {
                resident_id: *resident_id,
                package_codes: self.packages_for(&groups, &request.signing.paid_packages)?,
            },
            other => other.clone(),
        };
        let new = self.build_amendment(
            &ctx,
            kind,
            on,
            &resident,
            groups,
            Some(&request.signing),
            &[],
        )?;
        let id = new.amendment.id;
        self.store
            .write_year(&[YearWrite::Amendment(&new)], self.now())
            .map_err(|e| self.fail(e))?;
        Ok(id)
    }

    /// An amendment's frozen snapshot, as signed.
    pub fn amendment_snapshot(&self, amendment_id: Uuid) -> ApiResult<AmendmentSnapshot> {
        let record = self
            .store
            .amendment(amendment_id)
            .map_err(|e| self.fail(e))?;
        serde_json::from_str(&record.snapshot_json)
            .map_err(|e| self.fail(jiayi_store::StoreError::Corrupt(e.to_string())))
    }
}
