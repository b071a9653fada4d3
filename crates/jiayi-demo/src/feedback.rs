//! Referrals and satisfaction surveys of the two years, through the API with the clock set to
//! their day: some chronic patients referred to the county hospital and most come back, and
//! about two thirds of the signed households surveyed in each contract year.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use jiayi_api::{
    Api, ApiError, FixedClock, ReferralBackRequest, ReferralOutRequest, SurveyRequest,
};
use jiayi_core::catalog::Catalog;
use jiayi_core::indicators::dataset::ContractInfo;
use jiayi_core::person::PopulationGroup;
use jiayi_core::survey::SurveyAnswer;
use uuid::Uuid;

use crate::history::{HISTORY_DAYS, Home, Person};
use crate::rng::Rng;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Feedback {
    pub referrals: usize,
    pub returned: usize,
    pub surveys: usize,
}

fn at(api: &mut Api, day: NaiveDate) {
    api.set_clock(Box::new(FixedClock(crate::stamp_time(
        day,
        chrono::Utc::now(),
    ))));
}

const REASONS: [(PopulationGroup, &str, &str); 4] = [
    (
        PopulationGroup::Hypertension,
        "血压控制不满意，连续两次随访收缩压≥160mmHg",
        "继续服用调整后的降压药，两周后随访复测血压",
    ),
    (
        PopulationGroup::Hypertension,
        "头晕、胸闷，需上级医院进一步检查",
        "心电图及心脏超声未见急症，按原方案服药，每月随访",
    ),
    (
        PopulationGroup::Diabetes,
        "空腹血糖多次≥13.9mmol/L，需调整治疗方案",
        "改用胰岛素治疗，家庭医生每两周随访监测血糖",
    ),
    (
        PopulationGroup::Diabetes,
        "足部破溃不愈，转上级医院诊治",
        "清创后愈合，每月随访检查足部，控制血糖",
    ),
];

/// Writes the referrals and surveys of the history.
pub(crate) fn record_all(
    api: &mut Api,
    rng: &mut Rng,
    catalog: &Catalog,
    people: &[Person],
    homes: &[Home],
    today: NaiveDate,
) -> Result<Feedback, ApiError> {
    let mut done = Feedback::default();
    let start = today - Days::new(HISTORY_DAYS as u64);
    for person in people {
        let reasons: Vec<_> = REASONS
            .iter()
            .filter(|(g, _, _)| person.chronic_since(*g).is_some())
            .collect();
        if reasons.is_empty() || !rng.chance(0.06) {
            continue;
        }
        let (group, reason, plan) = *reasons[rng.below(reasons.len() as u64) as usize];
        let since = person.chronic_since(group).unwrap_or(start).max(start);
        let span = (today - since).num_days() - 2;
        if span <= 0 {
            continue;
        }
        let day = since + Days::new(rng.range(0, span) as u64);
        if !person.member_on(day) {
            continue;
        }
        at(api, day);
        let Ok(out) = api.record_referral_out(&ReferralOutRequest {
            resident_id: person.id,
            to_institution: "示范县人民医院".into(),
            reason: reason.into(),
            referred_on: Some(day),
            urgency: None,
            doctor_id: None,
        }) else {
            continue;
        };
        done.referrals += 1;
        let back = day + Days::new(rng.range(4, 30) as u64);
        if back < today && person.member_on(back) && rng.chance(0.85) {
            at(api, back);
            let returned = api.record_referral_back(&ReferralBackRequest {
                referral_id: out.referral_id,
                returned_on: Some(back),
                follow_up_plan: plan.into(),
                doctor_id: None,
            });
            done.returned += usize::from(returned.is_ok());
        }
    }

    let questionnaire = api.survey_questionnaire()?;
    let lang = api.lang();
    let contracts = api
        .store()
        .all_contracts()
        .map_err(|e| ApiError::from_store(e, lang))?;
    let home_of: HashMap<Uuid, &Home> = homes.iter().map(|h| (h.id, h)).collect();
    for record in &contracts {
        let info = ContractInfo::from_contract(&record.contract, &record.events, catalog);
        let Some(home) = home_of.get(&info.household_id) else {
            continue;
        };
        // Most households pleased, some only fairly, a few not.
        let mood = *rng.weighted(&[(0.85, 70), (0.45, 24), (0.1, 6)]);
        for term in info.terms_until(today) {
            if !rng.chance(0.66) {
                continue;
            }
            let last = term.last_day.min(today - Days::new(1));
            let first = term.term.start + Days::new(20);
            if last < first {
                continue;
            }
            let day = first + Days::new(rng.range(0, (last - first).num_days()) as u64);
            let mut answering = home
                .members
                .iter()
                .map(|&m| &people[m])
                .filter(|p| p.member_on(day) && p.age_on(day).is_some_and(|a| a >= 18));
            let Some(who) = answering.next() else {
                continue;
            };
            let answers = questionnaire
                .questions
                .iter()
                .map(|q| {
                    let choice = if rng.chance(mood) {
                        "satisfied"
                    } else if rng.chance(0.85) {
                        "fairly"
                    } else {
                        "unsatisfied"
                    };
                    let code = q
                        .choices
                        .iter()
                        .find(|c| c.code == choice)
                        .unwrap_or(&q.choices[0])
                        .code
                        .clone();
                    SurveyAnswer {
                        question: q.code.clone(),
                        choice: code,
                    }
                })
                .collect();
            at(api, day);
            let recorded = api.record_survey(&SurveyRequest {
                household_id: home.id,
                answered_by: who.id,
                asked_by: None,
                surveyed_on: Some(day),
                questionnaire_version: questionnaire.version.clone(),
                answers,
            });
            done.surveys += usize::from(recorded.is_ok());
        }
    }
    Ok(done)
}
