//! The demo township: a deterministic, realistic township of the size of a real one
//! (21 villages, 6,480 households, 26,990 residents), with teams and doctors, signed contracts
//! for part of it and a year of visits. The demo, the tests and the benchmarks all use it.
//!
//! Everything goes through the same API as the app (registration, signing) except the year of
//! past visits, which are written with their historical times through the store.

mod names;
mod rng;

use std::time::Instant;

use chrono::{DateTime, Days, NaiveDate, Utc};
use jiayi_api::{Api, ApiError, FixedClock, MemberChoice, RegisterRequest, SignRequest};
use jiayi_core::catalog::Catalog;
use jiayi_core::contract::TermPolicy;
use jiayi_core::household::{HouseholdInput, ResidentInput, Team, TeamMember, TeamRole, Village};
use jiayi_core::id_number::compose;
use jiayi_core::person::{PopulationGroup, Relation, Sex, groups_on};
use jiayi_core::schedule::plan::{Anchors, owed_by, plan};
use jiayi_core::time::china_noon;
use jiayi_core::visit::{ItemRef, Visit, VisitKind, VisitMode, Vitals};
use jiayi_store::TownshipSettings;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use names::{FEMALE_CHARS, GROUP_NAMES, MALE_CHARS, SURNAMES, VILLAGES};
use rng::Rng;

/// How big a township to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSize {
    pub villages: usize,
    pub households: usize,
    pub residents: usize,
}

impl DemoSize {
    /// The township of the work plans: 21 villages, 6,480 households, 26,990 residents.
    pub const FULL: DemoSize = DemoSize {
        villages: 21,
        households: 6_480,
        residents: 26_990,
    };
    /// A small one for quick tests.
    pub const SMALL: DemoSize = DemoSize {
        villages: 3,
        households: 120,
        residents: 500,
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoSummary {
    pub villages: usize,
    pub households: usize,
    pub residents: usize,
    pub contracts: usize,
    pub visits: usize,
    pub seconds: f64,
}

/// The time the demo's writes on `day` carry: noon of that day, but on the real today never
/// later than the real time, so no demo change is stamped ahead of the clocks of the devices it
/// syncs with (a clock ahead would win every conflict). The day of the records stays `day`.
fn stamp_time(day: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let noon = china_noon(day);
    if jiayi_core::time::china_date(now) == day {
        noon.min(now)
    } else {
        noon
    }
}

#[cfg(test)]
mod stamp_time_tests {
    use super::*;

    #[test]
    fn demo_writes_are_never_stamped_ahead_of_the_real_time() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let morning: DateTime<Utc> = "2026-11-23T01:00:00Z".parse().unwrap(); // 09:00 in China
        let evening: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap(); // 18:00
        assert_eq!(
            stamp_time(day, morning),
            morning,
            "before noon: the real time"
        );
        assert_eq!(stamp_time(day, evening), china_noon(day));
        let later = "2026-12-01T01:00:00Z".parse().unwrap();
        assert_eq!(
            stamp_time(day, later),
            china_noon(day),
            "a past day keeps its noon"
        );
        for at in [morning, evening, later] {
            assert_eq!(jiayi_core::time::china_date(stamp_time(day, at)), day);
        }
    }
}

/// The county region code used for the demo's ID numbers and village codes.
const REGION: &str = "140822";

/// Builds the demo township into an empty store, as of `today`.
pub fn build_demo(
    api: &mut Api,
    seed: u64,
    size: DemoSize,
    today: NaiveDate,
) -> Result<DemoSummary, ApiError> {
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    api.store()
        .set_bulk_mode(true)
        .map_err(|e| ApiError::from_store(e, api.lang()))?;
    let result = build(api, &mut rng, size, today);
    api.store()
        .set_bulk_mode(false)
        .map_err(|e| ApiError::from_store(e, api.lang()))?;
    api.set_clock(Box::new(jiayi_api::SystemClock));
    let mut summary = result?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn build(
    api: &mut Api,
    rng: &mut Rng,
    size: DemoSize,
    today: NaiveDate,
) -> Result<DemoSummary, ApiError> {
    let lang = api.lang();
    let store_err = |e| ApiError::from_store(e, lang);
    let set_up_at = china_noon(today - Days::new(400));
    api.set_clock(Box::new(FixedClock(set_up_at)));

    let store = api.store_mut();
    store
        .put_settings(&TownshipSettings {
            township: "青山镇".into(),
            county: "示范县".into(),
            health_center: "青山镇卫生院".into(),
            term_policy: TermPolicy::RollingYear,
        })
        .map_err(store_err)?;
    store
        .put_catalog(jiayi_core::catalog::DEFAULT_CATALOG_TOML, set_up_at)
        .map_err(store_err)?;

    let villages: Vec<Village> = (0..size.villages)
        .map(|i| Village {
            id: Uuid::from_u128(0x7000_0000_0000_7000_8000_0000_0000_0000 + i as u128 + 1),
            code: format!("{REGION}{:03}{:03}", 100 + i / 10, 200 + i),
            name: VILLAGES[i % VILLAGES.len()].to_string(),
            township: "青山镇".into(),
        })
        .collect();
    let gps = ["赵建国", "钱卫民", "孙立华", "李秀兰"];
    for (i, village) in villages.iter().enumerate() {
        store.put_village(village).map_err(store_err)?;
        let team = team_for(i, village, gps[i % gps.len()], rng);
        store.put_team(&team).map_err(store_err)?;
    }

    // Households per village, then members per household, hitting the totals exactly.
    let mut sizes: Vec<usize> = (0..size.households)
        .map(|_| {
            *rng.weighted(&[
                (1usize, 9),
                (2, 22),
                (3, 17),
                (4, 19),
                (5, 17),
                (6, 10),
                (7, 4),
                (8, 2),
            ])
        })
        .collect();
    balance(&mut sizes, size.residents, rng);

    let mut registered = Vec::with_capacity(size.households);
    let mut sequence: u32 = 0;
    api.set_clock(Box::new(FixedClock(stamp_time(today, Utc::now()))));
    for (index, members) in sizes.iter().enumerate() {
        let village = &villages[index * villages.len() / size.households.max(1)];
        let input = household(rng, village, *members, today, &mut sequence);
        let outcome = api.register_household(&RegisterRequest {
            household: input,
            confirm_duplicates: true,
        })?;
        if let Some(id) = outcome.household_id {
            registered.push(id);
        }
    }

    // Sign part of the township: households with priority members far more often.
    let mut contracts = 0;
    let mut visits = 0;
    let catalog: Catalog = api.catalog()?;
    for household_id in &registered {
        let view = api.household(*household_id)?;
        let priority = view.members.iter().any(|m| {
            m.groups.iter().any(|g| {
                matches!(
                    g,
                    PopulationGroup::Elderly65
                        | PopulationGroup::Hypertension
                        | PopulationGroup::Diabetes
                        | PopulationGroup::PovertyRegistered
                        | PopulationGroup::FamilyPlanningSpecial
                )
            })
        });
        let poverty = view
            .members
            .iter()
            .any(|m| m.groups.contains(&PopulationGroup::PovertyRegistered));
        let sign_chance = if poverty {
            1.0
        } else if priority {
            0.72
        } else {
            0.22
        };
        if !rng.chance(sign_chance) {
            continue;
        }
        // Signed between eleven and a half months and three weeks ago: some are due for renewal.
        let signed_on = today - Days::new(rng.range(21, 350) as u64);
        let mut members: Vec<MemberChoice> = Vec::new();
        for m in &view.members {
            let born_by_then = m.birth_date.is_none_or(|b| b <= signed_on);
            if born_by_then && (m.relation == Relation::Head || rng.chance(0.9)) {
                members.push(MemberChoice {
                    resident_id: m.id,
                    paid_packages: paid_choice(rng, &m.groups),
                });
            }
        }
        api.set_clock(Box::new(FixedClock(china_noon(signed_on))));
        let signed = api.sign_contract(&SignRequest {
            household_id: *household_id,
            guardian: None,
            representative_id: None,
            members,
            team_id: None,
            doctor_id: None,
            signed_on: Some(signed_on),
            resident_signature_png: None,
            doctor_signature_png: None,
        })?;
        contracts += 1;
        visits += past_visits(api, rng, &catalog, signed.contract_id, today)?;
    }

    Ok(DemoSummary {
        villages: villages.len(),
        households: registered.len(),
        residents: sizes.iter().sum(),
        contracts,
        visits,
        seconds: 0.0,
    })
}

fn team_for(index: usize, village: &Village, leader: &str, rng: &mut Rng) -> Team {
    let id = |n: u128| {
        Uuid::from_u128(0x7100_0000_0000_7000_8000_0000_0000_0000 + (index as u128) * 16 + n)
    };
    let person = |rng: &mut Rng, sex: Sex| {
        let surname = rng.weighted(&SURNAMES).to_string();
        let chars = if sex == Sex::Male {
            &MALE_CHARS
        } else {
            &FEMALE_CHARS
        };
        format!("{surname}{}{}", rng.pick(chars), rng.pick(chars))
    };
    let mobile = |rng: &mut Rng| {
        format!(
            "1{}{:09}",
            rng.pick(&[3, 5, 7, 8, 9]),
            rng.below(1_000_000_000)
        )
    };
    let doctor_sex = if rng.chance(0.7) {
        Sex::Male
    } else {
        Sex::Female
    };
    let doctor = person(rng, doctor_sex);
    let nurse = person(rng, Sex::Female);
    let worker_sex = if rng.chance(0.5) {
        Sex::Male
    } else {
        Sex::Female
    };
    let public_health = person(rng, worker_sex);
    Team {
        id: id(0),
        name: format!("{}家庭医生团队", village.name),
        institution: "青山镇卫生院".into(),
        village_clinic: format!("{}卫生室", village.name),
        villages: vec![village.id],
        members: vec![
            TeamMember {
                id: id(1),
                name: leader.to_string(),
                role: TeamRole::Leader,
                phone: mobile(rng),
            },
            TeamMember {
                id: id(2),
                name: doctor,
                role: TeamRole::FamilyDoctor,
                phone: mobile(rng),
            },
            TeamMember {
                id: id(3),
                name: nurse,
                role: TeamRole::Nurse,
                phone: mobile(rng),
            },
            TeamMember {
                id: id(4),
                name: public_health,
                role: TeamRole::PublicHealth,
                phone: mobile(rng),
            },
        ],
        service_hotline: "0359-4561120".into(),
        complaint_phone: "0359-4561234".into(),
        service_hours: "周一至周日 8:00-18:00（节假日照常）".into(),
    }
}

/// Nudges household sizes until they add up to the wanted number of residents.
fn balance(sizes: &mut [usize], wanted: usize, rng: &mut Rng) {
    let mut total: usize = sizes.iter().sum();
    let mut guard = 0;
    while total != wanted && guard < 10_000_000 && !sizes.is_empty() {
        let i = rng.below(sizes.len() as u64) as usize;
        if total < wanted && sizes[i] < 9 {
            sizes[i] += 1;
            total += 1;
        } else if total > wanted && sizes[i] > 1 {
            sizes[i] -= 1;
            total -= 1;
        }
        guard += 1;
    }
}

fn name(rng: &mut Rng, surname: &str, sex: Sex) -> String {
    let chars = if sex == Sex::Male {
        &MALE_CHARS
    } else {
        &FEMALE_CHARS
    };
    if rng.chance(0.3) {
        format!("{surname}{}", rng.pick(chars))
    } else {
        format!("{surname}{}{}", rng.pick(chars), rng.pick(chars))
    }
}

fn birth(rng: &mut Rng, today: NaiveDate, age: i64) -> NaiveDate {
    let age = age.clamp(0, 104);
    let days = age * 365 + rng.range(0, 364);
    (today - Days::new(days.max(1) as u64)).min(today)
}

/// One household: a head of a realistic age, a spouse, and children, grandchildren or parents.
fn household(
    rng: &mut Rng,
    village: &Village,
    size: usize,
    today: NaiveDate,
    sequence: &mut u32,
) -> HouseholdInput {
    let surname = rng.weighted(&SURNAMES).to_string();
    // Rural age pyramid: many elderly heads, the young away working.
    let (low, high) = *rng.weighted(&[((28, 44), 20), ((45, 64), 45), ((65, 90), 35)]);
    let head_age = rng.range(low, high);
    let head_sex = if rng.chance(0.85) {
        Sex::Male
    } else {
        Sex::Female
    };
    let mut people: Vec<(Sex, i64, Relation, String)> = vec![(
        head_sex,
        head_age,
        Relation::Head,
        name(rng, &surname, head_sex),
    )];
    if size >= 2 {
        let spouse_sex = if head_sex == Sex::Male {
            Sex::Female
        } else {
            Sex::Male
        };
        let spouse_surname = rng.weighted(&SURNAMES).to_string();
        people.push((
            spouse_sex,
            (head_age + rng.range(-4, 3)).max(20),
            Relation::Spouse,
            name(rng, &spouse_surname, spouse_sex),
        ));
    }
    while people.len() < size {
        let sex = if rng.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let (relation, age) = if head_age >= 55 && rng.chance(0.55) {
            (
                Relation::Grandchild,
                (head_age - 50 + rng.range(-8, 6)).clamp(0, 25),
            )
        } else if head_age <= 50 && rng.chance(0.25) {
            (Relation::Parent, (head_age + 26 + rng.range(0, 6)).min(98))
        } else {
            (Relation::Child, (head_age - 26 + rng.range(-6, 6)).max(0))
        };
        people.push((sex, age, relation, name(rng, &surname, sex)));
    }
    let poverty = rng.chance(0.04);
    let low_income = !poverty && rng.chance(0.02);
    let family_planning = rng.chance(0.004);
    let group = rng.pick(&GROUP_NAMES).to_string();
    let members = people
        .into_iter()
        .map(|(sex, age, relation, name)| {
            let born = birth(rng, today, age);
            *sequence += 1;
            let seq = ((*sequence % 499) * 2 + if sex == Sex::Male { 1 } else { 0 }) as u16;
            let missing_id = (age < 1 && rng.chance(0.6)) || (age > 85 && rng.chance(0.1));
            let mut groups: Vec<String> = Vec::new();
            let mut add = |g: PopulationGroup| groups.push(g.code().to_string());
            if age >= 35 && rng.chance(0.10 + (age - 35) as f64 * 0.009) {
                add(PopulationGroup::Hypertension);
            }
            if age >= 40 && rng.chance(0.05 + (age - 40) as f64 * 0.0025) {
                add(PopulationGroup::Diabetes);
            }
            if sex == Sex::Female && (20..=40).contains(&age) && rng.chance(0.04) {
                add(if rng.chance(0.7) {
                    PopulationGroup::Pregnant
                } else {
                    PopulationGroup::Postpartum
                });
            }
            if rng.chance(0.02) {
                add(PopulationGroup::Disabled);
            }
            if age >= 15 && rng.chance(0.004) {
                add(PopulationGroup::SevereMental);
            }
            if rng.chance(0.0006) {
                add(PopulationGroup::Tuberculosis);
            }
            if poverty {
                add(PopulationGroup::PovertyRegistered);
            }
            if low_income {
                add(PopulationGroup::LowIncome);
            }
            if family_planning {
                add(PopulationGroup::FamilyPlanningSpecial);
            }
            if age >= 65 && size == 1 {
                add(PopulationGroup::LivingAlone);
            }
            if age >= 80 && rng.chance(0.05) {
                add(PopulationGroup::Bedridden);
            }
            let phone = (relation == Relation::Head || (age >= 18 && rng.chance(0.5)))
                .then(|| {
                    format!(
                        "1{}{:09}",
                        rng.pick(&[3, 5, 7, 8, 9]),
                        rng.below(1_000_000_000)
                    )
                })
                .filter(|_| age >= 16);
            ResidentInput {
                name,
                id_number: (!missing_id).then(|| compose(REGION, born, seq)),
                sex: Some(sex),
                birth_date: Some(born.to_string()),
                phone,
                relation: Some(relation),
                groups,
            }
        })
        .collect();
    let number = rng.range(1, 120);
    HouseholdInput {
        village: village.name.clone(),
        group: group.clone(),
        address: format!("{}{}{}号", village.name, group, number),
        members,
    }
}

fn paid_choice(rng: &mut Rng, groups: &[PopulationGroup]) -> Vec<String> {
    let mut paid = Vec::new();
    if groups
        .iter()
        .any(|g| matches!(g, PopulationGroup::Hypertension | PopulationGroup::Diabetes))
        && rng.chance(0.15)
    {
        paid.push(
            rng.weighted(&[
                ("paid_chronic_1", 6),
                ("paid_chronic_2", 3),
                ("paid_chronic_3", 1),
            ])
            .to_string(),
        );
    }
    if groups.contains(&PopulationGroup::Elderly65) && rng.chance(0.08) {
        paid.push("paid_elderly_1".to_string());
    }
    if groups.contains(&PopulationGroup::Postpartum) && rng.chance(0.3) {
        paid.push("paid_postpartum_1".to_string());
    }
    paid
}

/// The visits of a contract up to `today`: most occurrences delivered on time, some missed.
fn past_visits(
    api: &mut Api,
    rng: &mut Rng,
    catalog: &Catalog,
    contract_id: Uuid,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let lang = api.lang();
    let record = api
        .store()
        .contract(contract_id)
        .map_err(|e| ApiError::from_store(e, lang))?;
    let contract = record.contract;
    let mut count = 0;
    for member in &contract.members {
        let resident = api
            .store()
            .resident(member.resident_id)
            .map_err(|e| ApiError::from_store(e, lang))?;
        let groups = groups_on(&resident.groups, resident.birth_date, today);
        for package_code in &member.package_codes {
            let items = catalog
                .effective_items(package_code)
                .map_err(|e| ApiError::from_core(e, lang))?;
            for (package, item) in items {
                if item.times_per_year == 0 {
                    continue;
                }
                if !owed_by(&item.schedule, resident.relation == Relation::Head) {
                    continue;
                }
                // The item's windows under the signed term (the schedule's own rule).
                let anchors = Anchors {
                    birth_date: resident.birth_date,
                    periods: &[],
                };
                let owed = plan(
                    &item.schedule,
                    item.times_per_year,
                    &anchors,
                    &contract.term,
                    true,
                    contract.term.end,
                );
                for occurrence in &owed.occurrences {
                    let (opens, due) = (occurrence.opens_on, occurrence.due_by);
                    if opens >= today {
                        break;
                    }
                    if !rng.chance(0.86) {
                        break; // missed from here on: leaves overdue work for the list
                    }
                    let last = due.min(today - Days::new(1));
                    let span = (last - opens).num_days().max(0);
                    let day = opens + Days::new(rng.range(0, span) as u64);
                    let at = china_noon(day) + chrono::Duration::minutes(rng.range(-180, 240));
                    let visit = Visit {
                        id: Uuid::now_v7(),
                        resident_id: resident.id,
                        served_by: Some(contract.doctor_id),
                        kind: item.visit_kind,
                        mode: *rng.weighted(&[
                            (VisitMode::Home, 5),
                            (VisitMode::Clinic, 4),
                            (VisitMode::Phone, 1),
                        ]),
                        occurred_at: at,
                        recorded_at: at + chrono::Duration::minutes(rng.range(0, 30)),
                        fulfils: Some(ItemRef {
                            contract_id,
                            package_code: package.code.clone(),
                            item_code: item.code.clone(),
                        }),
                        vitals: vitals_for(rng, item.visit_kind, &groups),
                        notes: String::new(),
                        form: None,
                    };
                    api.store_mut()
                        .record_visit(&visit, at)
                        .map_err(|e| ApiError::from_store(e, lang))?;
                    count += 1;
                }
            }
        }
    }
    Ok(count)
}

fn vitals_for(rng: &mut Rng, kind: VisitKind, groups: &[PopulationGroup]) -> Vitals {
    let hypertensive = groups.contains(&PopulationGroup::Hypertension);
    let diabetic = groups.contains(&PopulationGroup::Diabetes);
    let bp = |rng: &mut Rng| {
        let (s, d) = if hypertensive {
            (136.0, 86.0)
        } else {
            (124.0, 78.0)
        };
        let systolic = (s + rng.normal() * 12.0).clamp(95.0, 200.0) as u16;
        let diastolic = (d + rng.normal() * 8.0)
            .clamp(55.0, 120.0)
            .min(f64::from(systolic) - 20.0) as u16;
        (systolic, diastolic)
    };
    let glucose = |rng: &mut Rng| {
        let mean = if diabetic { 7.1 } else { 5.3 };
        ((mean + rng.normal() * if diabetic { 1.4 } else { 0.5 }).clamp(3.5, 20.0) * 10.0).round()
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

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_core::Lang;
    use jiayi_store::Store;

    fn small(seed: u64) -> (Api, DemoSummary) {
        let mut api = Api::new(Store::open_in_memory().unwrap(), Lang::Zh);
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let summary = build_demo(&mut api, seed, DemoSize::SMALL, today).unwrap();
        (api, summary)
    }

    #[test]
    fn builds_the_requested_size_with_signed_work() {
        let (api, summary) = small(7);
        assert_eq!(
            (summary.villages, summary.households, summary.residents),
            (3, 120, 500)
        );
        let status = api.status().unwrap();
        assert_eq!(status.residents, 500);
        assert!(summary.contracts > 20, "{summary:?}");
        assert!(summary.visits > summary.contracts, "{summary:?}");
    }

    #[test]
    fn the_same_seed_builds_the_same_people() {
        let (a, _) = small(42);
        let (b, _) = small(42);
        let names = |api: &Api| {
            let mut v: Vec<(String, Option<NaiveDate>)> = api
                .store()
                .residents_brief()
                .unwrap()
                .into_iter()
                .map(|r| (r.name, r.birth_date))
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(&a), names(&b));
        let (c, _) = small(43);
        assert_ne!(names(&a), names(&c));
    }

    /// The work list sends full counts but only the most urgent rows, narrows to a village on
    /// the backend, and a household's dues are the township's dues of that household.
    #[test]
    fn the_work_list_is_cut_to_the_most_urgent_and_narrowed_by_village() {
        let (api, _) = small(11);
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let every = api.due(Some(day)).unwrap();
        assert!(every.len() > 10, "the demo has work due: {}", every.len());

        let list = api
            .work_list_for(&jiayi_api::WorkListQuery {
                day: Some(day),
                village_id: None,
                limit: Some(10),
            })
            .unwrap();
        assert_eq!(list.due.len(), 10);
        assert_eq!(list.due_count + list.overdue_count, every.len());
        let rank = |d: &jiayi_store::DueEntry| {
            (
                d.item.status != jiayi_core::schedule::DueStatus::Overdue,
                d.item.due_by,
            )
        };
        assert!(
            list.due.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
            "overdue first, then by deadline"
        );
        let most_urgent = every.iter().map(rank).min().unwrap();
        assert_eq!(rank(&list.due[0]), most_urgent);
        let villages_total: usize = list.villages.iter().map(|v| v.due + v.overdue).sum();
        assert_eq!(villages_total, every.len());

        let busiest = list
            .villages
            .iter()
            .max_by_key(|v| v.due + v.overdue)
            .unwrap()
            .clone();
        let narrowed = api
            .work_list_for(&jiayi_api::WorkListQuery {
                day: Some(day),
                village_id: Some(busiest.id),
                limit: None,
            })
            .unwrap();
        assert_eq!(
            (narrowed.due_count, narrowed.overdue_count),
            (busiest.due, busiest.overdue)
        );
        assert!(narrowed.due.iter().all(|d| d.village_id == busiest.id));
        assert!(narrowed.renewals.iter().all(|r| r.village_id == busiest.id));
        assert!(
            narrowed
                .unsigned_priority
                .iter()
                .all(|u| u.village_id == busiest.id)
        );

        let household = every[0].household_id;
        let mut expected: Vec<_> = every
            .iter()
            .filter(|d| d.household_id == household)
            .map(|d| {
                (
                    d.item.resident_id,
                    d.item.item_code.clone(),
                    d.item.occurrence,
                )
            })
            .collect();
        let api_today = {
            let mut api = api;
            api.set_clock(Box::new(jiayi_api::FixedClock(
                day.and_hms_opt(9, 0, 0).unwrap().and_utc(),
            )));
            api
        };
        let mut got: Vec<_> = api_today
            .due_for_household(household)
            .unwrap()
            .into_iter()
            .map(|d| (d.item.resident_id, d.item.item_code, d.item.occurrence))
            .collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }
}
