//! Signing: the agreement prepared from the household, the team and the catalog, checked
//! against every rule, frozen with its hash and stored with the drawn signatures.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Datelike;
use jiayi_core::CoreError;
use jiayi_core::agreement::{
    AgreementSnapshot, CoveredMember, ItemTerms, PackageTerms, PartyA, PartyB, SNAPSHOT_FORMAT,
    TeamMemberContact, sha256_hex,
};
use jiayi_core::catalog::{Catalog, PackageKind};
use jiayi_core::contract::{Contract, ContractMember, Term, check_no_double_coverage};
use jiayi_core::household::{Team, TeamRole};
use jiayi_core::id_number::IdNumber;
use jiayi_core::person::age_on;
use jiayi_core::year::renewal::term_on;
use jiayi_core::year::rules::{
    Signatory, TeamSpan, check_family_doctor, check_one_team, check_representative,
};
use jiayi_store::{HouseholdRecord, NewContract};
use uuid::Uuid;

use super::views::{SignOutcome, SignRequest};
use crate::Api;
use crate::error::{ApiError, ApiResult};

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
        Ok(SignOutcome::of(&record))
    }

    pub(crate) fn decode_signature(&self, png_base64: Option<&str>) -> ApiResult<Option<Vec<u8>>> {
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
    pub(super) fn prepare_with(
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
            Some(id) => {
                check_family_doctor(&team, id).map_err(|e| self.fail(e))?;
                team.member(id).cloned().ok_or_else(|| {
                    self.fail(ApiError::invalid(
                        "unknown_doctor",
                        "所选医生不在该签约团队中",
                        "the chosen doctor is not in the team",
                    ))
                })?
            }
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
        // Who belongs to the household that day: the representative signs as an adult member
        // or as a guardian with the relation stated, and only members are covered.
        let present = self.members_today(household.household.id, signed_on)?;
        let signatory = match &request.guardian {
            Some(g) => Signatory::Guardian {
                name: g.name.trim().to_string(),
                relation: g.relation.trim().to_string(),
            },
            None => Signatory::Member {
                resident_id: representative.id,
                name: representative.name.clone(),
                birth_date: representative.birth_date,
            },
        };
        check_representative(&signatory, &present, signed_on).map_err(|e| self.fail(e))?;
        let guardian_id_number = match request
            .guardian
            .as_ref()
            .and_then(|g| g.id_number.as_deref())
        {
            Some(text) if !text.trim().is_empty() => Some(
                IdNumber::parse(text, signed_on)
                    .map_err(|e| self.fail(CoreError::from(e)))?
                    .to_string(),
            ),
            _ => None,
        };
        if let Some(gone) = request
            .members
            .iter()
            .find(|m| !present.contains(&m.resident_id))
        {
            let name = household
                .members
                .iter()
                .find(|m| m.id == gone.resident_id)
                .map_or_else(|| gone.resident_id.to_string(), |m| m.name.clone());
            return Err(self.fail(CoreError::NotInHousehold { name }));
        }
        let spans = self.team_spans(household.household.id, term, renewal.map(|(_, id)| id))?;
        check_one_team(team.id, term.start, term.end, &spans).map_err(|e| self.fail(e))?;
        let chosen: Vec<Uuid> = request.members.iter().map(|m| m.resident_id).collect();
        let coverage: Vec<_> = self
            .coverage_of(&chosen, term.start.min(signed_on), term.end)?
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
            let groups = self.groups_of(resident, &[], signed_on)?;
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
                record_number: resident.record_number.as_ref().map(|n| n.to_string()),
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
            // The household's line carries its head's county number, or stays blank.
            health_record_number: household
                .head()
                .and_then(|h| h.record_number.as_ref())
                .map(|n| n.to_string())
                .unwrap_or_default(),
            party_a: party_a(&team, &doctor, &settings.health_center),
            party_b: party_b(&household, representative, &signatory, guardian_id_number),
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

impl Api {
    /// The household's other contracts as spans of days with their team, for the one-team
    /// rule: one still renewing by itself has no end.
    fn team_spans(
        &self,
        household_id: Uuid,
        term: Term,
        renewed: Option<Uuid>,
    ) -> ApiResult<Vec<TeamSpan>> {
        let records = self
            .store
            .contracts_of_household(household_id)
            .map_err(|e| self.fail(e))?;
        let mut spans = Vec::new();
        for record in records.iter().filter(|r| Some(r.contract.id) != renewed) {
            let ctx = self.contract_context(record.contract.id)?;
            let until = match term_on(ctx.contract(), &ctx.events, term.start) {
                Some(now) => {
                    let renews = now.last_day == now.term.end
                        && term_on(
                            ctx.contract(),
                            &ctx.events,
                            now.term.end.succ_opt().unwrap_or(now.term.end),
                        )
                        .is_some();
                    (!renews).then_some(now.last_day)
                }
                None => term.start.pred_opt(),
            };
            spans.push(TeamSpan {
                team_id: record.contract.team_id,
                agreement_number: record.contract.agreement_number.clone(),
                from: record.contract.term.start,
                until,
            });
        }
        Ok(spans)
    }
}

pub(crate) fn package_terms(catalog: &Catalog, code: &str) -> Result<PackageTerms, CoreError> {
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

pub(crate) fn party_a(
    team: &Team,
    doctor: &jiayi_core::household::TeamMember,
    health_center: &str,
) -> PartyA {
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

/// Party B as signed: the household, and the member or the guardian who signed for it.
fn party_b(
    household: &HouseholdRecord,
    representative: &jiayi_core::household::Resident,
    signatory: &Signatory,
    guardian_id_number: Option<String>,
) -> PartyB {
    let head = household.head().unwrap_or(representative);
    let (name, id_number, guardian_relation) = match signatory {
        Signatory::Guardian { name, relation } => {
            (name.clone(), guardian_id_number, Some(relation.clone()))
        }
        Signatory::Member { .. } => (
            representative.name.clone(),
            representative.id_number.as_ref().map(|n| n.to_string()),
            None,
        ),
    };
    PartyB {
        household_id: household.household.id,
        representative_name: name,
        representative_id_number: id_number,
        representative_relation: representative.relation,
        guardian_relation,
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
