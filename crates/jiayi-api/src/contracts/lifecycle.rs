//! A contract after signing: renewing it with a new agreement, reporting the renewals that
//! happened by themselves, changing its doctor, terminating it or declining its renewal, and
//! reading it back.

use chrono::{Datelike, NaiveDate};
use jiayi_core::agreement::{
    AgreementSnapshot, SNAPSHOT_FORMAT, TerminationSnapshot, sha256_hex, verification_code,
};
use jiayi_core::catalog::PackageKind;
use jiayi_core::contract::{
    Contract, ContractEvent, ContractEventKind, ContractStatus, TerminationReason,
    check_doctor_change, check_renewal, check_termination,
};
use jiayi_core::year::renewal::{decline_renewal, renewals_until};
use jiayi_core::{CoreError, Lang};
use jiayi_store::{ContractRecord, NewContract, NewContractEvent};
use uuid::Uuid;

use super::views::{
    AutoRenewed, ChangeDoctorRequest, ContractSummary, DeclineRenewalRequest, GuardianSignatory,
    MemberChoice, RenewOutcome, SignOutcome, SignRequest, TerminateOutcome, TerminateRequest,
};
use crate::Api;
use crate::error::{ApiError, ApiResult};

impl Api {
    /// Signs a new agreement with the same members and packages (e.g. with a new team at
    /// renewal), for the term [`check_renewal`] gives: after the term in force, or from today
    /// during a term the contract renewed into by itself. The old contract covers until the
    /// new one starts; without this, the contract renews by itself.
    pub fn renew(&mut self, contract_id: Uuid, automatic: bool) -> ApiResult<SignOutcome> {
        let today = self.today();
        let record = self.store.contract(contract_id).map_err(|e| self.fail(e))?;
        let state = record.state_on(today);
        let policy = self.store.settings().map_err(|e| self.fail(e))?.term_policy;
        let term = check_renewal(&state, policy, today).map_err(|e| self.fail(e))?;
        let old_snapshot: AgreementSnapshot = serde_json::from_str(&record.snapshot_json)
            .map_err(|e| self.fail(jiayi_store::StoreError::Corrupt(e.to_string())))?;
        let request = SignRequest {
            household_id: record.contract.household_id,
            representative_id: Some(record.contract.representative_id),
            // A guardian who signed the agreement signs the new one too.
            guardian: old_snapshot
                .party_b
                .guardian_relation
                .as_ref()
                .map(|relation| GuardianSignatory {
                    name: old_snapshot.party_b.representative_name.clone(),
                    relation: relation.clone(),
                    id_number: old_snapshot.party_b.representative_id_number.clone(),
                }),
            members: record
                .contract
                .members
                .iter()
                .map(|m| MemberChoice {
                    resident_id: m.resident_id,
                    paid_packages: m
                        .package_codes
                        .iter()
                        .filter(|code| {
                            old_snapshot
                                .packages
                                .iter()
                                .any(|p| &&p.code == code && p.kind == PackageKind::Paid)
                        })
                        .cloned()
                        .collect(),
                })
                .collect(),
            team_id: Some(record.contract.team_id),
            doctor_id: Some(state.doctor_id),
            signed_on: Some(term.start),
            resident_signature_png: None,
            doctor_signature_png: None,
        };
        let (template, contract_template, _) =
            self.prepare_with(&request, String::new(), Some((term, contract_id)))?;
        let now = self.now();
        let event = ContractEvent {
            id: Uuid::now_v7(),
            contract_id,
            at: now,
            kind: ContractEventKind::Renewed {
                new_contract_id: contract_template.id,
                automatic,
                successor_starts: Some(term.start),
            },
        };
        let record = self
            .store
            .sign_contract(
                now,
                term.start.year(),
                |number| {
                    let mut snapshot = template.clone();
                    snapshot.agreement_number = number.clone();
                    let contract = Contract {
                        agreement_number: number,
                        snapshot_sha256: snapshot.sha256(),
                        ..contract_template.clone()
                    };
                    Ok(NewContract {
                        contract,
                        snapshot_json: snapshot.canonical_json(),
                        resident_signature: None,
                        doctor_signature: None,
                    })
                },
                Some(event),
            )
            .map_err(|e| self.fail(e))?;
        Ok(SignOutcome::of(&record))
    }

    /// What renewed by itself up to `day`: every automatic renewal of every contract, each with
    /// the id that follows from the contract and the term. Renewal is computed, never
    /// performed, so this writes nothing and may be called any number of times.
    pub fn renew_due(&self, day: NaiveDate) -> ApiResult<RenewOutcome> {
        let contracts = self.store.all_contracts().map_err(|e| self.fail(e))?;
        let mut renewed = Vec::new();
        for record in &contracts {
            for r in renewals_until(&record.contract, &record.events, day) {
                renewed.push(AutoRenewed {
                    id: r.id,
                    contract_id: r.contract_id,
                    agreement_number: record.contract.agreement_number.clone(),
                    renewal: r.renewal,
                    term: r.term,
                });
            }
        }
        renewed.sort_by(|a, b| {
            (a.term.start, &a.agreement_number).cmp(&(b.term.start, &b.agreement_number))
        });
        Ok(RenewOutcome { day, renewed })
    }

    /// Declines the renewal of a contract: a termination on request, confirmed by both
    /// parties, effective the day after the term in force ends.
    pub fn decline_renewal(
        &mut self,
        request: &DeclineRenewalRequest,
    ) -> ApiResult<TerminateOutcome> {
        let today = self.today();
        let record = self
            .store
            .contract(request.contract_id)
            .map_err(|e| self.fail(e))?;
        let (reason, effective_on) =
            decline_renewal(&record.contract, &record.events, today).map_err(|e| self.fail(e))?;
        self.terminate(&TerminateRequest {
            contract_id: request.contract_id,
            reason,
            note: request.note.clone(),
            effective_on: Some(effective_on),
            resident_confirmed: request.resident_confirmed,
            doctor_confirmed: request.doctor_confirmed,
            resident_signature_png: request.resident_signature_png.clone(),
            doctor_signature_png: request.doctor_signature_png.clone(),
        })
    }

    pub fn change_doctor(&mut self, request: &ChangeDoctorRequest) -> ApiResult<()> {
        let day = request.effective_on.unwrap_or(self.today());
        let record = self
            .store
            .contract(request.contract_id)
            .map_err(|e| self.fail(e))?;
        let state = record.state_on(day);
        check_doctor_change(&state, request.doctor_id, day).map_err(|e| self.fail(e))?;
        let team = self
            .store
            .team(record.contract.team_id)
            .map_err(|e| self.fail(e))?;
        if team.member(request.doctor_id).is_none() {
            return Err(self.fail(ApiError::invalid(
                "unknown_doctor",
                "新的签约医生不在本签约团队中（团队内可更换医生，换机构须在续约时办理）",
                "the new doctor is not in this team (doctors change within the team; institutions change at renewal)",
            )));
        }
        let now = self.now();
        let event = ContractEvent {
            id: Uuid::now_v7(),
            contract_id: request.contract_id,
            at: now,
            kind: ContractEventKind::DoctorChanged {
                from_doctor_id: state.doctor_id,
                to_doctor_id: request.doctor_id,
                effective_on: day,
                note: request.note.clone(),
            },
        };
        self.store
            .add_contract_event(
                now,
                NewContractEvent {
                    event,
                    snapshot_json: None,
                    resident_signature: None,
                    doctor_signature: None,
                },
            )
            .map_err(|e| self.fail(e))
    }

    /// Terminates a contract with both parties' confirmation; the confirmation is frozen like
    /// the agreement.
    pub fn terminate(&mut self, request: &TerminateRequest) -> ApiResult<TerminateOutcome> {
        let today = self.today();
        let effective_on = request.effective_on.unwrap_or(today);
        let record = self
            .store
            .contract(request.contract_id)
            .map_err(|e| self.fail(e))?;
        let state = record.state_on(today);
        check_termination(&state, request.resident_confirmed, request.doctor_confirmed)
            .map_err(|e| self.fail(e))?;
        if request.reason == TerminationReason::Other && request.note.trim().is_empty() {
            return Err(self.fail(CoreError::Required { field: "reason" }));
        }
        // Effective from the start up to the day after the term in force today (a contract
        // renewed by itself is terminated within its current term).
        let term_end = state.term.map_or(record.contract.term.end, |t| t.term.end);
        if effective_on < record.contract.term.start
            || effective_on > term_end + chrono::Days::new(1)
        {
            return Err(self.fail(CoreError::NotActive(effective_on)));
        }
        let resident_png = self.decode_signature(request.resident_signature_png.as_deref())?;
        let doctor_png = self.decode_signature(request.doctor_signature_png.as_deref())?;
        let agreement: AgreementSnapshot = serde_json::from_str(&record.snapshot_json)
            .map_err(|e| self.fail(jiayi_store::StoreError::Corrupt(e.to_string())))?;
        let now = self.now();
        let snapshot = TerminationSnapshot {
            format: SNAPSHOT_FORMAT,
            contract_id: record.contract.id,
            agreement_number: record.contract.agreement_number.clone(),
            party_a: agreement.party_a,
            party_b: agreement.party_b,
            members: agreement.members,
            term: record.contract.term,
            reason: request.reason,
            note: request.note.trim().to_string(),
            effective_on,
            confirmed_at: now,
            resident_signature_sha256: resident_png.as_deref().map(sha256_hex),
            doctor_signature_sha256: doctor_png.as_deref().map(sha256_hex),
        };
        let sha = snapshot.sha256();
        let event = ContractEvent {
            id: Uuid::now_v7(),
            contract_id: record.contract.id,
            at: now,
            kind: ContractEventKind::Terminated {
                reason: request.reason,
                note: snapshot.note.clone(),
                effective_on,
                resident_confirmed: request.resident_confirmed,
                doctor_confirmed: request.doctor_confirmed,
                snapshot_sha256: sha.clone(),
            },
        };
        let event_id = event.id;
        let snapshot_json = serde_json::to_string(&snapshot)
            .map_err(|e| self.fail(jiayi_store::StoreError::from(e)))?;
        self.store
            .add_contract_event(
                now,
                NewContractEvent {
                    event,
                    snapshot_json: Some(snapshot_json),
                    resident_signature: resident_png,
                    doctor_signature: doctor_png,
                },
            )
            .map_err(|e| self.fail(e))?;
        Ok(TerminateOutcome {
            event_id,
            effective_on,
            snapshot_sha256: sha,
        })
    }

    pub fn contract_snapshot(&self, contract_id: Uuid) -> ApiResult<AgreementSnapshot> {
        let record = self.store.contract(contract_id).map_err(|e| self.fail(e))?;
        serde_json::from_str(&record.snapshot_json)
            .map_err(|e| self.fail(jiayi_store::StoreError::Corrupt(e.to_string())))
    }

    pub fn contract_summary(&self, contract_id: Uuid) -> ApiResult<ContractSummary> {
        let record = self.store.contract(contract_id).map_err(|e| self.fail(e))?;
        Ok(self.summarise(&record, self.today()))
    }

    pub(crate) fn summarise(&self, record: &ContractRecord, day: NaiveDate) -> ContractSummary {
        let state = record.state_on(day);
        ContractSummary {
            id: record.contract.id,
            agreement_number: record.contract.agreement_number.clone(),
            term: record.contract.term,
            term_in_force: state.term,
            status: state.status,
            in_force: state.in_force(),
            doctor_id: state.doctor_id,
            member_ids: record
                .contract
                .members
                .iter()
                .map(|m| m.resident_id)
                .collect(),
            verification_code: verification_code(&record.contract.snapshot_sha256),
        }
    }
}

/// Labels for the UI and the CLI.
pub fn status_label(status: ContractStatus, lang: Lang) -> &'static str {
    let (zh, en) = match status {
        ContractStatus::NotStarted => ("未生效", "not started"),
        ContractStatus::Active => ("履约中", "active"),
        ContractStatus::Renewed => ("已续约", "renewed"),
        ContractStatus::Terminated => ("已解约", "terminated"),
        ContractStatus::Expired => ("已到期", "expired"),
    };
    lang.pick(zh, en)
}
