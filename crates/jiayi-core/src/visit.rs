//! Visit records (履约记录): what was done for a resident, how, when, and the vitals measured.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::household::{Team, TeamMember, TeamRole};
use crate::{CoreError, Lang, Result};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    HypertensionFollowUp,
    DiabetesFollowUp,
    MentalFollowUp,
    TuberculosisVisit,
    HealthCheck,
    HealthAssessment,
    TcmAssessment,
    AntenatalVisit,
    PostpartumVisit,
    #[serde(rename = "postpartum_42_day")]
    Postpartum42Day,
    NewbornVisit,
    ChildCheck,
    HealthEducation,
    HomeVisit,
    Referral,
    Consultation,
    Monitoring,
    Rehabilitation,
}

impl VisitKind {
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            VisitKind::HypertensionFollowUp => ("高血压随访", "hypertension follow-up"),
            VisitKind::DiabetesFollowUp => ("糖尿病随访", "diabetes follow-up"),
            VisitKind::MentalFollowUp => ("精神障碍随访", "mental health follow-up"),
            VisitKind::TuberculosisVisit => ("肺结核访视", "tuberculosis visit"),
            VisitKind::HealthCheck => ("健康体检", "health check"),
            VisitKind::HealthAssessment => ("健康评估", "health assessment"),
            VisitKind::TcmAssessment => ("中医体质辨识", "TCM assessment"),
            VisitKind::AntenatalVisit => ("孕期检查", "antenatal visit"),
            VisitKind::PostpartumVisit => ("产后访视", "postpartum visit"),
            VisitKind::Postpartum42Day => ("产后42天检查", "42-day postpartum check"),
            VisitKind::NewbornVisit => ("新生儿访视", "newborn visit"),
            VisitKind::ChildCheck => ("儿童健康检查", "child check"),
            VisitKind::HealthEducation => ("健康教育", "health education"),
            VisitKind::HomeVisit => ("上门访视", "home visit"),
            VisitKind::Referral => ("转诊", "referral"),
            VisitKind::Consultation => ("诊疗", "consultation"),
            VisitKind::Monitoring => ("监测", "monitoring"),
            VisitKind::Rehabilitation => ("康复", "rehabilitation"),
        };
        lang.pick(zh, en)
    }
}

/// How the service was delivered.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitMode {
    Clinic,
    Home,
    Phone,
}

impl VisitMode {
    /// Face to face (at home or in the clinic): what the national standard counts toward the
    /// standard management of hypertension and diabetes. A phone follow-up is not.
    pub fn is_face_to_face(self) -> bool {
        matches!(self, VisitMode::Clinic | VisitMode::Home)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            VisitMode::Clinic => ("门诊", "clinic"),
            VisitMode::Home => ("入户", "home"),
            VisitMode::Phone => ("电话", "phone"),
        };
        lang.pick(zh, en)
    }
}

/// Vitals measured at a visit. Every field is optional; the ones given are range-checked.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Vitals {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub systolic_mmhg: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diastolic_mmhg: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heart_rate_bpm: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fasting_glucose_mmol_l: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height_cm: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waist_cm: Option<f64>,
}

/// Plausible ranges: values outside them are typing mistakes, not patients.
const RANGES: [(&str, f64, f64); 7] = [
    ("systolic", 60.0, 280.0),
    ("diastolic", 30.0, 160.0),
    ("heart_rate", 25.0, 250.0),
    ("fasting_glucose", 1.0, 35.0),
    ("height", 30.0, 250.0),
    ("weight", 1.0, 300.0),
    ("waist", 30.0, 200.0),
];

/// Targets of chronic disease control (DOMAIN.md): BP < 140/90 mmHg, fasting glucose < 7.0 mmol/L.
pub const BP_TARGET_SYSTOLIC: u16 = 140;
pub const BP_TARGET_DIASTOLIC: u16 = 90;
pub const GLUCOSE_TARGET_MMOL_L: f64 = 7.0;

impl Vitals {
    pub fn validate(&self) -> Result<()> {
        let values = [
            self.systolic_mmhg.map(f64::from),
            self.diastolic_mmhg.map(f64::from),
            self.heart_rate_bpm.map(f64::from),
            self.fasting_glucose_mmol_l,
            self.height_cm,
            self.weight_kg,
            self.waist_cm,
        ];
        for (value, (field, min, max)) in values.into_iter().zip(RANGES) {
            if let Some(value) = value
                && !(value.is_finite() && (min..=max).contains(&value))
            {
                return Err(CoreError::VitalOutOfRange {
                    field,
                    value,
                    min,
                    max,
                });
            }
        }
        match (self.systolic_mmhg, self.diastolic_mmhg) {
            (Some(s), Some(d)) if s <= d => Err(CoreError::BloodPressureInverted),
            (Some(_), None) | (None, Some(_)) => Err(CoreError::Required {
                field: if self.systolic_mmhg.is_none() {
                    "systolic"
                } else {
                    "diastolic"
                },
            }),
            _ => Ok(()),
        }
    }

    /// Body-mass index, rounded to one decimal, when height and weight are both known.
    pub fn bmi(&self) -> Option<f64> {
        let (h, w) = (self.height_cm?, self.weight_kg?);
        let m = h / 100.0;
        Some((w / (m * m) * 10.0).round() / 10.0)
    }

    /// Whether the blood pressure is on target; `None` when it was not measured.
    pub fn bp_on_target(&self) -> Option<bool> {
        Some(self.systolic_mmhg? < BP_TARGET_SYSTOLIC && self.diastolic_mmhg? < BP_TARGET_DIASTOLIC)
    }

    pub fn glucose_on_target(&self) -> Option<bool> {
        Some(self.fasting_glucose_mmol_l? < GLUCOSE_TARGET_MMOL_L)
    }

    pub fn is_empty(&self) -> bool {
        *self == Vitals::default()
    }
}

/// Which service item of which contract a visit fulfils.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemRef {
    pub contract_id: Uuid,
    pub package_code: String,
    pub item_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: Uuid,
    pub resident_id: Uuid,
    /// The team member who delivered the service (doctor, nurse, public-health worker).
    /// Stored as `doctor_id` by earlier versions, which is read as this field. A visit recorded
    /// without it is read as served by the contract's doctor of the day
    /// ([`crate::indicators::dataset`]).
    #[serde(default, alias = "doctor_id")]
    pub served_by: Option<Uuid>,
    pub kind: VisitKind,
    pub mode: VisitMode,
    /// When the service happened.
    pub occurred_at: DateTime<Utc>,
    /// When it was entered, stamped by the device: never typed.
    pub recorded_at: DateTime<Utc>,
    pub fulfils: Option<ItemRef>,
    pub vitals: Vitals,
    pub notes: String,
    /// The answers of the visit's record sheet ([`crate::visit_answers`]); none on visits of a
    /// kind without a form and on visits recorded before forms were asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<crate::visit_answers::FormRecord>,
}

pub const NOTES_MAX_CHARS: usize = 2000;

/// Checks a visit about to be recorded at `now`.
pub fn validate_visit(
    vitals: &Vitals,
    occurred_at: DateTime<Utc>,
    notes: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    vitals.validate()?;
    // A few minutes of clock drift between devices is tolerated.
    if occurred_at > now + chrono::Duration::minutes(5) {
        return Err(CoreError::VisitInFuture);
    }
    if notes.chars().count() > NOTES_MAX_CHARS {
        return Err(CoreError::TooLong {
            field: "notes",
            max: NOTES_MAX_CHARS,
        });
    }
    Ok(())
}

/// The team that answers for a resident on the visit day: the team of the contract covering
/// them that day, else the team serving their village. The one who served must be a member of
/// it; `team` is that team, `None` when no team answers for the resident.
pub fn check_served_by(team: Option<&Team>, member_id: Uuid) -> Result<&TeamMember> {
    let team = team.ok_or(CoreError::NoTeamOnVisitDay)?;
    team.member(member_id)
        .ok_or_else(|| CoreError::ServedByNotInTeam {
            team: team.name.clone(),
        })
}

/// Who served when the form does not say: the doctor enrolled on this device when they are in
/// the responsible team, else the contract's family doctor of the day, else the team's family
/// doctor (its leader when it has none).
pub fn default_served_by(
    team: Option<&Team>,
    enrolled: Option<Uuid>,
    contract_doctor: Option<Uuid>,
) -> Option<Uuid> {
    let team = team?;
    let in_team = |id: &Uuid| team.member(*id).is_some();
    enrolled
        .filter(in_team)
        .or(contract_doctor.filter(in_team))
        .or_else(|| {
            team.member_with_role(TeamRole::FamilyDoctor)
                .or_else(|| team.member_with_role(TeamRole::Leader))
                .map(|m| m.id)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bp(s: u16, d: u16) -> Vitals {
        Vitals {
            systolic_mmhg: Some(s),
            diastolic_mmhg: Some(d),
            ..Vitals::default()
        }
    }

    #[test]
    fn vitals_in_range_pass_and_out_of_range_say_which() {
        assert!(bp(135, 85).validate().is_ok());
        let table: [(Vitals, &str); 6] = [
            (bp(400, 80), "systolic"),
            (bp(120, 10), "diastolic"),
            (
                Vitals {
                    heart_rate_bpm: Some(0),
                    ..Vitals::default()
                },
                "heart_rate",
            ),
            (
                Vitals {
                    fasting_glucose_mmol_l: Some(70.0),
                    ..Vitals::default()
                },
                "fasting_glucose",
            ),
            (
                Vitals {
                    fasting_glucose_mmol_l: Some(f64::NAN),
                    ..Vitals::default()
                },
                "fasting_glucose",
            ),
            (
                Vitals {
                    height_cm: Some(1700.0),
                    ..Vitals::default()
                },
                "height",
            ),
        ];
        for (vitals, field) in table {
            match vitals.validate() {
                Err(CoreError::VitalOutOfRange { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{vitals:?} gave {other:?}"),
            }
        }
        assert_eq!(bp(80, 90).validate(), Err(CoreError::BloodPressureInverted));
        let half = Vitals {
            systolic_mmhg: Some(120),
            ..Vitals::default()
        };
        assert_eq!(
            half.validate(),
            Err(CoreError::Required { field: "diastolic" })
        );
    }

    #[test]
    fn bmi_and_targets() {
        let v = Vitals {
            height_cm: Some(170.0),
            weight_kg: Some(65.0),
            ..bp(139, 89)
        };
        assert_eq!(v.bmi(), Some(22.5));
        assert_eq!(v.bp_on_target(), Some(true));
        assert_eq!(bp(140, 80).bp_on_target(), Some(false));
        assert_eq!(bp(130, 90).bp_on_target(), Some(false));
        assert_eq!(Vitals::default().bp_on_target(), None);
        let g = Vitals {
            fasting_glucose_mmol_l: Some(6.9),
            ..Vitals::default()
        };
        assert_eq!(g.glucose_on_target(), Some(true));
    }

    #[test]
    fn visits_cannot_be_in_the_future() {
        let now: DateTime<Utc> = "2026-11-23T02:00:00Z".parse().unwrap();
        assert!(validate_visit(&Vitals::default(), now, "", now).is_ok());
        assert!(
            validate_visit(
                &Vitals::default(),
                now + chrono::Duration::minutes(3),
                "",
                now
            )
            .is_ok()
        );
        assert_eq!(
            validate_visit(
                &Vitals::default(),
                now + chrono::Duration::hours(1),
                "",
                now
            ),
            Err(CoreError::VisitInFuture)
        );
        let long = "字".repeat(NOTES_MAX_CHARS + 1);
        assert!(matches!(
            validate_visit(&Vitals::default(), now, &long, now),
            Err(CoreError::TooLong { .. })
        ));
    }

    fn team() -> Team {
        let member = |n: u128, name: &str, role: TeamRole| TeamMember {
            id: Uuid::from_u128(n),
            name: name.into(),
            role,
            phone: String::new(),
        };
        Team {
            id: Uuid::from_u128(1),
            name: "东村团队".into(),
            institution: String::new(),
            village_clinic: String::new(),
            villages: vec![],
            members: vec![
                member(10, "团队长", TeamRole::Leader),
                member(11, "家庭医生", TeamRole::FamilyDoctor),
                member(12, "护士", TeamRole::Nurse),
                member(13, "公卫", TeamRole::PublicHealth),
            ],
            service_hotline: String::new(),
            complaint_phone: String::new(),
            service_hours: String::new(),
        }
    }

    #[test]
    fn the_one_who_served_must_be_in_the_responsible_team() {
        let t = team();
        let u = Uuid::from_u128;
        // (team answering that day, member named, accepted role or the error's code)
        let table: [(Option<&Team>, Uuid, std::result::Result<TeamRole, &str>); 5] = [
            (Some(&t), u(11), Ok(TeamRole::FamilyDoctor)),
            (Some(&t), u(12), Ok(TeamRole::Nurse)),
            (Some(&t), u(13), Ok(TeamRole::PublicHealth)),
            (Some(&t), u(99), Err("served_by_not_in_team")),
            (None, u(11), Err("served_by_not_in_team")),
        ];
        for (team, member, expected) in table {
            let got = check_served_by(team, member)
                .map(|m| m.role)
                .map_err(|e| e.code());
            assert_eq!(
                got,
                expected,
                "member {member} of {:?}",
                team.map(|t| &t.name)
            );
        }
        let e = check_served_by(Some(&t), u(99)).unwrap_err();
        assert!(e.message(Lang::Zh).contains("东村团队"));
        assert!(e.message(Lang::En).contains("not a member"));
    }

    #[test]
    fn the_default_is_the_enrolled_doctor_in_the_team_else_the_contracts_doctor() {
        let t = team();
        let u = Uuid::from_u128;
        let table = [
            // (enrolled on the device, contract's doctor that day, default)
            (Some(u(12)), Some(u(11)), Some(u(12))),
            (Some(u(99)), Some(u(10)), Some(u(10))),
            (None, Some(u(10)), Some(u(10))),
            (Some(u(99)), Some(u(98)), Some(u(11))),
            (None, None, Some(u(11))),
        ];
        for (enrolled, doctor, expected) in table {
            assert_eq!(
                default_served_by(Some(&t), enrolled, doctor),
                expected,
                "enrolled {enrolled:?}, contract doctor {doctor:?}"
            );
        }
        assert_eq!(default_served_by(None, Some(u(11)), Some(u(11))), None);
    }

    #[test]
    fn visits_stored_before_the_field_still_load() {
        let base = serde_json::json!({
            "id": Uuid::from_u128(1),
            "resident_id": Uuid::from_u128(2),
            "kind": "hypertension_follow_up",
            "mode": "phone",
            "occurred_at": "2026-11-23T02:00:00Z",
            "recorded_at": "2026-11-23T02:00:00Z",
            "fulfils": null,
            "vitals": {},
            "notes": ""
        });
        let without: Visit = serde_json::from_value(base.clone()).unwrap();
        assert_eq!(without.served_by, None);
        let mut old = base.clone();
        old["doctor_id"] = serde_json::json!(Uuid::from_u128(3));
        let old: Visit = serde_json::from_value(old).unwrap();
        assert_eq!(old.served_by, Some(Uuid::from_u128(3)));
        let mut new = base;
        new["served_by"] = serde_json::json!(Uuid::from_u128(4));
        let new: Visit = serde_json::from_value(new).unwrap();
        assert_eq!(new.served_by, Some(Uuid::from_u128(4)));
        assert!(!VisitMode::Phone.is_face_to_face());
        assert!(VisitMode::Home.is_face_to_face() && VisitMode::Clinic.is_face_to_face());
    }
}
