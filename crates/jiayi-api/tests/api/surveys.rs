//! The yearly satisfaction survey through the API on real store files: the questionnaire is
//! the shipped data, answers are checked and scored, one survey per signed household per
//! contract year (also across devices, after sync through a real township server).

use jiayi_api::{Api, SurveyRequest};
use jiayi_core::Lang;
use jiayi_core::change::Entity;
use jiayi_core::survey::SurveyAnswer;
use jiayi_testkit::township::{Township, V1};
use uuid::Uuid;

use crate::sync::{Device, register, sign, small, store_at};

const DOCTOR: Uuid = Uuid::from_u128(2);
const NURSE: Uuid = Uuid::from_u128(3);

/// A survey of `household` answered by `member` with the first (best) choice everywhere.
pub(crate) fn all_satisfied(api: &Api, household: Uuid, member: Uuid) -> SurveyRequest {
    let q = api.survey_questionnaire().unwrap();
    SurveyRequest {
        household_id: household,
        answered_by: member,
        asked_by: None,
        surveyed_on: None,
        questionnaire_version: q.version.clone(),
        answers: q
            .questions
            .iter()
            .map(|x| SurveyAnswer {
                question: x.code.clone(),
                choice: x.choices[0].code.clone(),
            })
            .collect(),
    }
}

fn api_at(dir: &tempfile::TempDir) -> Api {
    Api::new(store_at(&dir.path().join("jiayi.sqlite3")), Lang::Zh)
}

#[test]
fn a_signed_household_is_surveyed_once_a_contract_year_and_bad_answers_save_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = api_at(&dir);
    let (household, members) = register(&mut api, "东庄村", 1);
    let (unsigned, unsigned_members) = register(&mut api, "东庄村", 2);
    let contract = sign(&mut api, household, &members);

    let q = api.survey_questionnaire().unwrap();
    assert_eq!(q.version, "2026");
    assert!((5..=8).contains(&q.questions.len()));
    assert_eq!(q.questions[0].choices[1].label, "基本满意");

    let refused = |api: &mut Api, request: SurveyRequest| {
        let e = api.record_survey(&request).unwrap_err();
        (e.code, e.message)
    };
    let full = all_satisfied(&api, household, members[1]);
    let (code, message) = refused(
        &mut api,
        SurveyRequest {
            answers: full.answers[1..].to_vec(),
            ..full.clone()
        },
    );
    assert_eq!(code, "invalid_answers");
    assert!(message.contains("未作答"), "{message}");
    let mut odd = full.clone();
    odd.answers[0].choice = "perfect".into();
    assert_eq!(refused(&mut api, odd).0, "invalid_answers");
    let (code, message) = refused(
        &mut api,
        SurveyRequest {
            questionnaire_version: "2025".into(),
            ..full.clone()
        },
    );
    assert_eq!(code, "invalid_answers", "{message}");
    let (code, message) = refused(
        &mut api,
        SurveyRequest {
            answered_by: unsigned_members[0],
            ..full.clone()
        },
    );
    assert_eq!(code, "invalid_survey");
    assert!(message.contains("不是本户成员"), "{message}");
    let of_unsigned = all_satisfied(&api, unsigned, unsigned_members[0]);
    let (code, message) = refused(&mut api, of_unsigned);
    assert_eq!(code, "not_signed");
    assert!(message.contains("没有生效的签约协议"), "{message}");
    let (code, _) = refused(
        &mut api,
        SurveyRequest {
            asked_by: Some(Uuid::from_u128(99)),
            ..full.clone()
        },
    );
    assert_eq!(code, "served_by_not_in_team");
    let tomorrow = api.today().succ_opt().unwrap();
    let (code, _) = refused(
        &mut api,
        SurveyRequest {
            surveyed_on: Some(tomorrow),
            ..full.clone()
        },
    );
    assert_eq!(code, "invalid_date");
    let pending = |api: &Api| {
        api.store()
            .pending_changes(0, 10_000)
            .unwrap()
            .iter()
            .filter(|c| c.entity == Entity::SatisfactionSurvey)
            .count()
    };
    assert_eq!(pending(&api), 0, "nothing saved");

    // Half the answers 满意, half 基本满意 / 不确定: the score is on 0–100.
    let mut mixed = full.clone();
    mixed.asked_by = Some(NURSE);
    for (i, a) in mixed.answers.iter_mut().enumerate() {
        if i % 2 == 1 {
            a.choice = q.questions[i].choices[1].code.clone();
        }
    }
    let row = api.record_survey(&mixed).unwrap();
    let halves = q.questions.len() / 2;
    let expected_points = (q.questions.len() - halves) as u32 * 2 + halves as u32;
    assert_eq!(
        (row.points, row.max_points),
        (expected_points, q.max_points())
    );
    assert!(
        (row.score - 100.0 * f64::from(expected_points) / f64::from(q.max_points())).abs() < 1e-9
    );
    assert_eq!(
        (
            row.asked_by,
            row.asked_by_name.as_str(),
            row.answered_by_name.as_str()
        ),
        (NURSE, "陈护士", "李梅1")
    );
    assert_eq!(row.answers[1].choice_label, "基本满意");
    assert_eq!(row.answers[0].question_text, q.questions[0].text);
    let signed = api.store().contract(contract).unwrap().contract;
    assert_eq!(row.agreement_number, signed.agreement_number);

    let (code, message) = refused(&mut api, full.clone());
    assert_eq!(code, "already_surveyed");
    assert!(message.contains("每户每个签约年度一次"), "{message}");

    let listed = api.household_surveys(household).unwrap();
    assert_eq!(listed, vec![row]);
    assert_eq!(pending(&api), 1);
    assert!(api.household_surveys(unsigned).unwrap().is_empty());
}

#[test]
fn the_asker_defaults_to_the_contracts_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = api_at(&dir);
    let (household, members) = register(&mut api, "东庄村", 1);
    sign(&mut api, household, &members);
    let row = api
        .record_survey(&all_satisfied(&api, household, members[0]))
        .unwrap();
    assert_eq!((row.asked_by, row.score), (DOCTOR, 100.0));
}

#[test]
fn a_survey_taken_on_one_device_counts_for_the_year_on_another() {
    let t = Township::sqlite(small());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let mut b = Device::new(&t, "周医生", &[V1]);
    let (household, members) = register(&mut a.api, "东庄村", 1);
    sign(&mut a.api, household, &members);
    let survey = a
        .api
        .record_survey(&all_satisfied(&a.api, household, members[0]))
        .unwrap();
    assert_eq!(a.sync().unwrap().refused, 0);
    b.sync().unwrap();

    let on_b = b.api.household_surveys(household).unwrap();
    assert_eq!(on_b.len(), 1);
    assert_eq!(on_b[0].survey_id, survey.survey_id);
    assert_eq!(on_b[0].score, 100.0);
    let e = b
        .api
        .record_survey(&all_satisfied(&b.api, household, members[1]))
        .unwrap_err();
    assert_eq!(e.code, "already_surveyed");
}

#[test]
fn a_member_who_has_died_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = api_at(&dir);
    let (household, members) = register(&mut api, "东庄村", 1);
    sign(&mut api, household, &members);
    let today = api.today();
    api.member_leave(&jiayi_api::MemberLeave {
        resident_id: members[0],
        reason: jiayi_api::LeaveKind::Died,
        on: today,
        destination: None,
        to_household_id: None,
        relation: None,
    })
    .unwrap();
    let by_the_dead = all_satisfied(&api, household, members[0]);
    let e = api.record_survey(&by_the_dead).unwrap_err();
    assert_eq!(e.code, "invalid_survey");
    let by_the_widow = all_satisfied(&api, household, members[1]);
    assert!(api.record_survey(&by_the_widow).is_ok());
}
