//! The visits of the two years, written with their historical times through the store: every
//! contract's items under every term in force up to today, and the public-health follow-ups
//! and 65+ checks of the residents no contract covered at the time.

use std::collections::HashMap;

use chrono::{Days, Duration, NaiveDate};
use jiayi_api::{Api, ApiError};
use jiayi_core::catalog::Catalog;
use jiayi_core::indicators::dataset::ContractInfo;
use jiayi_core::person::PopulationGroup;
use jiayi_core::schedule::plan::{Anchors, owed_by, plan};
use jiayi_core::time::china_noon;
use jiayi_core::visit::{ItemRef, Visit, VisitKind, VisitMode, Vitals};
use jiayi_core::year::groups::GroupPeriod;
use uuid::Uuid;

use crate::history::{HISTORY_DAYS, Home, Person};
use crate::rng::Rng;

/// Days between two public-health follow-ups of a chronic patient (one a quarter).
const QUARTER: i64 = 91;

struct Writer<'a> {
    api: &'a mut Api,
    count: usize,
}

impl Writer<'_> {
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        rng: &mut Rng,
        person: &Person,
        day: NaiveDate,
        kind: VisitKind,
        mode: VisitMode,
        served_by: Uuid,
        fulfils: Option<ItemRef>,
    ) -> Result<(), ApiError> {
        let lang = self.api.lang();
        let at = china_noon(day) + Duration::minutes(rng.range(-180, 240));
        let visit = Visit {
            id: Uuid::now_v7(),
            resident_id: person.id,
            served_by: Some(served_by),
            kind,
            mode,
            occurred_at: at,
            recorded_at: at + Duration::minutes(rng.range(0, 30)),
            fulfils,
            vitals: vitals_for(rng, kind, person, day),
            notes: String::new(),
            form: None,
        };
        self.api
            .store_mut()
            .record_visit(&visit, at)
            .map_err(|e| ApiError::from_store(e, lang))?;
        self.count += 1;
        Ok(())
    }
}

fn chronic_follow_up(kind: VisitKind) -> bool {
    matches!(
        kind,
        VisitKind::HypertensionFollowUp | VisitKind::DiabetesFollowUp
    )
}

/// Face to face most of the time; a patient who does not come is phoned.
fn follow_up_mode(rng: &mut Rng, regular: bool) -> VisitMode {
    let phone = if regular { 0.03 } else { 0.3 };
    if rng.chance(phone) {
        VisitMode::Phone
    } else if rng.chance(0.55) {
        VisitMode::Home
    } else {
        VisitMode::Clinic
    }
}

/// Writes every visit of the history; returns how many.
pub(crate) fn record_all(
    api: &mut Api,
    rng: &mut Rng,
    catalog: &Catalog,
    people: &[Person],
    homes: &[Home],
    village_doctors: &[Uuid],
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let lang = api.lang();
    let store_err = |e| ApiError::from_store(e, lang);
    let by_id: HashMap<Uuid, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let mut periods: HashMap<Uuid, Vec<GroupPeriod>> = HashMap::new();
    for p in api.store().all_group_periods().map_err(store_err)? {
        periods.entry(p.resident_id).or_default().push(p);
    }
    let kinds: HashMap<(String, String), VisitKind> = catalog
        .packages
        .iter()
        .flat_map(|p| {
            p.items
                .iter()
                .map(|i| ((p.code.clone(), i.code.clone()), i.visit_kind))
        })
        .collect();
    let contracts: Vec<ContractInfo> = api
        .store()
        .all_contracts()
        .map_err(store_err)?
        .iter()
        .map(|r| ContractInfo::from_contract(&r.contract, &r.events, catalog))
        .collect();
    // Which contract covers whom: (contract, member) by resident.
    let mut covering: HashMap<Uuid, Vec<(usize, usize)>> = HashMap::new();
    for (c, info) in contracts.iter().enumerate() {
        for (m, member) in info.members.iter().enumerate() {
            covering.entry(member.resident_id).or_default().push((c, m));
        }
    }
    let covered = |resident: Uuid, day: NaiveDate| {
        covering.get(&resident).is_some_and(|list| {
            list.iter()
                .any(|&(c, m)| contracts[c].covers_on(day) && contracts[c].members[m].covers(day))
        })
    };

    let mut out = Writer { api, count: 0 };
    for info in &contracts {
        for member in &info.members {
            let Some(&p) = by_id.get(&member.resident_id) else {
                continue;
            };
            let person = &people[p];
            let anchors = Anchors {
                birth_date: person.birth,
                periods: periods.get(&person.id).map(Vec::as_slice).unwrap_or(&[]),
            };
            for item in &member.items {
                if item.times_per_year == 0 || !owed_by(&item.schedule, person.head) {
                    continue;
                }
                let Some(&kind) = kinds.get(&(item.package_code.clone(), item.item_code.clone()))
                else {
                    continue;
                };
                let chronic = chronic_follow_up(kind);
                let chance = match (chronic, person.regular) {
                    (true, true) => 0.97,
                    (true, false) => 0.55,
                    _ if item.standard.is_some() => 0.72,
                    _ => 0.86,
                };
                // Every term in force up to today: the signed one and each renewal.
                for term in info.terms_until(today) {
                    let owed = plan(
                        &item.schedule,
                        item.times_per_year,
                        &anchors,
                        &term.term,
                        term.renewal == 0,
                        term.last_day,
                    );
                    for occurrence in &owed.occurrences {
                        let opens = occurrence.opens_on.max(term.term.start);
                        if opens >= today {
                            break;
                        }
                        if !rng.chance(chance) {
                            if chronic {
                                continue;
                            }
                            break; // missed from here on: leaves overdue work for the list
                        }
                        let last = occurrence
                            .due_by
                            .min(term.last_day)
                            .min(today - Days::new(1));
                        let span = (last - opens).num_days().max(0);
                        let day = opens + Days::new(rng.range(0, span) as u64);
                        if !person.member_on(day) || !member.covers(day) {
                            continue;
                        }
                        let mode = if chronic {
                            follow_up_mode(rng, person.regular)
                        } else {
                            *rng.weighted(&[
                                (VisitMode::Home, 5),
                                (VisitMode::Clinic, 4),
                                (VisitMode::Phone, 1),
                            ])
                        };
                        let fulfils = ItemRef {
                            contract_id: info.id,
                            package_code: item.package_code.clone(),
                            item_code: item.item_code.clone(),
                        };
                        out.visit(
                            rng,
                            person,
                            day,
                            kind,
                            mode,
                            info.doctor_on(day),
                            Some(fulfils),
                        )?;
                    }
                }
            }
        }
    }

    // Public-health work for the residents no contract covered at the time: the chronic
    // patients' quarterly follow-ups and the 65+ yearly check, by the village's doctor.
    let start = today - Days::new(HISTORY_DAYS as u64 + 30);
    for person in people {
        let doctor = village_doctors[homes[person.home].village];
        for (group, kind) in [
            (
                PopulationGroup::Hypertension,
                VisitKind::HypertensionFollowUp,
            ),
            (PopulationGroup::Diabetes, VisitKind::DiabetesFollowUp),
        ] {
            let Some(since) = person.chronic_since(group) else {
                continue;
            };
            let mut from = start.max(since);
            let chance = if person.regular { 0.96 } else { 0.5 };
            while from < today {
                let day = from + Days::new(rng.range(0, QUARTER - 1) as u64);
                from = from + Days::new(QUARTER as u64);
                if day >= today || !person.member_on(day) || covered(person.id, day) {
                    continue;
                }
                if rng.chance(chance) {
                    let mode = follow_up_mode(rng, person.regular);
                    out.visit(rng, person, day, kind, mode, doctor, None)?;
                }
            }
        }
        let mut from = start;
        while from < today {
            let day = from + Days::new(rng.range(0, 364) as u64);
            from = from + Days::new(365);
            let elderly = person.age_on(day).is_some_and(|a| a >= 65);
            if day >= today || !elderly || !person.member_on(day) || covered(person.id, day) {
                continue;
            }
            if rng.chance(0.4) {
                let mode = *rng.weighted(&[(VisitMode::Clinic, 4), (VisitMode::Home, 1)]);
                out.visit(rng, person, day, VisitKind::HealthCheck, mode, doctor, None)?;
            }
        }
    }
    Ok(out.count)
}

fn vitals_for(rng: &mut Rng, kind: VisitKind, person: &Person, day: NaiveDate) -> Vitals {
    let hypertensive = person.has_on(PopulationGroup::Hypertension, day);
    let diabetic = person.has_on(PopulationGroup::Diabetes, day);
    // Treated patients mostly on target, a good third not: the control rates of real townships.
    let bp = |rng: &mut Rng| {
        let (s, d) = if hypertensive {
            (132.0, 83.0)
        } else {
            (122.0, 77.0)
        };
        let systolic = (s + rng.normal() * 11.0).clamp(95.0, 200.0) as u16;
        let diastolic = (d + rng.normal() * 7.0)
            .clamp(55.0, 120.0)
            .min(f64::from(systolic) - 20.0) as u16;
        (systolic, diastolic)
    };
    let glucose = |rng: &mut Rng| {
        let mean = if diabetic { 6.6 } else { 5.3 };
        ((mean + rng.normal() * if diabetic { 1.3 } else { 0.5 }).clamp(3.5, 20.0) * 10.0).round()
            / 10.0
    };
    match kind {
        VisitKind::HypertensionFollowUp | VisitKind::Monitoring => {
            let (s, d) = bp(rng);
            Vitals {
                systolic_mmhg: Some(s),
                diastolic_mmhg: Some(d),
                heart_rate_bpm: Some((74.0 + rng.normal() * 8.0) as u16),
                ..Vitals::default()
            }
        }
        VisitKind::DiabetesFollowUp => {
            let (s, d) = bp(rng);
            Vitals {
                systolic_mmhg: Some(s),
                diastolic_mmhg: Some(d),
                fasting_glucose_mmol_l: Some(glucose(rng)),
                ..Vitals::default()
            }
        }
        VisitKind::HealthCheck => {
            let (s, d) = bp(rng);
            let height = (160.0 + rng.normal() * 7.0).clamp(140.0, 190.0);
            let bmi = (23.5 + rng.normal() * 3.0).clamp(16.0, 35.0);
            Vitals {
                systolic_mmhg: Some(s),
                diastolic_mmhg: Some(d),
                heart_rate_bpm: Some((72.0 + rng.normal() * 8.0) as u16),
                fasting_glucose_mmol_l: Some(glucose(rng)),
                height_cm: Some((height * 10.0).round() / 10.0),
                weight_kg: Some((bmi * (height / 100.0).powi(2) * 10.0).round() / 10.0),
                waist_cm: Some(((80.0 + rng.normal() * 9.0) * 10.0).round() / 10.0),
            }
        }
        _ => Vitals::default(),
    }
}
