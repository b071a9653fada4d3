//! Visit forms through the API on real store files: a hypertension follow-up recorded with the
//! standard's fields, a bad answer refused with nothing saved, the next visit pre-filled with
//! the last lifestyle and medication answers (never vitals, never the classification), the
//! readings of the year, visits stored before forms read as before, and the answers travel
//! to a colleague's device through a real township server.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_api::{Api, FixedClock, VisitFormQuery, VisitRequest};
use jiayi_core::Lang;
use jiayi_core::time::china_noon;
use jiayi_core::visit::{Visit, VisitKind, VisitMode, Vitals};
use jiayi_core::visit_form::{AnswerValue, Answers};
use uuid::Uuid;

use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Township, V1};

use crate::sync::{Device, register, store_at};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn on(api: &mut Api, d: NaiveDate) -> DateTime<Utc> {
    let at = china_noon(d);
    api.set_clock(Box::new(FixedClock(at)));
    at
}

fn text(s: &str) -> AnswerValue {
    AnswerValue::Text(s.into())
}

fn answers(pairs: &[(&str, AnswerValue)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn follow_up(resident: Uuid, bp: (u16, u16), answers: Answers) -> VisitRequest {
    VisitRequest {
        resident_id: resident,
        item_code: None,
        kind: Some(VisitKind::HypertensionFollowUp),
        mode: VisitMode::Home,
        occurred_at: None,
        vitals: Vitals {
            systolic_mmhg: Some(bp.0),
            diastolic_mmhg: Some(bp.1),
            height_cm: Some(168.0),
            weight_kg: Some(66.0),
            ..Vitals::default()
        },
        notes: String::new(),
        served_by: None,
        answers,
    }
}

fn query(resident: Uuid, kind: VisitKind) -> VisitFormQuery {
    VisitFormQuery {
        resident_id: resident,
        item_code: None,
        kind: Some(kind),
    }
}

#[test]
fn a_follow_up_with_the_standards_fields_is_kept_and_pre_fills_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::new(store_at(&dir.path().join("jiayi.sqlite3")), Lang::Zh);
    let (household, members) = register(&mut api, "东庄村", 1);
    let zhang = members[0];

    // The first follow-up: nothing to pre-fill yet, the form is the standard's sheet.
    on(&mut api, day(2026, 3, 2));
    let first = api
        .visit_form(&query(zhang, VisitKind::HypertensionFollowUp))
        .unwrap();
    let form = first
        .form
        .as_ref()
        .expect("a hypertension follow-up has a form");
    assert_eq!(form.title, "高血压患者随访服务记录表");
    assert!(first.prefill.is_empty() && first.prefill_from.is_none());
    assert!(first.readings.is_empty());

    let standard = answers(&[
        ("symptoms", AnswerValue::Choices(vec!["headache".into()])),
        ("smoking", AnswerValue::Number(10.0)),
        ("drinking", AnswerValue::Number(1.0)),
        ("exercise_per_week", AnswerValue::Number(3.0)),
        ("salt_intake", text("heavy")),
        ("medication", text("氨氯地平 5mg 每日一次")),
        ("adherence", text("intermittent")),
        ("adverse_reaction", AnswerValue::YesNo(false)),
        ("classification", text("unsatisfactory")),
        ("referral", AnswerValue::YesNo(false)),
        ("next_visit", text("2026-06-02")),
    ]);
    api.record_visit(&follow_up(zhang, (152, 96), standard.clone()))
        .unwrap();

    // A bad answer is refused, naming the field, and nothing is saved.
    on(&mut api, day(2026, 6, 2));
    let before = api.store().visit_count().unwrap();
    let table: [(&str, AnswerValue, &str, &str); 4] = [
        (
            "smoking",
            AnswerValue::Number(400.0),
            "invalid_answer",
            "日吸烟量",
        ),
        (
            "adherence",
            text("sometimes"),
            "invalid_answer",
            "服药依从性",
        ),
        (
            "next_visit",
            text("2026-05-01"),
            "invalid_answer",
            "下次随访日期",
        ),
        (
            "pulse",
            AnswerValue::Number(70.0),
            "invalid_answer",
            "pulse",
        ),
    ];
    for (code, value, error, named) in table {
        let mut bad = standard.clone();
        bad.insert(code.into(), value);
        bad.insert("next_visit".into(), text("2026-09-01"));
        if code == "next_visit" {
            bad.insert(code.into(), text("2026-05-01"));
        }
        let e = api
            .record_visit(&follow_up(zhang, (138, 86), bad))
            .unwrap_err();
        assert_eq!(e.code, error, "{code}");
        assert!(e.message.contains(named), "{code}: {}", e.message);
    }
    // Glucose is not asked at a hypertension follow-up.
    let mut glucose = follow_up(zhang, (138, 86), Answers::new());
    glucose.vitals.fasting_glucose_mmol_l = Some(6.1);
    assert_eq!(
        api.record_visit(&glucose).unwrap_err().code,
        "form_not_asked"
    );
    assert_eq!(api.store().visit_count().unwrap(), before);

    // The second follow-up pre-fills lifestyle and medication, not vitals, symptoms, the
    // classification or the date, and shows the first reading.
    let second = api
        .visit_form(&query(zhang, VisitKind::HypertensionFollowUp))
        .unwrap();
    assert_eq!(
        second
            .prefill
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [
            "adherence",
            "drinking",
            "exercise_per_week",
            "medication",
            "salt_intake",
            "smoking"
        ]
    );
    assert_eq!(second.prefill["adherence"], text("intermittent"));
    assert_eq!(second.prefill_from, Some(china_noon(day(2026, 3, 2))));
    assert_eq!(second.readings.len(), 1);
    assert_eq!(second.readings[0].systolic_mmhg, Some(152));
    assert_eq!(second.readings[0].on, day(2026, 3, 2));

    // Saved with only the vitals, as the bedside flow may: the classification follows the
    // blood pressure.
    api.record_visit(&follow_up(zhang, (135, 85), Answers::new()))
        .unwrap();
    let visits = api.store().visits_of_resident(zhang).unwrap();
    assert_eq!(visits.len(), 2);
    let kept = visits[1].form.as_ref().unwrap();
    assert_eq!(kept.version, "2026");
    assert_eq!(kept.answers, standard);
    let latest = visits[0].form.as_ref().unwrap();
    assert_eq!(latest.answers["classification"], text("satisfactory"));

    // The household page shows the answers in a line.
    let rows = api.household_visits(household).unwrap();
    assert!(
        rows[1].form_summary.contains("摄盐情况：重")
            && rows[1].form_summary.contains("日吸烟量：10支/日")
            && rows[1].form_summary.contains("服药依从性：间断"),
        "{}",
        rows[1].form_summary
    );
    assert_eq!(rows[0].form_summary, "此次随访分类：控制满意");

    // A year on, the March reading has left the trend.
    on(&mut api, day(2027, 3, 10));
    let later = api
        .visit_form(&query(zhang, VisitKind::HypertensionFollowUp))
        .unwrap();
    assert_eq!(later.readings.len(), 1);
    assert_eq!(later.readings[0].on, day(2026, 6, 2));
}

#[test]
fn kinds_without_a_form_take_no_answers_and_health_education_asks_no_vitals() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::new(store_at(&dir.path().join("jiayi.sqlite3")), Lang::En);
    let (_, members) = register(&mut api, "东庄村", 2);
    on(&mut api, day(2026, 5, 5));
    let mut home = follow_up(members[1], (120, 80), answers(&[("smoking", text("0"))]));
    home.kind = Some(VisitKind::HomeVisit);
    let view = api
        .visit_form(&query(members[1], VisitKind::HomeVisit))
        .unwrap();
    assert!(view.form.is_none());
    let e = api.record_visit(&home).unwrap_err();
    assert_eq!(e.code, "form_not_asked");
    home.answers.clear();
    api.record_visit(&home).unwrap();

    let mut education = follow_up(members[1], (120, 80), Answers::new());
    education.kind = Some(VisitKind::HealthEducation);
    education.answers = answers(&[
        ("topic", text("Salt and blood pressure")),
        ("education_form", text("individual")),
    ]);
    let e = api.record_visit(&education).unwrap_err();
    assert_eq!(e.message, "this form does not ask the blood pressure");
    education.vitals = Vitals::default();
    education.answers.remove("topic");
    let e = api.record_visit(&education).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("required", "topic is required")
    );
    education
        .answers
        .insert("topic".into(), text("Salt and blood pressure"));
    api.record_visit(&education).unwrap();
    assert_eq!(api.store().visit_count().unwrap(), 2);
}

#[test]
fn a_visit_stored_before_forms_reads_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::new(store_at(&dir.path().join("jiayi.sqlite3")), Lang::Zh);
    let (household, members) = register(&mut api, "东庄村", 3);
    let at = on(&mut api, day(2026, 4, 4));
    // The payload an earlier version wrote and synced: no form, the doctor as `doctor_id`.
    let old: Visit = serde_json::from_value(serde_json::json!({
        "id": Uuid::now_v7(),
        "resident_id": members[0],
        "doctor_id": null,
        "kind": "hypertension_follow_up",
        "mode": "clinic",
        "occurred_at": at,
        "recorded_at": at,
        "fulfils": null,
        "vitals": { "systolic_mmhg": 141, "diastolic_mmhg": 88 },
        "notes": ""
    }))
    .unwrap();
    assert!(old.form.is_none());
    api.store_mut().record_visit(&old, at).unwrap();
    let stored = api.store().visits_of_resident(members[0]).unwrap();
    assert_eq!(stored, vec![old]);
    assert!(
        serde_json::to_value(&stored[0])
            .unwrap()
            .get("form")
            .is_none()
    );
    let rows = api.household_visits(household).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].form_summary, "");
    let view = api
        .visit_form(&query(members[0], VisitKind::HypertensionFollowUp))
        .unwrap();
    assert!(view.prefill.is_empty());
    assert_eq!(view.readings[0].systolic_mmhg, Some(141));
}

#[test]
fn the_answers_reach_a_colleagues_device_and_pre_fill_there() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let mut b = Device::new(&t, "周医生", &[V1]);
    let (_, members) = register(&mut a.api, "东庄村", 4);
    let lifestyle = answers(&[
        ("salt_intake", text("light")),
        ("medication", text("缬沙坦 80mg 每日一次")),
        ("adherence", text("regular")),
    ]);
    a.api
        .record_visit(&follow_up(members[0], (128, 80), lifestyle.clone()))
        .unwrap();
    a.sync().unwrap();
    b.sync().unwrap();
    let pulled = b.api.store().visits_of_resident(members[0]).unwrap();
    let mine = a.api.store().visits_of_resident(members[0]).unwrap();
    assert_eq!(pulled, mine);
    let form = pulled[0].form.as_ref().unwrap();
    assert_eq!(form.answers["classification"], text("satisfactory"));
    let there = b
        .api
        .visit_form(&query(members[0], VisitKind::HypertensionFollowUp))
        .unwrap();
    assert_eq!(there.prefill, lifestyle);
    assert_eq!(there.readings[0].systolic_mmhg, Some(128));
}
