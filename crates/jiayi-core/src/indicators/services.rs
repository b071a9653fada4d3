//! Counts of two-way referral and of the satisfaction survey for a period, in total, per
//! village and per doctor, from the records themselves (pure: the caller reads them).
//!
//! - **referrals out / back**: records whose day (referred out, returned) falls in the period,
//!   under the village and doctor the record carries (for a return: who recorded it);
//! - **open at the period's end**: referrals out on or before the last day, not back by then,
//!   under the referral's village and doctor;
//! - **surveys done**: households with a survey in the period; a household surveyed twice in
//!   one contract year (two devices offline) counts once, by its earliest survey;
//! - **signed households**: as the caller gives them (covered on the as-of day), under their
//!   village and their contract's doctor;
//! - **mean satisfaction**: the mean of the counted surveys' scores, 0–100.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Period;
use crate::referral::{ReferralBack, ReferralOut, is_open_on};
use crate::survey::SatisfactionSurvey;

/// A household signed on the period's as-of day: where it lives, who its doctor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHousehold {
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub doctor_id: Option<Uuid>,
}

/// The counts of one unit (the whole, a village, a doctor).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceCounts {
    pub referrals_out: u32,
    pub referrals_back: u32,
    pub referrals_open_at_end: u32,
    /// Households surveyed in the period.
    pub surveys_done: u32,
    pub signed_households: u32,
    /// The sum of the counted surveys' scores (0–100 each) and how many there are.
    pub score_sum: f64,
    pub scored: u32,
}

impl ServiceCounts {
    /// Mean satisfaction on 0–100; none when no survey was counted.
    pub fn mean_satisfaction(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.score_sum / f64::from(self.scored))
    }

    /// Households surveyed over households signed, as a fraction; none when none is signed.
    pub fn survey_rate(&self) -> Option<f64> {
        (self.signed_households > 0)
            .then(|| f64::from(self.surveys_done) / f64::from(self.signed_households))
    }
}

/// The counts in total and grouped by village and by doctor (records naming no doctor count
/// in the total and their village only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceFigures {
    pub total: ServiceCounts,
    pub by_village: BTreeMap<Uuid, ServiceCounts>,
    pub by_doctor: BTreeMap<Uuid, ServiceCounts>,
}

impl ServiceFigures {
    /// Adds to the total, the village's and the doctor's counts alike.
    fn add(&mut self, village: Uuid, doctor: Option<Uuid>, add: impl Fn(&mut ServiceCounts)) {
        add(&mut self.total);
        add(self.by_village.entry(village).or_default());
        if let Some(doctor) = doctor {
            add(self.by_doctor.entry(doctor).or_default());
        }
    }
}

/// The surveys that count: one per household per contract year, the earliest (then the
/// smallest id) when two were recorded.
pub fn surveys_counted(surveys: &[SatisfactionSurvey]) -> Vec<&SatisfactionSurvey> {
    let mut first: BTreeMap<(Uuid, chrono::NaiveDate), &SatisfactionSurvey> = BTreeMap::new();
    for s in surveys {
        first
            .entry((s.household_id, s.contract_year_start))
            .and_modify(|kept| {
                if (s.surveyed_on, s.id) < (kept.surveyed_on, kept.id) {
                    *kept = s;
                }
            })
            .or_insert(s);
    }
    first.into_values().collect()
}

/// Referral and survey counts of a period (see the module's words).
pub fn service_figures(
    referrals_out: &[ReferralOut],
    referrals_back: &[ReferralBack],
    surveys: &[SatisfactionSurvey],
    signed: &[SignedHousehold],
    period: &Period,
) -> ServiceFigures {
    let within = |day: chrono::NaiveDate| period.start <= day && day <= period.end;
    let mut figures = ServiceFigures::default();
    for out in referrals_out {
        if within(out.referred_on) {
            figures.add(out.village_id, out.doctor_id, |c| c.referrals_out += 1);
        }
        if is_open_on(out, referrals_back, period.end) {
            figures.add(out.village_id, out.doctor_id, |c| {
                c.referrals_open_at_end += 1
            });
        }
    }
    for back in referrals_back.iter().filter(|b| within(b.returned_on)) {
        figures.add(back.village_id, back.doctor_id, |c| c.referrals_back += 1);
    }
    let mut surveyed: BTreeSet<Uuid> = BTreeSet::new();
    for s in surveys_counted(surveys)
        .into_iter()
        .filter(|s| within(s.surveyed_on))
    {
        let score = s.score();
        let first_of_household = surveyed.insert(s.household_id);
        figures.add(s.village_id, s.doctor_id, |c| {
            c.score_sum += score;
            c.scored += 1;
            if first_of_household {
                c.surveys_done += 1;
            }
        });
    }
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    for h in signed.iter().filter(|h| seen.insert(h.household_id)) {
        figures.add(h.village_id, h.doctor_id, |c| c.signed_households += 1);
    }
    figures
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};

    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    const EAST: Uuid = Uuid::from_u128(0xE);
    const WEST: Uuid = Uuid::from_u128(0xF);
    const LIU: Uuid = Uuid::from_u128(0xD1);
    const ZHOU: Uuid = Uuid::from_u128(0xD2);

    fn out(n: u128, village: Uuid, doctor: Uuid, on: NaiveDate) -> ReferralOut {
        ReferralOut {
            id: id(n),
            resident_id: id(n + 1000),
            household_id: id(n + 2000),
            village_id: village,
            doctor_id: Some(doctor),
            to_institution: "县人民医院".into(),
            reason: "胸痛".into(),
            referred_on: on,
            urgency: None,
            recorded_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn back(n: u128, of: &ReferralOut, doctor: Option<Uuid>, on: NaiveDate) -> ReferralBack {
        ReferralBack {
            id: id(n),
            referral_id: of.id,
            resident_id: of.resident_id,
            household_id: of.household_id,
            village_id: of.village_id,
            doctor_id: doctor,
            returned_on: on,
            follow_up_plan: "随访".into(),
            recorded_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn survey(
        n: u128,
        household: u128,
        village: Uuid,
        on: NaiveDate,
        points: u32,
    ) -> SatisfactionSurvey {
        SatisfactionSurvey {
            id: id(n),
            household_id: id(household),
            village_id: village,
            contract_id: id(household + 100),
            contract_year_start: d(1, 1),
            doctor_id: Some(if village == EAST { LIU } else { ZHOU }),
            answered_by: id(household + 200),
            asked_by: LIU,
            surveyed_on: on,
            questionnaire_version: "2026".into(),
            answers: vec![],
            points,
            max_points: 10,
            recorded_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn referrals_count_by_their_days_and_stay_open_until_the_return() {
        let june = Period::month(2026, 6).unwrap();
        let outs = [
            out(1, EAST, LIU, d(5, 20)),  // before June, back in June
            out(2, EAST, LIU, d(6, 3)),   // in June, still out
            out(3, WEST, ZHOU, d(6, 10)), // in June, back in June
            out(4, WEST, ZHOU, d(7, 1)),  // after June
            out(5, EAST, LIU, d(6, 12)),  // in June, back in July
        ];
        let backs = [
            back(11, &outs[0], Some(ZHOU), d(6, 2)),
            back(13, &outs[2], Some(ZHOU), d(6, 20)),
            back(15, &outs[4], None, d(7, 2)),
        ];
        let f = service_figures(&outs, &backs, &[], &[], &june);
        let triple =
            |c: &ServiceCounts| (c.referrals_out, c.referrals_back, c.referrals_open_at_end);
        type Case<'a> = (&'a str, Option<&'a ServiceCounts>, (u32, u32, u32));
        let cases: [Case<'_>; 5] = [
            ("total", Some(&f.total), (3, 2, 2)),
            ("east", f.by_village.get(&EAST), (2, 1, 2)),
            ("west", f.by_village.get(&WEST), (1, 1, 0)),
            ("liu", f.by_doctor.get(&LIU), (2, 0, 2)),
            (
                "zhou: referred one, recorded two returns",
                f.by_doctor.get(&ZHOU),
                (1, 2, 0),
            ),
        ];
        for (name, counts, expected) in cases {
            assert_eq!(counts.map(triple), Some(expected), "{name}");
        }
    }

    #[test]
    fn surveys_count_households_once_and_average_their_scores() {
        let year = Period::year(2026).unwrap();
        let surveys = [
            survey(1, 1, EAST, d(3, 1), 10),
            // The same household again in the same contract year on another device: not counted.
            survey(2, 1, EAST, d(3, 5), 0),
            survey(3, 2, EAST, d(4, 1), 5),
            survey(4, 3, WEST, d(5, 1), 8),
            // Surveyed outside the period.
            survey(5, 4, WEST, NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(), 0),
        ];
        let signed: Vec<SignedHousehold> = [
            (1, EAST, LIU),
            (2, EAST, LIU),
            (3, WEST, ZHOU),
            (4, WEST, ZHOU),
            (5, WEST, ZHOU),
            (5, WEST, ZHOU),
        ]
        .into_iter()
        .map(|(h, v, doc)| SignedHousehold {
            household_id: id(h),
            village_id: v,
            doctor_id: Some(doc),
        })
        .collect();
        let f = service_figures(&[], &[], &surveys, &signed, &year);
        let cases: [(&str, &ServiceCounts, u32, u32, Option<f64>); 4] = [
            ("total", &f.total, 3, 5, Some((100.0 + 50.0 + 80.0) / 3.0)),
            ("east", &f.by_village[&EAST], 2, 2, Some(75.0)),
            ("west", &f.by_village[&WEST], 1, 3, Some(80.0)),
            ("zhou", &f.by_doctor[&ZHOU], 1, 3, Some(80.0)),
        ];
        for (name, c, done, households, mean) in cases {
            assert_eq!(
                (c.surveys_done, c.signed_households),
                (done, households),
                "{name}"
            );
            let got = c.mean_satisfaction();
            assert!(
                got.zip(mean).is_some_and(|(a, b)| (a - b).abs() < 1e-9),
                "{name}: {got:?} ≠ {mean:?}"
            );
        }
        assert_eq!(f.total.survey_rate(), Some(3.0 / 5.0));
        assert_eq!(surveys_counted(&surveys).len(), 4);
    }

    #[test]
    fn an_empty_period_has_no_mean_and_no_rate() {
        let f = service_figures(&[], &[], &[], &[], &Period::month(2026, 1).unwrap());
        assert_eq!(f.total, ServiceCounts::default());
        assert_eq!(f.total.mean_satisfaction(), None);
        assert_eq!(f.total.survey_rate(), None);
        assert!(f.by_village.is_empty() && f.by_doctor.is_empty());
    }
}
