//! Recording a visit at the point of care.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::Lang;
use jiayi_core::catalog::Catalog;
use jiayi_core::household::{Team, TeamRole};
use jiayi_core::schedule::OwedItem;
use jiayi_core::term::TermInForce;
use jiayi_core::time::china_date;
use jiayi_core::visit::{
    ItemRef, Visit, VisitKind, VisitMode, Vitals, check_served_by, default_served_by,
    validate_visit,
};
use jiayi_core::visit_form::{Answers, FormError, FormRecord, FormSet};
use jiayi_store::ContractRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitRequest {
    pub resident_id: Uuid,
    /// The service item fulfilled; the contract in force that owes it is found.
    #[serde(default)]
    pub item_code: Option<String>,
    /// Needed when no item is given; otherwise the item's own kind.
    #[serde(default)]
    pub kind: Option<VisitKind>,
    pub mode: VisitMode,
    /// When the service happened, if not now (e.g. entered at the end of a home visit).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub vitals: Vitals,
    #[serde(default)]
    pub notes: String,
    /// The team member who served; the default of [`Api::visit_team`] when none is given.
    #[serde(default)]
    pub served_by: Option<Uuid>,
    /// The answers of the record sheet of the visit's kind ([`Api::visit_form`]), by field
    /// code; none for a kind without a form.
    #[serde(default)]
    pub answers: Answers,
}

/// A member of the team answering for a resident, as the visit form lists them.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ServingMember {
    pub id: Uuid,
    pub name: String,
    pub role: TeamRole,
    /// The role in the user's language.
    pub role_label: String,
}

/// The team answering for a resident on a day, whose members may be named as having served.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitTeam {
    pub team_id: Option<Uuid>,
    pub team_name: String,
    pub members: Vec<ServingMember>,
    /// The enrolled doctor when in the team, else the contract's doctor of the day.
    pub default_member: Option<Uuid>,
}

/// A visit as the household page lists it, with who served and how.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitRow {
    pub visit_id: Uuid,
    pub resident_id: Uuid,
    pub resident_name: String,
    pub kind: VisitKind,
    pub kind_label: String,
    pub mode: VisitMode,
    pub mode_label: String,
    pub occurred_at: DateTime<Utc>,
    /// Who served: none on visits recorded before it was asked (they count for the contract's
    /// doctor of the day).
    pub served_by: Option<Uuid>,
    /// Their name and role as this device's teams give them; empty when not known here.
    pub served_by_name: String,
    pub served_by_role: String,
    /// The record sheet's answers in one line (label：answer；…); empty when it had none.
    pub form_summary: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct NextDue {
    pub item_code: String,
    pub occurrence: u32,
    pub opens_on: NaiveDate,
    pub due_by: NaiveDate,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitOutcome {
    pub visit_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub bmi: Option<f64>,
    pub bp_on_target: Option<bool>,
    pub glucose_on_target: Option<bool>,
    /// When the same item is owed next, if it is owed again in the term.
    pub next_due: Option<NextDue>,
}

/// A contract covering a resident on a day: its term in force and the packages they hold.
struct Covering {
    record: ContractRecord,
    in_force: TermInForce,
    packages: Vec<String>,
}

impl Api {
    pub fn record_visit(&mut self, request: &VisitRequest) -> ApiResult<VisitOutcome> {
        let now = self.now();
        let occurred_at = request.occurred_at.unwrap_or(now);
        validate_visit(&request.vitals, occurred_at, &request.notes, now)
            .map_err(|e| self.fail(e))?;
        let resident = self
            .store
            .resident(request.resident_id)
            .map_err(|e| self.fail(e))?;
        let day = china_date(occurred_at);
        let covering = self.covering_on(resident.id, resident.household_id, day)?;
        let (team, contract_doctor) = self.team_on(&covering, resident.household_id, day)?;
        // Nothing is saved when the person named is not in the team answering that day.
        let served_by = match request.served_by {
            Some(member) => Some(
                check_served_by(team.as_ref(), member)
                    .map_err(|e| self.fail(e))?
                    .id,
            ),
            None => default_served_by(team.as_ref(), self.enrolled_doctor()?, contract_doctor),
        };
        let (fulfils, kind, owed) = match request
            .item_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => {
                let (item_ref, kind, owed) = self.find_owed_item(&covering, resident.id, code)?;
                (Some(item_ref), kind, Some(owed))
            }
            None => {
                let kind = request.kind.ok_or_else(|| {
                    self.fail(ApiError::invalid(
                        "required",
                        "请选择服务项目或服务类型",
                        "choose a service item or a kind of visit",
                    ))
                })?;
                (None, kind, None)
            }
        };
        let form = self.form_record(kind, &request.answers, &request.vitals, day)?;
        let visit = Visit {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            served_by,
            kind,
            mode: request.mode,
            occurred_at,
            recorded_at: now,
            fulfils,
            vitals: request.vitals,
            notes: request.notes.trim().to_string(),
            form,
        };
        self.store
            .record_visit(&visit, now)
            .map_err(|e| self.fail(e))?;
        let next_due = match owed {
            Some(owed) => self.next_due_after(&owed, resident.household_id, day)?,
            None => None,
        };
        Ok(VisitOutcome {
            visit_id: visit.id,
            recorded_at: now,
            bmi: visit.vitals.bmi(),
            bp_on_target: visit.vitals.bp_on_target(),
            glucose_on_target: visit.vitals.glucose_on_target(),
            next_due,
        })
    }

    /// The team answering for a resident on a day, its members and who is proposed as having
    /// served (`day`: today when none).
    pub fn visit_team(&self, resident_id: Uuid, day: Option<NaiveDate>) -> ApiResult<VisitTeam> {
        let day = day.unwrap_or_else(|| china_date(self.now()));
        let resident = self.store.resident(resident_id).map_err(|e| self.fail(e))?;
        let covering = self.covering_on(resident.id, resident.household_id, day)?;
        let (team, contract_doctor) = self.team_on(&covering, resident.household_id, day)?;
        let default_member =
            default_served_by(team.as_ref(), self.enrolled_doctor()?, contract_doctor);
        Ok(VisitTeam {
            team_id: team.as_ref().map(|t| t.id),
            team_name: team.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            members: team
                .iter()
                .flat_map(|t| &t.members)
                .map(|m| ServingMember {
                    id: m.id,
                    name: m.name.clone(),
                    role: m.role,
                    role_label: m.role.label(self.lang).to_string(),
                })
                .collect(),
            default_member,
        })
    }

    /// The household's visits, newest first, with who served and how.
    pub fn household_visits(&self, household_id: Uuid) -> ApiResult<Vec<VisitRow>> {
        let household = self
            .store
            .household(household_id)
            .map_err(|e| self.fail(e))?;
        let teams = self.store.teams().map_err(|e| self.fail(e))?;
        let member = |id: Uuid| {
            teams
                .iter()
                .find_map(|t| t.member(id))
                .map(|m| (m.name.clone(), m.role.label(self.lang).to_string()))
        };
        let forms = FormSet::current().map_err(|e| self.fail(form_error(e)))?;
        let mut rows = Vec::new();
        for resident in &household.members {
            let visits = self
                .store
                .visits_of_resident(resident.id)
                .map_err(|e| self.fail(e))?;
            for v in visits {
                let (served_by_name, served_by_role) =
                    v.served_by.and_then(member).unwrap_or_default();
                rows.push(VisitRow {
                    visit_id: v.id,
                    resident_id: resident.id,
                    resident_name: resident.name.clone(),
                    kind: v.kind,
                    kind_label: v.kind.label(self.lang).to_string(),
                    mode: v.mode,
                    mode_label: v.mode.label(self.lang).to_string(),
                    occurred_at: v.occurred_at,
                    served_by: v.served_by,
                    served_by_name,
                    served_by_role,
                    form_summary: form_summary(&forms, &v, self.lang),
                });
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.occurred_at));
        self.note("read", "household", &household_id.to_string())?;
        Ok(rows)
    }

    /// The record sheet's answers of a visit of `kind`, completed and checked against the
    /// current form of that kind; nothing when the kind has no form (and no answers are taken
    /// then).
    fn form_record(
        &self,
        kind: VisitKind,
        answers: &Answers,
        vitals: &Vitals,
        day: NaiveDate,
    ) -> ApiResult<Option<FormRecord>> {
        let forms = FormSet::current().map_err(|e| self.fail(form_error(e)))?;
        match forms.form(kind) {
            Some(form) => {
                let answers = form
                    .complete(answers, vitals, day)
                    .map_err(|e| self.fail(form_error(e)))?;
                Ok(Some(FormRecord {
                    version: forms.version.clone(),
                    answers,
                }))
            }
            None if answers.is_empty() => Ok(None),
            None => Err(self.fail(form_error(FormError::NoForm(
                kind.label(Lang::En).to_string(),
            )))),
        }
    }

    fn enrolled_doctor(&self) -> ApiResult<Option<Uuid>> {
        Ok(self
            .store
            .enrollment()
            .map_err(|e| self.fail(e))?
            .map(|e| e.doctor_id))
    }

    /// The contracts in force on `day` that cover the resident, each with its term in force
    /// and the packages the resident holds under it that day: signed for them, or given since
    /// by the year's amendments (a maternal package at a pregnancy, a newborn's packages).
    fn covering_on(
        &self,
        resident_id: Uuid,
        household_id: Uuid,
        day: NaiveDate,
    ) -> ApiResult<Vec<Covering>> {
        let fail = |e| self.fail(e);
        let by_year = self
            .store
            .coverage_by_year_on(day, Some(household_id))
            .map_err(fail)?;
        let contracts = self
            .store
            .contracts_of_household(household_id)
            .map_err(fail)?;
        let mut out = Vec::new();
        for record in contracts {
            // The term in force on the day: a renewed term owes its items afresh.
            let Some(in_force) = record.term_on(day) else {
                continue;
            };
            let packages: Vec<String> = match by_year.get(&record.contract.id) {
                Some(covered) => covered
                    .iter()
                    .filter(|c| c.resident_id == resident_id)
                    .flat_map(|c| c.package_codes.iter().cloned())
                    .collect(),
                None => record
                    .contract
                    .members
                    .iter()
                    .filter(|m| m.resident_id == resident_id)
                    .flat_map(|m| m.package_codes.iter().cloned())
                    .collect(),
            };
            if !packages.is_empty() {
                out.push(Covering {
                    record,
                    in_force,
                    packages,
                });
            }
        }
        Ok(out)
    }

    /// The team answering for a resident on a day — the team of the contract covering them,
    /// else the team serving their village — and the contract's doctor that day.
    fn team_on(
        &self,
        covering: &[Covering],
        household_id: Uuid,
        day: NaiveDate,
    ) -> ApiResult<(Option<Team>, Option<Uuid>)> {
        if let Some(c) = covering.first() {
            let team = self
                .store
                .team(c.record.contract.team_id)
                .map_err(|e| self.fail(e))?;
            return Ok((Some(team), Some(c.record.state_on(day).doctor_id)));
        }
        let village = self
            .store
            .household(household_id)
            .map_err(|e| self.fail(e))?
            .household
            .village_id;
        let team = self
            .store
            .team_for_village(village)
            .map_err(|e| self.fail(e))?;
        Ok((team, None))
    }

    /// The kind of visit of a service item owed to a resident today, or the kind given.
    pub(crate) fn kind_of(
        &self,
        resident_id: Uuid,
        item_code: Option<&str>,
        kind: Option<VisitKind>,
    ) -> ApiResult<VisitKind> {
        match item_code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                let resident = self.store.resident(resident_id).map_err(|e| self.fail(e))?;
                let day = china_date(self.now());
                let covering = self.covering_on(resident.id, resident.household_id, day)?;
                Ok(self.find_owed_item(&covering, resident.id, code)?.1)
            }
            None => kind.ok_or_else(|| {
                self.fail(ApiError::invalid(
                    "required",
                    "请选择服务项目或服务类型",
                    "choose a service item or a kind of visit",
                ))
            }),
        }
    }

    /// The covering contract that owes `item_code` to the resident, and the kind of visit the
    /// catalog names for it.
    fn find_owed_item(
        &self,
        covering: &[Covering],
        resident_id: Uuid,
        item_code: &str,
    ) -> ApiResult<(ItemRef, VisitKind, OwedItem)> {
        for c in covering {
            let catalog: Catalog = self
                .store
                .catalog(&c.record.contract.catalog_version)
                .map_err(|e| self.fail(e))?;
            for package_code in &c.packages {
                let items = catalog
                    .effective_items(package_code)
                    .map_err(|e| self.fail(e))?;
                if let Some((package, item)) = items.into_iter().find(|(_, i)| i.code == item_code)
                {
                    let item_ref = ItemRef {
                        contract_id: c.record.contract.id,
                        package_code: package.code.clone(),
                        item_code: item.code.clone(),
                    };
                    let owed = OwedItem {
                        contract_id: c.record.contract.id,
                        resident_id,
                        package_code: package.code.clone(),
                        item_code: item.code.clone(),
                        times_per_year: item.times_per_year,
                        term: c.in_force.term,
                        covered_until: c.in_force.last_day,
                    };
                    return Ok((item_ref, item.visit_kind, owed));
                }
            }
        }
        Err(self.fail(jiayi_core::CoreError::ItemNotInContract))
    }

    /// When the item just served is owed next: the first occurrence the schedule (its anchors
    /// and windows) still has open after this visit, if any remains while the contract covers.
    fn next_due_after(
        &self,
        owed: &OwedItem,
        household_id: Uuid,
        day: NaiveDate,
    ) -> ApiResult<Option<NextDue>> {
        if owed.times_per_year == 0 {
            return Ok(None);
        }
        let scheduled = self
            .store
            .owed_items_of(day, Some(household_id))
            .map_err(|e| self.fail(e))?;
        Ok(scheduled
            .iter()
            .find(|s| {
                s.owed.contract_id == owed.contract_id
                    && s.owed.resident_id == owed.resident_id
                    && s.owed.item_code == owed.item_code
            })
            .and_then(|s| s.next_open())
            .map(|(occurrence, window)| NextDue {
                item_code: owed.item_code.clone(),
                occurrence,
                opens_on: window.opens_on,
                due_by: window.due_by,
            }))
    }
}

pub(crate) fn form_error(e: FormError) -> ApiError {
    ApiError::new(e.code(), &e.message(Lang::Zh), &e.message(Lang::En))
}

/// A visit's form answers in one line, labelled as the form of its version labels them (the
/// current forms when they are of that version, else the field codes).
fn form_summary(forms: &FormSet, visit: &Visit, lang: Lang) -> String {
    let Some(record) = &visit.form else {
        return String::new();
    };
    let form = forms
        .form(visit.kind)
        .filter(|_| forms.version == record.version);
    match form {
        Some(form) => form.summary(&record.answers, lang),
        None => record
            .answers
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.plain()))
            .collect::<Vec<_>>()
            .join("; "),
    }
}
