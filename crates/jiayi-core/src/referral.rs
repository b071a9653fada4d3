//! Two-way referral (双向转诊): a resident referred out to another institution (转出) and,
//! later, referred back (转回) with the plan the village doctor follows from then on.
//!
//! Both are history, written once and never edited: a referral back is its own record naming
//! the referral out it closes. A referral is open from its day until a referral back naming it
//! takes effect.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Lang;

/// Longest institution name kept (a county hospital's full name fits easily).
pub const INSTITUTION_MAX: usize = 60;
/// Longest reason for a referral.
pub const REASON_MAX: usize = 200;
/// Longest follow-up plan after a referral back.
pub const PLAN_MAX: usize = 500;

/// How urgent a referral out is, when the doctor says.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 常规转诊
    Routine,
    /// 紧急转诊
    Urgent,
}

impl Urgency {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Urgency::Routine => lang.pick("常规", "routine"),
            Urgency::Urgent => lang.pick("紧急", "urgent"),
        }
    }
}

/// A resident referred out to another institution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralOut {
    pub id: Uuid,
    pub resident_id: Uuid,
    /// The resident's household when referred: the record travels with it.
    pub household_id: Uuid,
    /// The household's village when referred (what the reports group by).
    pub village_id: Uuid,
    /// The team member who referred.
    pub doctor_id: Option<Uuid>,
    pub to_institution: String,
    pub reason: String,
    pub referred_on: NaiveDate,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    pub recorded_at: DateTime<Utc>,
}

/// A resident referred back, closing the referral out it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralBack {
    pub id: Uuid,
    /// The referral out this one closes.
    pub referral_id: Uuid,
    pub resident_id: Uuid,
    pub household_id: Uuid,
    pub village_id: Uuid,
    /// The team member who recorded the return.
    pub doctor_id: Option<Uuid>,
    pub returned_on: NaiveDate,
    /// What the village doctor does from now on (follow-up visits, medication, review).
    pub follow_up_plan: String,
    pub recorded_at: DateTime<Utc>,
}

/// Why a referral cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    #[error("{} is required", field_en(field))]
    Required { field: &'static str },
    #[error("{} is too long (at most {max} characters)", field_en(field))]
    TooLong { field: &'static str, max: usize },
    #[error("the date {date} is before the resident's birth ({birth})")]
    BeforeBirth { date: NaiveDate, birth: NaiveDate },
    #[error("the date {0} is in the future")]
    InFuture(NaiveDate),
    #[error("the return ({returned_on}) is before the referral ({referred_on})")]
    BackBeforeOut {
        returned_on: NaiveDate,
        referred_on: NaiveDate,
    },
    #[error("this referral was already closed by a referral back")]
    NotOpen,
    #[error("the referral out concerns another resident")]
    OtherResident,
}

impl ReferralError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ReferralError::Required { .. } => "required",
            ReferralError::TooLong { .. } => "too_long",
            ReferralError::BeforeBirth { .. }
            | ReferralError::InFuture(_)
            | ReferralError::BackBeforeOut { .. } => "invalid_date",
            ReferralError::NotOpen => "referral_closed",
            ReferralError::OtherResident => "invalid_referral",
        }
    }

    /// The message for a person, in their language.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            ReferralError::Required { field } => format!("请填写{}", field_zh(field)),
            ReferralError::TooLong { field, max } => {
                format!("{}过长（最多{max}个字）", field_zh(field))
            }
            ReferralError::BeforeBirth { date, birth } => {
                format!("日期{date}早于居民的出生日期（{birth}）")
            }
            ReferralError::InFuture(date) => format!("日期{date}晚于今天"),
            ReferralError::BackBeforeOut {
                returned_on,
                referred_on,
            } => format!("转回日期（{returned_on}）早于转出日期（{referred_on}）"),
            ReferralError::NotOpen => "该转诊已登记转回，不能再次转回".into(),
            ReferralError::OtherResident => "该转出记录不是这位居民的".into(),
        }
    }
}

fn field_zh(field: &str) -> &str {
    match field {
        "to_institution" => "转入机构",
        "reason" => "转诊原因",
        "follow_up_plan" => "后续随访计划",
        other => other,
    }
}

fn field_en(field: &str) -> &str {
    match field {
        "to_institution" => "the receiving institution",
        "reason" => "the reason for the referral",
        "follow_up_plan" => "the follow-up plan",
        other => other,
    }
}

/// A text field as kept: trimmed, present, not longer than `max` characters.
fn text(value: &str, field: &'static str, max: usize) -> Result<String, ReferralError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ReferralError::Required { field });
    }
    if value.chars().count() > max {
        return Err(ReferralError::TooLong { field, max });
    }
    Ok(value.to_string())
}

fn check_day(
    day: NaiveDate,
    birth: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), ReferralError> {
    if let Some(birth) = birth.filter(|b| day < *b) {
        return Err(ReferralError::BeforeBirth { date: day, birth });
    }
    if day > today {
        return Err(ReferralError::InFuture(day));
    }
    Ok(())
}

/// What a referral out says, as the form gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralOutForm<'a> {
    pub to_institution: &'a str,
    pub reason: &'a str,
    pub referred_on: NaiveDate,
}

/// The institution and reason as kept (trimmed), when the referral out may be recorded: both
/// given and not too long, on a day neither before the resident's birth nor after today.
pub fn check_referral_out(
    form: &ReferralOutForm<'_>,
    birth: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(String, String), ReferralError> {
    let institution = text(form.to_institution, "to_institution", INSTITUTION_MAX)?;
    let reason = text(form.reason, "reason", REASON_MAX)?;
    check_day(form.referred_on, birth, today)?;
    Ok((institution, reason))
}

/// The follow-up plan as kept, when `out` may be closed by a referral back of `resident_id` on
/// `returned_on`: the same resident, still open (no referral back among `backs` names it), the
/// return neither before the referral nor after today.
pub fn check_referral_back(
    out: &ReferralOut,
    backs: &[ReferralBack],
    resident_id: Uuid,
    returned_on: NaiveDate,
    follow_up_plan: &str,
    today: NaiveDate,
) -> Result<String, ReferralError> {
    if out.resident_id != resident_id {
        return Err(ReferralError::OtherResident);
    }
    if backs.iter().any(|b| b.referral_id == out.id) {
        return Err(ReferralError::NotOpen);
    }
    let plan = text(follow_up_plan, "follow_up_plan", PLAN_MAX)?;
    if returned_on < out.referred_on {
        return Err(ReferralError::BackBeforeOut {
            returned_on,
            referred_on: out.referred_on,
        });
    }
    check_day(returned_on, None, today)?;
    Ok(plan)
}

/// The referral back that closes `out`, if one was recorded. Two devices may each record one
/// offline; the earliest return (then the smaller id) is the one that counts.
pub fn back_of<'a>(out: &ReferralOut, backs: &'a [ReferralBack]) -> Option<&'a ReferralBack> {
    backs
        .iter()
        .filter(|b| b.referral_id == out.id)
        .min_by_key(|b| (b.returned_on, b.id))
}

/// Whether the referral is open on `day`: referred out on or before it, not yet back by then.
pub fn is_open_on(out: &ReferralOut, backs: &[ReferralBack], day: NaiveDate) -> bool {
    out.referred_on <= day && back_of(out, backs).is_none_or(|b| b.returned_on > day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const RESIDENT: Uuid = Uuid::from_u128(1);

    fn out(on: NaiveDate) -> ReferralOut {
        ReferralOut {
            id: Uuid::from_u128(10),
            resident_id: RESIDENT,
            household_id: Uuid::from_u128(2),
            village_id: Uuid::from_u128(3),
            doctor_id: None,
            to_institution: "县人民医院".into(),
            reason: "血压控制不佳".into(),
            referred_on: on,
            urgency: None,
            recorded_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn back(on: NaiveDate, id: u128) -> ReferralBack {
        ReferralBack {
            id: Uuid::from_u128(id),
            referral_id: Uuid::from_u128(10),
            resident_id: RESIDENT,
            household_id: Uuid::from_u128(2),
            village_id: Uuid::from_u128(3),
            doctor_id: None,
            returned_on: on,
            follow_up_plan: "每两周随访血压".into(),
            recorded_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn a_referral_out_needs_a_place_a_reason_and_a_possible_day() {
        let today = d(2026, 6, 1);
        let birth = Some(d(1955, 4, 1));
        let form = |inst, reason, on| ReferralOutForm {
            to_institution: inst,
            reason,
            referred_on: on,
        };
        let long = "医".repeat(INSTITUTION_MAX + 1);
        let cases: [(&str, ReferralOutForm<'_>, Result<(), &str>); 6] = [
            ("kept", form(" 县医院 ", "胸痛", today), Ok(())),
            ("no place", form("  ", "胸痛", today), Err("required")),
            ("no reason", form("县医院", "", today), Err("required")),
            ("long place", form(&long, "胸痛", today), Err("too_long")),
            (
                "before birth",
                form("县医院", "胸痛", d(1950, 1, 1)),
                Err("invalid_date"),
            ),
            (
                "tomorrow",
                form("县医院", "胸痛", d(2026, 6, 2)),
                Err("invalid_date"),
            ),
        ];
        for (name, f, expected) in cases {
            let got = check_referral_out(&f, birth, today);
            assert_eq!(
                got.as_ref().map(|_| ()).map_err(|e| e.code()),
                expected,
                "{name}"
            );
        }
        assert_eq!(
            check_referral_out(&form(" 县医院 ", " 胸痛", today), birth, today).unwrap(),
            ("县医院".to_string(), "胸痛".to_string()),
            "texts are kept trimmed"
        );
    }

    #[test]
    fn a_referral_back_closes_an_open_referral_of_the_same_resident_once() {
        let today = d(2026, 6, 30);
        let o = out(d(2026, 6, 1));
        let plan = "每两周随访血压";
        assert_eq!(
            check_referral_back(&o, &[], RESIDENT, d(2026, 6, 10), plan, today),
            Ok(plan.to_string())
        );
        let err = |r: Result<String, ReferralError>| r.unwrap_err().code();
        assert_eq!(
            err(check_referral_back(
                &o,
                &[],
                Uuid::from_u128(9),
                d(2026, 6, 10),
                plan,
                today
            )),
            "invalid_referral"
        );
        assert_eq!(
            err(check_referral_back(
                &o,
                &[back(d(2026, 6, 5), 20)],
                RESIDENT,
                d(2026, 6, 10),
                plan,
                today
            )),
            "referral_closed"
        );
        assert_eq!(
            err(check_referral_back(
                &o,
                &[],
                RESIDENT,
                d(2026, 5, 31),
                plan,
                today
            )),
            "invalid_date"
        );
        assert_eq!(
            err(check_referral_back(
                &o,
                &[],
                RESIDENT,
                d(2026, 7, 1),
                plan,
                today
            )),
            "invalid_date"
        );
        assert_eq!(
            err(check_referral_back(
                &o,
                &[],
                RESIDENT,
                d(2026, 6, 10),
                " ",
                today
            )),
            "required"
        );
        let same_day = check_referral_back(&o, &[], RESIDENT, d(2026, 6, 1), plan, today);
        assert!(same_day.is_ok(), "back on the day of the referral");
    }

    #[test]
    fn a_referral_is_open_from_its_day_until_the_return() {
        let o = out(d(2026, 6, 1));
        let backs = [back(d(2026, 6, 20), 21), back(d(2026, 6, 10), 22)];
        for (day, open_without, open_with) in [
            (d(2026, 5, 31), false, false),
            (d(2026, 6, 1), true, true),
            (d(2026, 6, 9), true, true),
            (d(2026, 6, 10), true, false),
            (d(2026, 12, 31), true, false),
        ] {
            assert_eq!(is_open_on(&o, &[], day), open_without, "{day} without");
            assert_eq!(is_open_on(&o, &backs, day), open_with, "{day} with");
        }
        assert_eq!(back_of(&o, &backs).map(|b| b.id), Some(Uuid::from_u128(22)));
    }

    #[test]
    fn every_error_speaks_both_languages() {
        for e in [
            ReferralError::Required { field: "reason" },
            ReferralError::TooLong {
                field: "to_institution",
                max: 60,
            },
            ReferralError::BeforeBirth {
                date: d(1950, 1, 1),
                birth: d(1955, 1, 1),
            },
            ReferralError::InFuture(d(2030, 1, 1)),
            ReferralError::BackBeforeOut {
                returned_on: d(2026, 1, 1),
                referred_on: d(2026, 2, 1),
            },
            ReferralError::NotOpen,
            ReferralError::OtherResident,
        ] {
            let zh = e.message(Lang::Zh);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(e.message(Lang::En).is_ascii());
        }
    }
}
