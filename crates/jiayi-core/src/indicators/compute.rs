//! The formulas. [`evaluate`] walks the dataset once and says, for every indicator, who is
//! counted (the denominator) and whether they count as a success (the numerator). Totals,
//! rows per village/team/doctor and drill-downs are all read from that one walk, so a figure
//! and the list of people behind it can never disagree.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::dataset::{ContractInfo, Dataset, VisitInfo};
use super::{Figure, IndicatorKind, Level, Params, Report, Targets, UnitFigures, year_window};
use crate::catalog::StandardService;
use crate::person::PopulationGroup;
use crate::schedule::plan::{Anchors, fulfilled, owed_by, plan};
use crate::visit::VisitKind;

/// Who or what a contribution is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    #[serde(rename_all = "snake_case")]
    Resident { resident_id: Uuid },
    #[serde(rename_all = "snake_case")]
    Household { household_id: Uuid },
    /// The k-th occurrence of an owed item.
    #[serde(rename_all = "snake_case")]
    Occurrence {
        resident_id: Uuid,
        contract_id: Uuid,
        package_code: String,
        item_code: String,
        occurrence: u32,
        times_per_year: u32,
        opens_on: NaiveDate,
        due_by: NaiveDate,
    },
}

/// The rows a contribution is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Units {
    pub village: Option<Uuid>,
    pub team: Option<Uuid>,
    pub doctor: Option<Uuid>,
}

impl Units {
    pub fn at(&self, level: Level) -> Option<Uuid> {
        match level {
            Level::Township => None,
            Level::Village => self.village,
            Level::Team => self.team,
            Level::Doctor => self.doctor,
        }
    }
}

/// A subject as the walk meets it, borrowing from the dataset (no copies while counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectRef<'a> {
    Resident(Uuid),
    Household(Uuid),
    Occurrence {
        resident_id: Uuid,
        contract_id: Uuid,
        package_code: &'a str,
        item_code: &'a str,
        occurrence: u32,
        times_per_year: u32,
        opens_on: NaiveDate,
        due_by: NaiveDate,
    },
}

impl SubjectRef<'_> {
    pub fn to_subject(&self) -> Subject {
        match *self {
            SubjectRef::Resident(resident_id) => Subject::Resident { resident_id },
            SubjectRef::Household(household_id) => Subject::Household { household_id },
            SubjectRef::Occurrence {
                resident_id,
                contract_id,
                package_code,
                item_code,
                occurrence,
                times_per_year,
                opens_on,
                due_by,
            } => Subject::Occurrence {
                resident_id,
                contract_id,
                package_code: package_code.to_string(),
                item_code: item_code.to_string(),
                occurrence,
                times_per_year,
                opens_on,
                due_by,
            },
        }
    }
}

/// One subject counted in one indicator's denominator; `hit` puts it in the numerator too.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution<'a> {
    pub kind: IndicatorKind,
    pub subject: SubjectRef<'a>,
    pub units: Units,
    pub hit: bool,
    /// The contract behind it: the one covering a resident, or the occurrence's.
    pub contract_id: Option<Uuid>,
}

/// A line of a drill-down: a subject counted in a figure, and whether it is in the numerator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DrillRow {
    pub subject: Subject,
    pub hit: bool,
    pub contract_id: Option<Uuid>,
    pub units: Units,
}

/// Indexes built once per evaluation.
struct Prepared<'a> {
    ds: &'a Dataset,
    village_of_household: HashMap<Uuid, Uuid>,
    village_defaults: HashMap<Uuid, (Option<Uuid>, Option<Uuid>)>,
    resident_village: HashMap<Uuid, Uuid>,
    /// Resident → what their items are anchored on (birth date, dated group periods).
    anchors: HashMap<Uuid, Anchors<'a>>,
    /// Residents who head their household (items owed once per household are theirs).
    heads: std::collections::HashSet<Uuid>,
    /// Resident → index of the contract covering them on the as-of day.
    cover: HashMap<Uuid, usize>,
    /// Resident → their visits, by day.
    visits: HashMap<Uuid, Vec<&'a VisitInfo>>,
    /// (contract, resident, item) → days of visits that fulfilled it, sorted.
    item_days: HashMap<(Uuid, Uuid, &'a str), Vec<NaiveDate>>,
    /// Contract id → its index.
    contract_index: HashMap<Uuid, usize>,
    /// Resident → indexes of the contracts that name them.
    contracts_of: HashMap<Uuid, Vec<usize>>,
    /// Resident id → the resident.
    resident_by_id: HashMap<Uuid, &'a super::dataset::ResidentInfo>,
    /// (contract, item) pairs whose item is the 65+ annual check.
    elderly_checks: std::collections::HashSet<(Uuid, &'a str)>,
}

impl<'a> Prepared<'a> {
    fn new(ds: &'a Dataset, as_of: NaiveDate) -> Prepared<'a> {
        let village_of_household: HashMap<Uuid, Uuid> =
            ds.households.iter().map(|h| (h.id, h.village_id)).collect();
        let village_defaults = ds
            .villages
            .iter()
            .map(|v| (v.id, (v.team_id, v.doctor_id)))
            .collect();
        let resident_village = ds
            .residents
            .iter()
            .filter_map(|r| Some((r.id, *village_of_household.get(&r.household_id)?)))
            .collect();
        let anchors = ds
            .residents
            .iter()
            .map(|r| {
                let anchors = Anchors {
                    birth_date: r.birth_date,
                    periods: &r.periods,
                };
                (r.id, anchors)
            })
            .collect();
        let mut cover = HashMap::new();
        let mut contract_index = HashMap::new();
        let mut contracts_of: HashMap<Uuid, Vec<usize>> = HashMap::new();
        let mut elderly_checks = std::collections::HashSet::new();
        for (index, contract) in ds.contracts.iter().enumerate() {
            contract_index.entry(contract.id).or_insert(index);
            for member in &contract.members {
                contracts_of
                    .entry(member.resident_id)
                    .or_default()
                    .push(index);
                for item in &member.items {
                    if item.standard == Some(StandardService::ElderlyHealthCheck) {
                        elderly_checks.insert((contract.id, item.item_code.as_str()));
                    }
                }
            }
            if contract.covers_on(as_of) {
                for member in contract.members.iter().filter(|m| m.covers(as_of)) {
                    // At most one contract covers a resident on a day; keep the first if
                    // records from several devices ever disagree.
                    cover.entry(member.resident_id).or_insert(index);
                }
            }
        }
        let mut visits: HashMap<Uuid, Vec<&VisitInfo>> = HashMap::new();
        let mut item_days: HashMap<(Uuid, Uuid, &str), Vec<NaiveDate>> = HashMap::new();
        for visit in &ds.visits {
            visits.entry(visit.resident_id).or_default().push(visit);
            if let (Some(contract), Some(item)) = (visit.contract_id, visit.item_code.as_deref()) {
                item_days
                    .entry((contract, visit.resident_id, item))
                    .or_default()
                    .push(visit.on);
            }
        }
        for list in visits.values_mut() {
            list.sort_by_key(|v| v.on);
        }
        for days in item_days.values_mut() {
            days.sort();
        }
        Prepared {
            ds,
            village_of_household,
            village_defaults,
            resident_village,
            anchors,
            heads: ds
                .residents
                .iter()
                .filter(|r| r.head)
                .map(|r| r.id)
                .collect(),
            cover,
            visits,
            item_days,
            contract_index,
            contracts_of,
            elderly_checks,
            resident_by_id: ds.residents.iter().map(|r| (r.id, r)).collect(),
        }
    }

    fn resident(&self, id: Uuid) -> Option<&'a super::dataset::ResidentInfo> {
        self.resident_by_id.get(&id).copied()
    }

    /// Whether a visit is the 65+ annual check of the national standard: recorded for the
    /// catalog item marked as that service, or a health check recorded without an item (a
    /// resident no contract covers). The chronic diseases' annual checks and paid extended
    /// checks are other items and do not count.
    fn is_elderly_check(&self, visit: &VisitInfo) -> bool {
        match (visit.contract_id, visit.item_code.as_deref()) {
            (Some(contract), Some(item)) => self.elderly_checks.contains(&(contract, item)),
            _ => visit.kind == VisitKind::HealthCheck,
        }
    }

    /// The contract covering a resident on a day, if any.
    fn covering(&self, resident: Uuid, day: NaiveDate) -> Option<&'a ContractInfo> {
        self.contracts_of
            .get(&resident)?
            .iter()
            .map(|&i| &self.ds.contracts[i])
            .find(|c| {
                c.covers_on(day)
                    && c.members
                        .iter()
                        .any(|m| m.resident_id == resident && m.covers(day))
            })
    }

    /// The rows a delivered service counts in: the resident's village; the team answering for
    /// the resident that day (the covering contract's, else the village's); the one who served,
    /// or for a visit recorded without it, the contract's doctor of the day (the village's
    /// family doctor when no contract covered the resident). `None` when the resident is not
    /// on the register.
    fn service_units(&self, visit: &VisitInfo) -> Option<Units> {
        let village = *self.resident_village.get(&visit.resident_id)?;
        let contract = visit
            .contract_id
            .and_then(|id| self.contract_index.get(&id))
            .map(|&i| &self.ds.contracts[i])
            .or_else(|| self.covering(visit.resident_id, visit.on));
        let mut units = self.units(village, contract, visit.on);
        if let Some(who) = visit.served_by {
            units.doctor = Some(who);
        }
        Some(units)
    }

    /// Units of a resident or household in a village, signed under `contract` or not.
    fn units(&self, village: Uuid, contract: Option<&ContractInfo>, day: NaiveDate) -> Units {
        match contract {
            Some(c) => Units {
                village: Some(village),
                team: Some(c.team_id),
                doctor: Some(c.doctor_on(day)),
            },
            None => {
                let (team, doctor) = self
                    .village_defaults
                    .get(&village)
                    .copied()
                    .unwrap_or_default();
                Units {
                    village: Some(village),
                    team,
                    doctor,
                }
            }
        }
    }
}

/// Walks the dataset for the period and reports every contribution to `sink`.
pub fn evaluate(ds: &Dataset, params: &Params, sink: &mut dyn FnMut(&Contribution<'_>)) {
    let prepared = Prepared::new(ds, params.as_of());
    walk(&prepared, params, sink);
}

fn walk(prepared: &Prepared<'_>, params: &Params, sink: &mut dyn FnMut(&Contribution<'_>)) {
    let as_of = params.as_of();
    residents(prepared, as_of, sink);
    households(prepared, as_of, sink);
    occurrences(prepared, params, as_of, sink);
    renewals(prepared, params, sink);
    contracts_served(prepared, params, sink);
    referrals(prepared, params, sink);
    surveys(prepared, params, sink);
}

/// Every service delivered in the period (a visit of any kind and mode, from the period's
/// first day to the as-of day, to a resident on the register) with the rows it counts in.
fn services(p: &Prepared<'_>, params: &Params, sink: &mut dyn FnMut(Units)) {
    let (from, to) = (params.period.start, params.as_of());
    for visit in p.ds.visits.iter().filter(|v| from <= v.on && v.on <= to) {
        if let Some(units) = p.service_units(visit) {
            sink(units);
        }
    }
}

fn residents(p: &Prepared<'_>, as_of: NaiveDate, sink: &mut dyn FnMut(&Contribution<'_>)) {
    let (year_start, _) = year_window(as_of);
    for resident in &p.ds.residents {
        let Some(&village) = p.resident_village.get(&resident.id) else {
            continue; // household not on the register
        };
        if resident.birth_date.is_some_and(|b| b > as_of) {
            continue; // not born yet on the as-of day
        }
        if !resident.member_on(as_of) {
            continue; // died, moved away, or not joined yet on the as-of day
        }
        let contract_index = p.cover.get(&resident.id).copied();
        let contract = contract_index.map(|i| &p.ds.contracts[i]);
        let signed = contract.is_some();
        let units = p.units(village, contract, as_of);
        let groups = resident.groups_on(as_of);
        let mut emit = |kind: IndicatorKind, hit: bool| {
            sink(&Contribution {
                kind,
                subject: SubjectRef::Resident(resident.id),
                units,
                hit,
                contract_id: contract.map(|c| c.id),
            })
        };
        emit(IndicatorKind::Signing, signed);
        if groups.iter().any(|g| g.is_key()) {
            emit(IndicatorKind::KeyGroupSigning, signed);
        }
        let has = |g: PopulationGroup| groups.contains(&g);
        if has(PopulationGroup::Hypertension) || has(PopulationGroup::Diabetes) {
            emit(IndicatorKind::KeyChronicSigning, signed);
        }
        if groups.iter().any(|g| g.is_special()) {
            emit(IndicatorKind::SpecialGroupSigning, signed);
        }
        for g in &groups {
            emit(IndicatorKind::GroupSigning(*g), signed);
        }

        let visits: &[&VisitInfo] = p.visits.get(&resident.id).map(Vec::as_slice).unwrap_or(&[]);
        let in_year = |v: &&&VisitInfo| year_start <= v.on && v.on <= as_of;
        for (group, kind, [standard, control, standard_signed, control_signed]) in [
            (
                PopulationGroup::Hypertension,
                VisitKind::HypertensionFollowUp,
                [
                    IndicatorKind::HypertensionStandardManagement,
                    IndicatorKind::HypertensionControl,
                    IndicatorKind::HypertensionStandardManagementSigned,
                    IndicatorKind::HypertensionControlSigned,
                ],
            ),
            (
                PopulationGroup::Diabetes,
                VisitKind::DiabetesFollowUp,
                [
                    IndicatorKind::DiabetesStandardManagement,
                    IndicatorKind::DiabetesControl,
                    IndicatorKind::DiabetesStandardManagementSigned,
                    IndicatorKind::DiabetesControlSigned,
                ],
            ),
        ] {
            if !has(group) {
                continue;
            }
            let follow_ups: Vec<&&VisitInfo> = visits
                .iter()
                .filter(in_year)
                .filter(|v| v.kind == kind)
                .collect();
            // Standard management counts face-to-face follow-ups only (national standard):
            // a phone call is a follow-up for control, not for the four a year.
            let mut days: Vec<NaiveDate> = follow_ups
                .iter()
                .filter(|v| v.mode.is_face_to_face())
                .map(|v| v.on)
                .collect();
            days.dedup(); // visits are sorted by day: two on one day count once
            let since = resident.group_since(group, as_of).unwrap_or(year_start);
            let managed = days.len() >= required_follow_ups(since, as_of);
            let reading = |v: &&&VisitInfo| match group {
                PopulationGroup::Hypertension => v.bp_on_target,
                _ => v.glucose_on_target,
            };
            let controlled = follow_ups.iter().rev().find_map(reading) == Some(true);
            // Every patient under management in the area, and the signed ones beside them.
            emit(standard, managed);
            emit(control, controlled);
            if signed {
                emit(standard_signed, managed);
                emit(control_signed, controlled);
            }
        }
        if has(PopulationGroup::Elderly65) {
            let checked = visits.iter().filter(in_year).any(|v| p.is_elderly_check(v));
            emit(IndicatorKind::ElderlyHealthManagement, checked);
        }
    }
}

/// Face-to-face follow-ups the standard asks of a patient in the twelve months to the as-of
/// day: four; for a patient whose group began inside those months (diagnosed, or come to the
/// area), one for each quarter of 91 days begun since, at most four.
pub fn required_follow_ups(since: NaiveDate, as_of: NaiveDate) -> usize {
    let (year_start, _) = year_window(as_of);
    let from = since.max(year_start);
    let days = (as_of - from).num_days().max(0) + 1;
    ((days + 90) / 91).clamp(1, 4) as usize
}

/// Renewal: each member covered on the last day of a term that ran its course in the period
/// (not cut short by a termination), still on the register the day after, counts; covered by
/// any contract the day after is a renewal. The day after must have come by the report's day.
fn renewals(p: &Prepared<'_>, params: &Params, sink: &mut dyn FnMut(&Contribution<'_>)) {
    let (from, to) = (params.period.start, params.period.end);
    for contract in &p.ds.contracts {
        for in_force in contract.terms_until(params.reference) {
            let last = in_force.last_day;
            if last != in_force.term.end || last < from || last > to || last >= params.reference {
                continue;
            }
            let next = last + chrono::Days::new(1);
            for member in contract.members.iter().filter(|m| m.covers(last)) {
                let Some(&village) = p.resident_village.get(&member.resident_id) else {
                    continue;
                };
                let Some(resident) = p.resident(member.resident_id) else {
                    continue;
                };
                if !resident.member_on(last) || !resident.member_on(next) {
                    continue; // died or moved away: nobody left to renew
                }
                sink(&Contribution {
                    kind: IndicatorKind::Renewal,
                    subject: SubjectRef::Resident(member.resident_id),
                    units: p.units(village, Some(contract), last),
                    hit: p.covering(member.resident_id, next).is_some(),
                    contract_id: Some(contract.id),
                });
            }
        }
    }
}

/// Days a contract must have run by the as-of day before "not served" is held against it.
pub const SERVED_GRACE_DAYS: u64 = 30;

/// Signed households served: each contract covering on the as-of day that began at least
/// [`SERVED_GRACE_DAYS`] before, and whether any member it covered had a service (any visit)
/// from the period's start, or the contract's, to the as-of day.
fn contracts_served(p: &Prepared<'_>, params: &Params, sink: &mut dyn FnMut(&Contribution<'_>)) {
    let as_of = params.as_of();
    for contract in &p.ds.contracts {
        if !contract.covers_on(as_of)
            || contract.term.start + chrono::Days::new(SERVED_GRACE_DAYS) > as_of
        {
            continue;
        }
        let Some(&village) = p.village_of_household.get(&contract.household_id) else {
            continue;
        };
        let from = params.period.start.max(contract.term.start);
        let served = contract.members.iter().any(|m| {
            p.visits.get(&m.resident_id).is_some_and(|visits| {
                visits
                    .iter()
                    .any(|v| from <= v.on && v.on <= as_of && m.covers(v.on))
            })
        });
        sink(&Contribution {
            kind: IndicatorKind::ContractsServed,
            subject: SubjectRef::Household(contract.household_id),
            units: p.units(village, Some(contract), as_of),
            hit: served,
            contract_id: Some(contract.id),
        });
    }
}

fn households(p: &Prepared<'_>, as_of: NaiveDate, sink: &mut dyn FnMut(&Contribution<'_>)) {
    // A household counts when it has a member on the register (born by the as-of day).
    let mut members: HashMap<Uuid, Option<usize>> = HashMap::new();
    for r in &p.ds.residents {
        if r.birth_date.is_some_and(|b| b > as_of) || !r.member_on(as_of) {
            continue;
        }
        let slot = members.entry(r.household_id).or_insert(None);
        if slot.is_none() {
            *slot = p.cover.get(&r.id).copied();
        }
    }
    for household in &p.ds.households {
        let Some(cover) = members.get(&household.id) else {
            continue;
        };
        let Some(&village) = p.village_of_household.get(&household.id) else {
            continue;
        };
        let contract = cover.map(|i| &p.ds.contracts[i]);
        sink(&Contribution {
            kind: IndicatorKind::HouseholdSigning,
            subject: SubjectRef::Household(household.id),
            units: p.units(village, contract, as_of),
            hit: contract.is_some(),
            contract_id: contract.map(|c| c.id),
        });
    }
}

/// Referrals out of residents on the register, made from the period's first day to the as-of
/// day; returned by the as-of day is a hit. Each counts for the resident's village, the team
/// covering them that day (the village's otherwise) and the doctor who referred them (the
/// contract's doctor of the day when the record names none).
fn referrals(p: &Prepared<'_>, params: &Params, sink: &mut dyn FnMut(&Contribution<'_>)) {
    let (from, as_of) = (params.period.start, params.as_of());
    for out in &p.ds.referrals_out {
        if out.referred_on < from || out.referred_on > as_of {
            continue;
        }
        let Some(&village) = p.resident_village.get(&out.resident_id) else {
            continue;
        };
        let contract = p.covering(out.resident_id, out.referred_on);
        let mut units = p.units(village, contract, out.referred_on);
        if let Some(doctor) = out.doctor_id {
            units.doctor = Some(doctor);
        }
        let returned = p.ds.referrals_back.iter().any(|back| {
            back.referral_id == out.id
                && back.resident_id == out.resident_id
                && back.returned_on <= as_of
        });
        sink(&Contribution {
            kind: IndicatorKind::ReferralsReturned,
            subject: SubjectRef::Resident(out.resident_id),
            units,
            hit: returned,
            contract_id: contract.map(|c| c.id),
        });
    }
}

/// Survey coverage (each contract covering on the as-of day, surveyed in the contract year in
/// force then) and satisfaction (each household surveyed in the period, once per contract year:
/// a hit when its score is at least 50 of 100, an average answer of 基本满意 or better).
fn surveys(p: &Prepared<'_>, params: &Params, sink: &mut dyn FnMut(&Contribution<'_>)) {
    let (from, as_of) = (params.period.start, params.as_of());
    let counted = super::services::surveys_counted(&p.ds.surveys);
    for contract in &p.ds.contracts {
        let Some(in_force) = contract.term_on(as_of) else {
            continue;
        };
        let Some(&village) = p.village_of_household.get(&contract.household_id) else {
            continue;
        };
        let surveyed = counted.iter().any(|s| {
            s.contract_id == contract.id
                && s.contract_year_start == in_force.term.start
                && s.surveyed_on <= as_of
        });
        sink(&Contribution {
            kind: IndicatorKind::SurveyCoverage,
            subject: SubjectRef::Household(contract.household_id),
            units: p.units(village, Some(contract), as_of),
            hit: surveyed,
            contract_id: Some(contract.id),
        });
    }
    for survey in counted {
        if survey.surveyed_on < from || survey.surveyed_on > as_of {
            continue;
        }
        let Some(&village) = p.village_of_household.get(&survey.household_id) else {
            continue;
        };
        let contract = p
            .contract_index
            .get(&survey.contract_id)
            .map(|&i| &p.ds.contracts[i]);
        let mut units = p.units(village, contract, survey.surveyed_on);
        if let Some(doctor) = survey.doctor_id {
            units.doctor = Some(doctor);
        }
        sink(&Contribution {
            kind: IndicatorKind::Satisfaction,
            subject: SubjectRef::Household(survey.household_id),
            units,
            hit: survey.score() >= 50.0,
            contract_id: contract.map(|c| c.id),
        });
    }
}

/// Days a window opened in a term may reach past the term's end (the longest window in a
/// catalog is two months).
const WINDOW_REACH_DAYS: u64 = 120;

fn occurrences(
    p: &Prepared<'_>,
    params: &Params,
    as_of: NaiveDate,
    sink: &mut dyn FnMut(&Contribution<'_>),
) {
    let from = params.period.start;
    for contract in &p.ds.contracts {
        // Items are owed for each term in force (the signed one and every automatic renewal)
        // that overlaps the period.
        for in_force in contract.terms_until(as_of) {
            let term = in_force.term;
            let covered_until = in_force.last_day;
            // A window that opened in the term may close up to a few months after it.
            if covered_until + chrono::Days::new(WINDOW_REACH_DAYS) < from {
                continue;
            }
            for member in &contract.members {
                let Some(&village) = p.resident_village.get(&member.resident_id) else {
                    continue; // removed from the register: nothing is owed to them here
                };
                let anchors = p
                    .anchors
                    .get(&member.resident_id)
                    .copied()
                    .unwrap_or_default();
                let is_head = p.heads.contains(&member.resident_id);
                for item in &member.items {
                    if !owed_by(&item.schedule, is_head) {
                        continue; // owed once per household, by its head
                    }
                    let days = p
                        .item_days
                        .get(&(contract.id, member.resident_id, item.item_code.as_str()))
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    // The schedule's one rule: what the term owes, and which visits up to the
                    // as-of day fulfilled it.
                    let owed = plan(
                        &item.schedule,
                        item.times_per_year,
                        &anchors,
                        &term,
                        in_force.renewal == 0,
                        covered_until,
                    );
                    let done = fulfilled(&owed, days, as_of);
                    let n = owed.occurrences.len() as u32;
                    for (index, occurrence) in owed.occurrences.iter().enumerate() {
                        let due_by = occurrence.due_by;
                        // Owed when its deadline falls in the period on a day the contract
                        // still covered the member.
                        if due_by < from
                            || due_by > as_of
                            || !contract.covers_on(due_by)
                            || !member.covers(due_by)
                        {
                            continue;
                        }
                        sink(&Contribution {
                            kind: IndicatorKind::Fulfilment,
                            subject: SubjectRef::Occurrence {
                                resident_id: member.resident_id,
                                contract_id: contract.id,
                                package_code: &item.package_code,
                                item_code: &item.item_code,
                                occurrence: index as u32 + 1,
                                times_per_year: n,
                                opens_on: occurrence.opens_on,
                                due_by,
                            },
                            units: Units {
                                village: Some(village),
                                team: Some(contract.team_id),
                                doctor: Some(contract.doctor_on(due_by)),
                            },
                            hit: done[index].is_some(),
                            contract_id: Some(contract.id),
                        });
                    }
                }
            }
        }
    }
}

/// Every indicator for the period, per unit of `level`, with the township's totals.
pub fn compute(ds: &Dataset, params: &Params, targets: &Targets, level: Level) -> Report {
    let kinds = IndicatorKind::all();
    let mut total = [(0u64, 0u64); IndicatorKind::COUNT];
    let mut by_unit: HashMap<Option<Uuid>, [(u64, u64); IndicatorKind::COUNT]> = HashMap::new();
    let prepared = Prepared::new(ds, params.as_of());
    let mut services_total = 0u64;
    let mut services_by_unit: HashMap<Option<Uuid>, u64> = HashMap::new();
    services(&prepared, params, &mut |units| {
        services_total += 1;
        if level != Level::Township {
            *services_by_unit.entry(units.at(level)).or_default() += 1;
        }
    });
    walk(&prepared, params, &mut |c| {
        let i = c.kind.index();
        let hit = u64::from(c.hit);
        total[i].0 += hit;
        total[i].1 += 1;
        if level != Level::Township {
            let row = by_unit
                .entry(c.units.at(level))
                .or_insert([(0, 0); IndicatorKind::COUNT]);
            row[i].0 += hit;
            row[i].1 += 1;
        }
    });
    let figures = |row: &[(u64, u64); IndicatorKind::COUNT]| -> Vec<Figure> {
        kinds
            .iter()
            .map(|k| {
                let (num, den) = row[k.index()];
                Figure::new(*k, num, den, targets.for_kind(*k))
            })
            .collect()
    };
    // Every village and team gets a row; team members only when someone is counted for them
    // or they delivered a service.
    for unit in services_by_unit.keys() {
        by_unit
            .entry(*unit)
            .or_insert([(0, 0); IndicatorKind::COUNT]);
    }
    let mut named: Vec<(Option<Uuid>, String, String)> = match level {
        Level::Township => vec![],
        Level::Village => ds
            .villages
            .iter()
            .map(|v| (Some(v.id), v.code.clone(), v.name.clone()))
            .collect(),
        Level::Team => ds
            .teams
            .iter()
            .map(|t| (Some(t.id), String::new(), t.name.clone()))
            .collect(),
        Level::Doctor => {
            let mut seen = std::collections::HashSet::new();
            ds.doctors
                .iter()
                .filter(|d| by_unit.contains_key(&Some(d.id)) && seen.insert(d.id))
                .map(|d| {
                    let team = ds
                        .teams
                        .iter()
                        .find(|t| t.id == d.team_id)
                        .map(|t| t.name.clone())
                        .unwrap_or_default();
                    (Some(d.id), team, d.name.clone())
                })
                .collect()
        }
    };
    if level != Level::Township {
        named.sort_by(|a, b| (&a.1, &a.2).cmp(&(&b.1, &b.2)));
        // Rows for ids the reference data does not name (and the unassigned), at the end.
        let mut unknown: Vec<Option<Uuid>> = by_unit
            .keys()
            .filter(|id| !named.iter().any(|n| n.0 == **id))
            .copied()
            .collect();
        unknown.sort();
        named.extend(
            unknown
                .into_iter()
                .map(|id| (id, String::new(), String::new())),
        );
    }
    let empty = [(0, 0); IndicatorKind::COUNT];
    let units = named
        .into_iter()
        .map(|(id, code, name)| UnitFigures {
            level,
            id,
            code,
            name,
            figures: figures(by_unit.get(&id).unwrap_or(&empty)),
            services: services_by_unit.get(&id).copied().unwrap_or(0),
        })
        .collect();
    Report {
        period: params.period,
        as_of: params.as_of(),
        level,
        units,
        total: UnitFigures {
            level: Level::Township,
            id: None,
            code: String::new(),
            name: String::new(),
            figures: figures(&total),
            services: services_total,
        },
    }
}

/// The subjects behind one figure: every one in the denominator, `hit` for the numerator.
/// `unit` picks a row of `level` (ignored for the township; `None` is the unassigned row).
pub fn drill_down(
    ds: &Dataset,
    params: &Params,
    kind: IndicatorKind,
    level: Level,
    unit: Option<Uuid>,
) -> Vec<DrillRow> {
    let mut rows = Vec::new();
    evaluate(ds, params, &mut |c| {
        if c.kind == kind && (level == Level::Township || c.units.at(level) == unit) {
            rows.push(DrillRow {
                subject: c.subject.to_subject(),
                hit: c.hit,
                contract_id: c.contract_id,
                units: c.units,
            });
        }
    });
    rows
}
