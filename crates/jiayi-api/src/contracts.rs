//! Signing, renewing, changing doctor and terminating contracts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{Datelike, NaiveDate};
use jiayi_core::agreement::{
    AgreementSnapshot, CoveredMember, ItemTerms, PackageTerms, PartyA, PartyB, SNAPSHOT_FORMAT,
    TeamMemberContact, TerminationSnapshot, sha256_hex, verification_code,
};
use jiayi_core::catalog::{Catalog, PackageKind};
use jiayi_core::contract::{
    Contract, ContractEvent, ContractEventKind, ContractMember, ContractStatus, Term,
    TerminationReason, check_doctor_change, check_no_double_coverage, check_renewal,
    check_termination,
};
use jiayi_core::household::{Team, TeamRole};
use jiayi_core::person::{age_on, groups_on};
use jiayi_core::{CoreError, Lang};
use jiayi_store::{ContractRecord, HouseholdRecord, NewContract, NewContractEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberChoice {
    pub resident_id: Uuid,
    /// Paid packages chosen for this member; basic packages follow from the groups.
    #[serde(default)]
    pub paid_packages: Vec<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignRequest {
    pub household_id: Uuid,
    /// Who signs for the household (the head, or a member able to represent the head).
    pub representative_id: Option<Uuid>,
    pub members: Vec<MemberChoice>,
    /// Defaults to the team serving the household's village.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    /// Defaults to the team's family doctor.
    #[serde(default)]
    pub doctor_id: Option<Uuid>,
    /// Defaults to today.
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    /// Drawn signatures as PNG, base64.
    #[serde(default)]
    pub resident_signature_png: Option<String>,
    #[serde(default)]
    pub doctor_signature_png: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignOutcome {
    pub contract_id: Uuid,
    pub agreement_number: String,
    pub term: Term,
    pub snapshot_sha256: String,
    pub verification_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewOutcome {
    pub renewed: Vec<SignOutcome>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeDoctorRequest {
    pub contract_id: Uuid,
    pub doctor_id: Uuid,
    #[serde(default)]
    pub effective_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminateRequest {
    pub contract_id: Uuid,
    pub reason: TerminationReason,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub effective_on: Option<NaiveDate>,
    pub resident_confirmed: bool,
    pub doctor_confirmed: bool,
    #[serde(default)]
    pub resident_signature_png: Option<String>,
    #[serde(default)]
    pub doctor_signature_png: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminateOutcome {
    pub event_id: Uuid,
    pub effective_on: NaiveDate,
    pub snapshot_sha256: String,
}

/// A contract as lists show it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractSummary {
    pub id: Uuid,
    pub agreement_number: String,
    pub term: Term,
    pub status: ContractStatus,
    pub in_force: bool,
    pub doctor_id: Uuid,
    pub member_ids: Vec<Uuid>,
    pub verification_code: String,
}

/// Maximum size of one drawn signature image.
const SIGNATURE_MAX_BYTES: usize = 512 * 1024;

impl Api {
    /// What the agreement will say, exactly as it will be printed, without saving anything.
    pub fn preview_agreement(&self, request: &SignRequest) -> ApiResult<AgreementSnapshot> {
        let (snapshot, _, _) = self.prepare(request, "（签署后生成）".to_string())?;
        Ok(snapshot)
    }

    /// Signs a contract: checks every rule, freezes the agreement and stores it with its hash.
    pub fn sign_contract(&mut self, request: &SignRequest) -> ApiResult<SignOutcome> {
        let resident_png = self.decode_signature(request.resident_signature_png.as_deref())?;
        let doctor_png = self.decode_signature(request.doctor_signature_png.as_deref())?;
        // Every rule is checked here, before a number is reserved; the store then freezes the
        // snapshot under the number it reserves, in one transaction.
        let (template, contract_template, _) = self.prepare(request, String::new())?;
        let signed_on = request.signed_on.unwrap_or(self.today());
        let now = self.now();
        let record = self
            .store
            .sign_contract(
                now,
                signed_on.year(),
                |number| {
                    let mut snapshot = template.clone();
                    snapshot.agreement_number = number.clone();
                    snapshot.resident_signature_sha256 = resident_png.as_deref().map(sha256_hex);
                    snapshot.doctor_signature_sha256 = doctor_png.as_deref().map(sha256_hex);
                    let contract = Contract {
                        agreement_number: number,
                        snapshot_sha256: snapshot.sha256(),
                        ..contract_template.clone()
                    };
                    Ok(NewContract {
                        contract,
                        snapshot_json: snapshot.canonical_json(),
                        resident_signature: resident_png.clone(),
                        doctor_signature: doctor_png.clone(),
                    })
                },
                None,
            )
            .map_err(|e| self.fail(e))?;
        Ok(outcome(&record))
    }

    /// Renews a contract for the next term with the same members and packages.
    pub fn renew(&mut self, contract_id: Uuid, automatic: bool) -> ApiResult<SignOutcome> {
        let today = self.today();
        let record = self.store.contract(contract_id).map_err(|e| self.fail(e))?;
        let state = record.contract.state_on(&record.events, today);
        check_renewal(&state).map_err(|e| self.fail(e))?;
        let policy = self.store.settings().map_err(|e| self.fail(e))?.term_policy;
        let term = record.contract.term.next(policy);
        let old_snapshot: AgreementSnapshot = serde_json::from_str(&record.snapshot_json)
            .map_err(|e| self.fail(jiayi_store::StoreError::Corrupt(e.to_string())))?;
        let request = SignRequest {
            household_id: record.contract.household_id,
            representative_id: Some(record.contract.representative_id),
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
        Ok(outcome(&record))
    }

    /// Renews by itself every contract whose term ended on or before `day` without termination.
    pub fn renew_due(&mut self, day: NaiveDate) -> ApiResult<RenewOutcome> {
        let contracts = self.store.all_contracts().map_err(|e| self.fail(e))?;
        let mut renewed = Vec::new();
        for record in contracts {
            let mut current = record.contract.id;
            // A contract that missed several terms is renewed term by term, up to today.
            for _ in 0..10 {
                let rec = self.store.contract(current).map_err(|e| self.fail(e))?;
                let state = rec.contract.state_on(&rec.events, day);
                if state.status != ContractStatus::AwaitingRenewal || !rec.contract.term.auto_renew
                {
                    break;
                }
                let out = self.renew(current, true)?;
                current = out.contract_id;
                renewed.push(out);
            }
        }
        Ok(RenewOutcome { renewed })
    }

    pub fn change_doctor(&mut self, request: &ChangeDoctorRequest) -> ApiResult<()> {
        let day = request.effective_on.unwrap_or(self.today());
        let record = self
            .store
            .contract(request.contract_id)
            .map_err(|e| self.fail(e))?;
        let state = record.contract.state_on(&record.events, day);
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
        let state = record.contract.state_on(&record.events, today);
        check_termination(&state, request.resident_confirmed, request.doctor_confirmed)
            .map_err(|e| self.fail(e))?;
        if request.reason == TerminationReason::Other && request.note.trim().is_empty() {
            return Err(self.fail(CoreError::Required { field: "reason" }));
        }
        if effective_on < record.contract.term.start
            || effective_on > record.contract.term.end + chrono::Days::new(1)
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
        let state = record.contract.state_on(&record.events, day);
        ContractSummary {
            id: record.contract.id,
            agreement_number: record.contract.agreement_number.clone(),
            term: record.contract.term,
            status: state.status,
            in_force: matches!(
                state.status,
                ContractStatus::Active | ContractStatus::NotStarted
            ),
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

    fn decode_signature(&self, png_base64: Option<&str>) -> ApiResult<Option<Vec<u8>>> {
        let Some(text) = png_base64.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let text = text.strip_prefix("data:image/png;base64,").unwrap_or(text);
        let bytes = BASE64.decode(text).map_err(|_| self.bad_signature())?;
        if bytes.len() > SIGNATURE_MAX_BYTES || !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(self.bad_signature());
        }
        Ok(Some(bytes))
    }

    fn bad_signature(&self) -> ApiError {
        self.fail(ApiError::invalid(
            "invalid_signature",
            "签名图像无效，请重新签名",
            "the signature image is not valid; please sign again",
        ))
    }

    fn prepare(
        &self,
        request: &SignRequest,
        number: String,
    ) -> ApiResult<(AgreementSnapshot, Contract, Catalog)> {
        self.prepare_with(request, number, None)
    }

    /// Checks a signing request against every rule and builds the agreement snapshot and the
    /// contract. `renewal` gives the term and the contract renewed, for renewals.
    fn prepare_with(
        &self,
        request: &SignRequest,
        number: String,
        renewal: Option<(Term, Uuid)>,
    ) -> ApiResult<(AgreementSnapshot, Contract, Catalog)> {
        let fail = |e: jiayi_store::StoreError| self.fail(e);
        let household = self.store.household(request.household_id).map_err(fail)?;
        let settings = self.store.settings().map_err(fail)?;
        let catalog = self.store.current_catalog().map_err(fail)?;
        let signed_on = request.signed_on.unwrap_or(self.today());
        if request.members.is_empty() {
            return Err(self.fail(CoreError::NoMembersChosen));
        }
        let team = match request.team_id {
            Some(id) => self.store.team(id).map_err(fail)?,
            None => self
                .store
                .team_for_village(household.household.village_id)
                .map_err(fail)?
                .ok_or_else(|| {
                    self.fail(ApiError::invalid(
                        "no_team",
                        "本村尚未配置签约团队",
                        "no family-doctor team serves this village",
                    ))
                })?,
        };
        let doctor = match request.doctor_id {
            Some(id) => team.member(id).cloned().ok_or_else(|| {
                self.fail(ApiError::invalid(
                    "unknown_doctor",
                    "所选医生不在该签约团队中",
                    "the chosen doctor is not in the team",
                ))
            })?,
            None => team
                .member_with_role(TeamRole::FamilyDoctor)
                .cloned()
                .ok_or_else(|| {
                    self.fail(ApiError::invalid(
                        "unknown_doctor",
                        "该团队没有家庭医生",
                        "the team has no family doctor",
                    ))
                })?,
        };
        let representative_id = request
            .representative_id
            .or_else(|| household.head().map(|h| h.id));
        let representative = representative_id
            .and_then(|id| household.members.iter().find(|m| m.id == id))
            .ok_or_else(|| {
                self.fail(CoreError::NotInHousehold {
                    name: "签字人".into(),
                })
            })?;
        let term = match renewal {
            Some((term, _)) => term,
            None => Term::first(settings.term_policy, signed_on),
        };
        let chosen: Vec<Uuid> = request.members.iter().map(|m| m.resident_id).collect();
        let coverage: Vec<_> = self
            .store
            .coverage_of(&chosen, signed_on)
            .map_err(fail)?
            .into_iter()
            .filter(|c| {
                renewal.is_none_or(|(_, renewed)| {
                    self.store
                        .contract(renewed)
                        .map(|r| r.contract.agreement_number != c.agreement_number)
                        .unwrap_or(true)
                })
            })
            .collect();
        check_no_double_coverage(&term, &chosen, &coverage).map_err(|e| self.fail(e))?;

        let mut members = Vec::new();
        let mut covered = Vec::new();
        let mut package_codes_used: Vec<String> = Vec::new();
        for choice in &request.members {
            let resident = household
                .members
                .iter()
                .find(|m| m.id == choice.resident_id)
                .ok_or_else(|| {
                    self.fail(CoreError::NotInHousehold {
                        name: choice.resident_id.to_string(),
                    })
                })?;
            let groups = groups_on(&resident.groups, resident.birth_date, signed_on);
            let mut codes: Vec<String> = catalog
                .basic_packages_for(&groups)
                .iter()
                .map(|p| p.code.clone())
                .collect();
            for code in &choice.paid_packages {
                let package = catalog.package(code).map_err(|e| self.fail(e))?;
                if package.kind != PackageKind::Paid {
                    return Err(self.fail(CoreError::UnknownPackage(code.clone())));
                }
            }
            codes.extend(
                catalog
                    .normalise_choice(&choice.paid_packages)
                    .map_err(|e| self.fail(e))?,
            );
            for code in &codes {
                if !package_codes_used.contains(code) {
                    package_codes_used.push(code.clone());
                }
            }
            members.push(ContractMember {
                resident_id: resident.id,
                package_codes: codes.clone(),
            });
            covered.push(CoveredMember {
                resident_id: resident.id,
                name: resident.name.clone(),
                sex: resident.sex,
                birth_date: resident.birth_date,
                age: resident.birth_date.map(|b| age_on(b, signed_on)),
                id_number: resident.id_number.as_ref().map(|n| n.to_string()),
                relation: resident.relation,
                groups,
                package_codes: codes,
            });
        }
        let packages = package_codes_used
            .iter()
            .map(|code| package_terms(&catalog, code))
            .collect::<Result<Vec<_>, CoreError>>()
            .map_err(|e| self.fail(e))?;
        let contract_id = Uuid::now_v7();
        let now = self.now();
        let snapshot = AgreementSnapshot {
            format: SNAPSHOT_FORMAT,
            contract_id,
            agreement_number: number.clone(),
            health_record_number: household.household.record_number.clone(),
            party_a: party_a(&team, &doctor, &settings.health_center),
            party_b: party_b(&household, representative),
            members: covered,
            packages,
            term,
            signed_at: now,
            signed_on,
            catalog_version: catalog.version.clone(),
            resident_signature_sha256: None,
            doctor_signature_sha256: None,
        };
        let contract = Contract {
            id: contract_id,
            agreement_number: number,
            household_id: household.household.id,
            team_id: team.id,
            doctor_id: doctor.id,
            representative_id: representative.id,
            term,
            members,
            signed_at: now,
            catalog_version: catalog.version.clone(),
            renews: renewal.map(|(_, id)| id),
            snapshot_sha256: String::new(),
        };
        Ok((snapshot, contract, catalog))
    }
}

fn outcome(record: &ContractRecord) -> SignOutcome {
    SignOutcome {
        contract_id: record.contract.id,
        agreement_number: record.contract.agreement_number.clone(),
        term: record.contract.term,
        snapshot_sha256: record.contract.snapshot_sha256.clone(),
        verification_code: verification_code(&record.contract.snapshot_sha256),
    }
}

fn package_terms(catalog: &Catalog, code: &str) -> Result<PackageTerms, CoreError> {
    let package = catalog.package(code)?;
    let items = catalog
        .effective_items(code)?
        .into_iter()
        .map(|(_, item)| ItemTerms {
            code: item.code.clone(),
            name: item.name.clone(),
            name_en: item.name_en.clone(),
            times_per_year: item.times_per_year,
            content: item.content.clone(),
        })
        .collect();
    Ok(PackageTerms {
        code: package.code.clone(),
        name: package.name.clone(),
        name_en: package.name_en.clone(),
        kind: package.kind,
        tier: package.tier,
        description: package.description.clone(),
        price: package.price,
        items,
    })
}

fn contact(member: &jiayi_core::household::TeamMember) -> TeamMemberContact {
    TeamMemberContact {
        id: member.id,
        name: member.name.clone(),
        phone: member.phone.clone(),
    }
}

fn party_a(team: &Team, doctor: &jiayi_core::household::TeamMember, health_center: &str) -> PartyA {
    let leader = team.member_with_role(TeamRole::Leader).unwrap_or(doctor);
    PartyA {
        institution: if team.institution.is_empty() {
            health_center.to_string()
        } else {
            team.institution.clone()
        },
        village_clinic: team.village_clinic.clone(),
        team_name: team.name.clone(),
        leader: contact(leader),
        family_doctor: contact(doctor),
        nurse: team.member_with_role(TeamRole::Nurse).map(contact),
        public_health_worker: team.member_with_role(TeamRole::PublicHealth).map(contact),
        service_hotline: team.service_hotline.clone(),
        complaint_phone: team.complaint_phone.clone(),
        service_hours: team.service_hours.clone(),
    }
}

fn party_b(
    household: &HouseholdRecord,
    representative: &jiayi_core::household::Resident,
) -> PartyB {
    let head = household.head().unwrap_or(representative);
    PartyB {
        household_id: household.household.id,
        representative_name: representative.name.clone(),
        representative_id_number: representative.id_number.as_ref().map(|n| n.to_string()),
        representative_relation: representative.relation,
        head_name: head.name.clone(),
        village: household.village_name.clone(),
        group: household.household.group.clone(),
        address: household.household.address.clone(),
        phone: representative
            .phone
            .as_ref()
            .or(head.phone.as_ref())
            .map(|p| p.to_string()),
    }
}

/// Labels for the UI and the CLI.
pub fn status_label(status: ContractStatus, lang: Lang) -> &'static str {
    let (zh, en) = match status {
        ContractStatus::NotStarted => ("未生效", "not started"),
        ContractStatus::Active => ("履约中", "active"),
        ContractStatus::AwaitingRenewal => ("待续约", "awaiting renewal"),
        ContractStatus::Renewed => ("已续约", "renewed"),
        ContractStatus::Terminated => ("已解约", "terminated"),
    };
    lang.pick(zh, en)
}
