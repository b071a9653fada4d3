//! The yearly satisfaction survey of a signed household: the questionnaire to ask, a survey
//! recorded (who answered, who asked, the answers scored), a household's surveys listed. The
//! rules are the core's (`jiayi_core::survey`).

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::Lang;
use jiayi_core::survey::{
    Questionnaire, SatisfactionSurvey, SurveyAnswer, SurveyError, check_one_per_contract_year,
    check_survey_day,
};
use jiayi_core::year::membership::members_on;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::serving::rule_error;
use crate::{Api, ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyRequest {
    pub household_id: Uuid,
    /// The household member who answered.
    pub answered_by: Uuid,
    /// The team member who asked; the visit form's default when not given.
    #[serde(default)]
    pub asked_by: Option<Uuid>,
    /// The survey day; today when not given.
    #[serde(default)]
    pub surveyed_on: Option<NaiveDate>,
    /// The version of the questionnaire the answers were given under.
    pub questionnaire_version: String,
    pub answers: Vec<SurveyAnswer>,
}

/// One answer as the household page shows it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyAnswerView {
    pub question: String,
    pub question_text: String,
    pub choice: String,
    pub choice_label: String,
}

/// A survey as the household page lists it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyRow {
    pub survey_id: Uuid,
    pub surveyed_on: NaiveDate,
    /// The contract year it belongs to: the first day of the term in force.
    pub contract_year_start: NaiveDate,
    pub agreement_number: String,
    pub answered_by: Uuid,
    pub answered_by_name: String,
    pub asked_by: Uuid,
    pub asked_by_name: String,
    pub questionnaire_version: String,
    pub points: u32,
    pub max_points: u32,
    /// The score on 0–100.
    pub score: f64,
    pub answers: Vec<SurveyAnswerView>,
    pub recorded_at: DateTime<Utc>,
}

fn survey_error(e: SurveyError) -> ApiError {
    rule_error(e.code(), e.message(Lang::Zh), e.message(Lang::En))
}

impl Api {
    /// The questionnaire asked now.
    pub fn survey_questionnaire(&self) -> ApiResult<Questionnaire> {
        Questionnaire::current().map_err(|e| self.fail(survey_error(e)))
    }

    /// Records a household's survey for the contract year in force on the survey day: once per
    /// household per contract year, answered by one of its members, asked by a member of the
    /// team answering for it that day, every question answered under the current questionnaire.
    pub fn record_survey(&mut self, request: &SurveyRequest) -> ApiResult<SurveyRow> {
        let now = self.now();
        let today = self.today();
        let day = request.surveyed_on.unwrap_or(today);
        let fail_rule = |api: &Api, e| api.fail(survey_error(e));
        check_survey_day(day, today).map_err(|e| fail_rule(self, e))?;
        let questionnaire = self.survey_questionnaire()?;
        if request.questionnaire_version != questionnaire.version {
            return Err(fail_rule(
                self,
                SurveyError::OtherVersion {
                    given: request.questionnaire_version.clone(),
                    expected: questionnaire.version.clone(),
                },
            ));
        }
        let points = questionnaire
            .points(&request.answers)
            .map_err(|e| fail_rule(self, e))?;
        let household = self
            .store
            .household(request.household_id)
            .map_err(|e| self.fail(e))?;
        // A member on the survey day: not one who had died or moved away by then.
        let membership = self
            .store
            .household_membership(household.household.id)
            .map_err(|e| self.fail(e))?;
        if !members_on(&membership, household.household.id, day).contains(&request.answered_by) {
            return Err(self.fail(ApiError::invalid(
                "invalid_survey",
                "答卷人不是本户成员，请选择本户的一位成员",
                "the person answering is not a member of the household",
            )));
        }
        let serving = self.serving_on(household.household.id, day)?;
        let Some((contract, year_start)) = serving
            .contract
            .as_ref()
            .and_then(|c| Some((c.contract.id, c.term_on(day)?.term.start)))
        else {
            return Err(fail_rule(self, SurveyError::NotSigned(day)));
        };
        let earlier = self
            .store
            .surveys_of_household(household.household.id)
            .map_err(|e| self.fail(e))?;
        check_one_per_contract_year(&earlier, household.household.id, year_start)
            .map_err(|e| fail_rule(self, e))?;
        let Some(asked_by) = self.serving_member(&serving, request.asked_by, day)? else {
            return Err(self.fail(ApiError::invalid(
                "required",
                "请选择调查人（签约团队成员）",
                "choose who asked (a member of the team)",
            )));
        };
        let survey = SatisfactionSurvey {
            id: Uuid::now_v7(),
            household_id: household.household.id,
            village_id: household.household.village_id,
            contract_id: contract,
            contract_year_start: year_start,
            doctor_id: serving.contract_doctor(day),
            answered_by: request.answered_by,
            asked_by,
            surveyed_on: day,
            questionnaire_version: questionnaire.version.clone(),
            answers: request.answers.clone(),
            points,
            max_points: questionnaire.max_points(),
            recorded_at: now,
        };
        self.store
            .record_survey(&survey, now)
            .map_err(|e| self.fail(e))?;
        self.survey_row(&survey, Some(&questionnaire))
    }

    /// A household's surveys, the newest first.
    pub fn household_surveys(&self, household_id: Uuid) -> ApiResult<Vec<SurveyRow>> {
        self.store
            .household(household_id)
            .map_err(|e| self.fail(e))?;
        let surveys = self
            .store
            .surveys_of_household(household_id)
            .map_err(|e| self.fail(e))?;
        let current = Questionnaire::current().ok();
        let mut rows = Vec::with_capacity(surveys.len());
        for s in surveys.iter().rev() {
            let questionnaire = current
                .as_ref()
                .filter(|q| q.version == s.questionnaire_version);
            rows.push(self.survey_row(s, questionnaire)?);
        }
        self.note("read", "household", &household_id.to_string())?;
        Ok(rows)
    }

    /// A survey's row; its questions' texts when the questionnaire it was given under is known.
    fn survey_row(
        &self,
        s: &SatisfactionSurvey,
        questionnaire: Option<&Questionnaire>,
    ) -> ApiResult<SurveyRow> {
        let answers = s
            .answers
            .iter()
            .map(|a| {
                let question =
                    questionnaire.and_then(|q| q.questions.iter().find(|x| x.code == a.question));
                let choice = question.and_then(|q| q.choices.iter().find(|c| c.code == a.choice));
                SurveyAnswerView {
                    question: a.question.clone(),
                    question_text: question
                        .map(|q| self.lang.pick(&q.text, &q.text_en).to_string())
                        .unwrap_or_else(|| a.question.clone()),
                    choice: a.choice.clone(),
                    choice_label: choice
                        .map(|c| self.lang.pick(&c.label, &c.label_en).to_string())
                        .unwrap_or_else(|| a.choice.clone()),
                }
            })
            .collect();
        let agreement_number = self
            .store
            .contract(s.contract_id)
            .map(|c| c.contract.agreement_number)
            .unwrap_or_default();
        let answered_by_name = self
            .store
            .resident(s.answered_by)
            .map(|r| r.name)
            .unwrap_or_default();
        Ok(SurveyRow {
            survey_id: s.id,
            surveyed_on: s.surveyed_on,
            contract_year_start: s.contract_year_start,
            agreement_number,
            answered_by: s.answered_by,
            answered_by_name,
            asked_by: s.asked_by,
            asked_by_name: self.team_member_name(Some(s.asked_by))?,
            questionnaire_version: s.questionnaire_version.clone(),
            points: s.points,
            max_points: s.max_points,
            score: s.score(),
            answers,
            recorded_at: s.recorded_at,
        })
    }
}
