use super::*;
use crate::visit::VisitMode;
use uuid::Uuid;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
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

fn bp(s: u16, dia: u16) -> Vitals {
    Vitals {
        systolic_mmhg: Some(s),
        diastolic_mmhg: Some(dia),
        ..Vitals::default()
    }
}

fn hypertension() -> VisitForm {
    FormSet::current()
        .unwrap()
        .form(VisitKind::HypertensionFollowUp)
        .unwrap()
        .clone()
}

#[test]
fn the_shipped_forms_are_valid_and_cover_the_standards_sheets() {
    let set = FormSet::current().unwrap();
    assert_eq!(set.version, "2026");
    let kinds = [
        VisitKind::HypertensionFollowUp,
        VisitKind::DiabetesFollowUp,
        VisitKind::HealthCheck,
        VisitKind::MentalFollowUp,
        VisitKind::ChildCheck,
        VisitKind::PostpartumVisit,
        VisitKind::HealthEducation,
    ];
    for kind in kinds {
        assert!(set.form(kind).is_some(), "{kind:?} has a form");
    }
    assert!(set.form(VisitKind::NewbornVisit).is_none());
    let h = hypertension();
    for code in [
        "symptoms",
        "smoking",
        "drinking",
        "exercise_per_week",
        "salt_intake",
        "medication",
        "adherence",
        "adverse_reaction",
        "classification",
        "referral",
        "next_visit",
    ] {
        assert!(
            h.fields.iter().any(|f| f.code == code),
            "hypertension {code}"
        );
    }
    let adherence = h.fields.iter().find(|f| f.code == "adherence").unwrap();
    let labels: Vec<_> = adherence.options.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(labels, ["规律", "间断", "不服药"]);
    let diabetes = set.form(VisitKind::DiabetesFollowUp).unwrap();
    assert!(diabetes.vitals.contains(&VitalSign::FastingGlucose));
    assert!(diabetes.fields.iter().any(|f| f.code == "hypoglycemia"));
    let mental = set.form(VisitKind::MentalFollowUp).unwrap();
    let risk = mental
        .fields
        .iter()
        .find(|f| f.code == "risk_level")
        .unwrap();
    assert_eq!(risk.options.len(), 6);
    assert!(
        set.form(VisitKind::HealthEducation)
            .unwrap()
            .vitals
            .is_empty()
    );
    // Never carried over: vitals are not fields, and no classification carries over.
    for form in &set.forms {
        for f in &form.fields {
            assert!(
                !(f.carry_over && f.code == "classification"),
                "{:?}",
                form.kind
            );
        }
    }
}

#[test]
fn bad_definitions_are_refused_with_what_is_wrong() {
    let base = r#"
version = "t"
[[forms]]
kind = "health_education"
title = "健康教育"
title_en = "Health education"
vitals = []
"#;
    let field = |body: &str| format!("{base}[[forms.fields]]\n{body}\n");
    let table = [
        ("version = \"\"\nforms = []", "no version"),
        (
            &field(
                "code = \"a\"\nlabel = \"A\"\nlabel_en = \"A\"\ntype = \"choice\"\noptions = [{ code = \"x\", label = \"X\", label_en = \"X\" }]",
            ),
            "fewer than two options",
        ),
        (
            &field(
                "code = \"a\"\nlabel = \"A\"\nlabel_en = \"A\"\ntype = \"number\"\nmin = 5\nmax = 1",
            ),
            "min < max",
        ),
        (
            &field(
                "code = \"a\"\nlabel = \"A\"\nlabel_en = \"A\"\ntype = \"text\"\nmin = 1\nmax = 5",
            ),
            "not a number",
        ),
        (
            &field(
                "code = \"a\"\nlabel = \"A\"\nlabel_en = \"A\"\ntype = \"date\"\ncarry_over = true",
            ),
            "never carries over",
        ),
        (
            &format!(
                "{}{}",
                field("code = \"a\"\nlabel = \"A\"\nlabel_en = \"A\"\ntype = \"text\""),
                "[[forms.fields]]\ncode = \"a\"\nlabel = \"B\"\nlabel_en = \"B\"\ntype = \"text\"\n"
            ),
            "twice",
        ),
        (
            &format!("{base}{}", base.replace("version = \"t\"", "")),
            "two forms",
        ),
        ("version = 3", "cannot be read"),
    ];
    for (text, expected) in table {
        let e = FormSet::parse(text).unwrap_err();
        assert!(
            e.to_string().contains(expected),
            "{text}\n gave {e}, expected {expected}"
        );
        assert_eq!(e.code(), "invalid_forms");
    }
}

#[test]
fn answers_are_checked_against_their_fields() {
    let h = hypertension();
    let visit_day = d(2026, 12, 7);
    let good = answers(&[
        ("symptoms", AnswerValue::Choices(vec!["none".into()])),
        ("smoking", AnswerValue::Number(5.0)),
        ("salt_intake", text("moderate")),
        ("medication", text("氨氯地平 5mg 每日一次")),
        ("adherence", text("regular")),
        ("adverse_reaction", AnswerValue::YesNo(false)),
        ("classification", text("satisfactory")),
        ("next_visit", text("2027-03-07")),
    ]);
    let done = h.complete(&good, &bp(135, 85), visit_day).unwrap();
    assert_eq!(done, good);

    // (answer changed, error code, field named, words of the Chinese message)
    let table: [(&str, AnswerValue, &str, &str); 9] = [
        (
            "smoking",
            AnswerValue::Number(500.0),
            "invalid_answer",
            "日吸烟量",
        ),
        ("smoking", text("五"), "invalid_answer", "类型不对"),
        ("salt_intake", text("none"), "invalid_answer", "摄盐情况"),
        (
            "symptoms",
            AnswerValue::Choices(vec!["none".into(), "none".into()]),
            "invalid_answer",
            "症状",
        ),
        (
            "symptoms",
            AnswerValue::Choices(vec!["fever".into()]),
            "invalid_answer",
            "“fever”不是“症状”的选项",
        ),
        ("next_visit", text("2026-12-07"), "invalid_answer", "应晚于"),
        ("next_visit", text("明年"), "invalid_answer", "无法识别"),
        (
            "medication",
            text(&"药".repeat(301)),
            "invalid_answer",
            "最多300个字",
        ),
        ("wrong", text("x"), "invalid_answer", "wrong"),
    ];
    for (code, value, error_code, words) in table {
        let mut bad = good.clone();
        bad.insert(code.into(), value.clone());
        let e = h.complete(&bad, &bp(135, 85), visit_day).unwrap_err();
        assert_eq!(e.code(), error_code, "{code} = {value:?}");
        assert_eq!(e.field(), Some(code));
        let zh = e.message(Lang::Zh);
        assert!(zh.contains(words), "{code} = {value:?}: {zh}");
        assert!(!e.message(Lang::En).is_empty());
    }
}

#[test]
fn required_fields_are_derived_from_the_vitals_or_refused() {
    let h = hypertension();
    let day = d(2026, 12, 7);
    // Nothing but the vitals: the classification follows the blood pressure.
    let on = h.complete(&Answers::new(), &bp(135, 85), day).unwrap();
    assert_eq!(on.get("classification"), Some(&text("satisfactory")));
    let off = h.complete(&Answers::new(), &bp(150, 95), day).unwrap();
    assert_eq!(off.get("classification"), Some(&text("unsatisfactory")));
    // An answer given wins over the derivation.
    let given = answers(&[("classification", text("complication"))]);
    let kept = h.complete(&given, &bp(135, 85), day).unwrap();
    assert_eq!(kept.get("classification"), Some(&text("complication")));
    // No blood pressure and no answer: the doctor must say.
    let e = h
        .complete(&Answers::new(), &Vitals::default(), day)
        .unwrap_err();
    assert_eq!(e.code(), "required");
    assert_eq!(e.message(Lang::Zh), "请填写“此次随访分类”");
    assert!(e.message(Lang::En).contains("classification"));
    // A blank text counts as unanswered.
    let education = FormSet::current()
        .unwrap()
        .form(VisitKind::HealthEducation)
        .unwrap()
        .clone();
    let blank = answers(&[("topic", text("  ")), ("education_form", text("lecture"))]);
    let e = education
        .complete(&blank, &Vitals::default(), day)
        .unwrap_err();
    assert_eq!(e.field(), Some("topic"));
}

#[test]
fn vitals_the_form_does_not_ask_are_refused() {
    let set = FormSet::current().unwrap();
    let education = set.form(VisitKind::HealthEducation).unwrap();
    let ok = answers(&[
        ("topic", text("高血压防治")),
        ("education_form", text("lecture")),
    ]);
    let day = d(2026, 12, 7);
    assert!(education.complete(&ok, &Vitals::default(), day).is_ok());
    let e = education.complete(&ok, &bp(120, 80), day).unwrap_err();
    assert_eq!(e.code(), "form_not_asked");
    assert_eq!(e.message(Lang::Zh), "本记录表不测量血压");
    let glucose = Vitals {
        fasting_glucose_mmol_l: Some(6.0),
        ..Vitals::default()
    };
    let e = hypertension()
        .complete(&Answers::new(), &Vitals { ..glucose }, day)
        .unwrap_err();
    assert_eq!(e, FormError::VitalNotAsked("fasting glucose"));
}

#[test]
fn lifestyle_and_medication_carry_over_but_not_the_classification_or_dates() {
    let h = hypertension();
    let last = FormRecord {
        version: "2026".into(),
        answers: answers(&[
            ("smoking", AnswerValue::Number(10.0)),
            ("salt_intake", text("heavy")),
            ("medication", text("氨氯地平")),
            ("adherence", text("intermittent")),
            ("symptoms", AnswerValue::Choices(vec!["headache".into()])),
            ("classification", text("unsatisfactory")),
            ("next_visit", text("2027-01-01")),
            // An answer that no longer fits the field is not offered.
            ("drinking", AnswerValue::Number(99.0)),
        ]),
    };
    let pre = h.carried_over(&last, d(2026, 12, 7));
    assert_eq!(
        pre.keys().map(String::as_str).collect::<Vec<_>>(),
        ["adherence", "medication", "salt_intake", "smoking"]
    );
}

fn visit(n: u128, kind: VisitKind, at: &str, vitals: Vitals, form: Option<FormRecord>) -> Visit {
    Visit {
        id: Uuid::from_u128(n),
        resident_id: Uuid::from_u128(1),
        served_by: None,
        kind,
        mode: VisitMode::Home,
        occurred_at: at.parse().unwrap(),
        recorded_at: at.parse().unwrap(),
        fulfils: None,
        vitals,
        notes: String::new(),
        form,
    }
}

#[test]
fn readings_of_the_last_twelve_months_oldest_first() {
    let glucose = Vitals {
        fasting_glucose_mmol_l: Some(7.4),
        ..Vitals::default()
    };
    let record = |v: &str| {
        Some(FormRecord {
            version: v.into(),
            answers: Answers::new(),
        })
    };
    let k = VisitKind::HypertensionFollowUp;
    let visits = [
        visit(1, k, "2026-09-01T02:00:00Z", bp(150, 95), record("a")),
        visit(2, k, "2025-12-06T02:00:00Z", bp(160, 100), record("old")),
        visit(3, k, "2025-12-07T17:00:00Z", bp(140, 90), None),
        visit(
            4,
            VisitKind::DiabetesFollowUp,
            "2026-06-01T02:00:00Z",
            glucose,
            None,
        ),
        visit(5, k, "2026-11-01T02:00:00Z", bp(132, 84), None),
        visit(
            6,
            VisitKind::HealthEducation,
            "2026-11-02T02:00:00Z",
            Vitals::default(),
            None,
        ),
    ];
    let r = readings(&visits, d(2026, 12, 7));
    // 2025-12-07 17:00 UTC is 2025-12-08 in the village: inside; 2025-12-06 is not.
    let days: Vec<_> = r.iter().map(|x| x.on.to_string()).collect();
    assert_eq!(
        days,
        ["2025-12-08", "2026-06-01", "2026-09-01", "2026-11-01"]
    );
    assert_eq!(r[1].fasting_glucose_mmol_l, Some(7.4));
    assert_eq!(r[3].systolic_mmhg, Some(132));
    // The last visit of the kind with a form, not the last visit.
    assert_eq!(
        last_with_form(&visits, k).map(|v| v.id),
        Some(Uuid::from_u128(1))
    );
    assert_eq!(last_with_form(&visits, VisitKind::DiabetesFollowUp), None);
}

#[test]
fn a_visit_without_form_reads_and_writes_as_before() {
    let v = visit(
        1,
        VisitKind::Consultation,
        "2026-11-01T02:00:00Z",
        bp(120, 80),
        None,
    );
    let json = serde_json::to_value(&v).unwrap();
    assert!(json.get("form").is_none());
    let mut with = v.clone();
    with.form = Some(FormRecord {
        version: "2026".into(),
        answers: answers(&[
            ("smoking", AnswerValue::Number(3.0)),
            ("adherence", text("regular")),
            ("referral", AnswerValue::YesNo(true)),
            ("symptoms", AnswerValue::Choices(vec!["none".into()])),
        ]),
    });
    let back: Visit = serde_json::from_value(serde_json::to_value(&with).unwrap()).unwrap();
    assert_eq!(back, with);
}
