//! The yearly satisfaction survey of signed households (满意度调查).
//!
//! The questions are data (`assets/survey/*.toml`), read and checked here; the answers of one
//! survey are checked against the questionnaire they were given under and scored. A survey is
//! written once and never edited, one per signed household per contract year (the term in
//! force on the survey day, renewals included).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Lang;

/// The questionnaire the app asks now.
pub const CURRENT_SURVEY_TOML: &str = include_str!("../../../assets/survey/2026.toml");

/// How many questions a questionnaire has: short enough to ask at the door.
pub const QUESTIONS: std::ops::RangeInclusive<usize> = 5..=8;

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Questionnaire {
    pub version: String,
    pub title: String,
    pub title_en: String,
    pub questions: Vec<Question>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub code: String,
    pub text: String,
    pub text_en: String,
    pub choices: Vec<Choice>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub label: String,
    pub label_en: String,
    pub points: u32,
}

/// One answer: the choice taken for a question (by their codes).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub question: String,
    pub choice: String,
}

/// A survey as recorded: who answered for the household, who asked, the answers and their
/// points under the questionnaire of the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SatisfactionSurvey {
    pub id: Uuid,
    pub household_id: Uuid,
    /// The household's village on the survey day (what the reports group by).
    pub village_id: Uuid,
    /// The contract whose year the survey belongs to, and the first day of that year's term.
    pub contract_id: Uuid,
    pub contract_year_start: NaiveDate,
    /// The contract's family doctor on the survey day.
    pub doctor_id: Option<Uuid>,
    /// The household member who answered.
    pub answered_by: Uuid,
    /// The team member who asked.
    pub asked_by: Uuid,
    pub surveyed_on: NaiveDate,
    pub questionnaire_version: String,
    pub answers: Vec<SurveyAnswer>,
    pub points: u32,
    pub max_points: u32,
    pub recorded_at: DateTime<Utc>,
}

impl SatisfactionSurvey {
    /// The score on 0–100.
    pub fn score(&self) -> f64 {
        score(self.points, self.max_points)
    }
}

/// Points over the most that could be scored, on 0–100 (0 when nothing could be scored).
pub fn score(points: u32, max_points: u32) -> f64 {
    if max_points == 0 {
        return 0.0;
    }
    f64::from(points.min(max_points)) * 100.0 / f64::from(max_points)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    #[error("the questionnaire cannot be read: {0}")]
    Unreadable(String),
    #[error("the questionnaire is not valid: {0}")]
    Invalid(String),
    #[error("the survey was given under questionnaire {given}, not {expected}")]
    OtherVersion { given: String, expected: String },
    #[error("question '{0}' is not answered")]
    Unanswered(String),
    #[error("question '{0}' is answered twice")]
    AnsweredTwice(String),
    #[error("'{0}' is not a question of this questionnaire")]
    UnknownQuestion(String),
    #[error("'{choice}' is not a choice of question '{question}'")]
    UnknownChoice { question: String, choice: String },
    #[error("the household was already surveyed for the contract year from {year_start} (on {on})")]
    AlreadySurveyed {
        year_start: NaiveDate,
        on: NaiveDate,
    },
    #[error("the household has no contract in force on {0}, so it is not surveyed")]
    NotSigned(NaiveDate),
    #[error("the survey day {0} is in the future")]
    InFuture(NaiveDate),
}

impl SurveyError {
    pub fn code(&self) -> &'static str {
        match self {
            SurveyError::Unreadable(_) | SurveyError::Invalid(_) => "invalid_questionnaire",
            SurveyError::OtherVersion { .. }
            | SurveyError::Unanswered(_)
            | SurveyError::AnsweredTwice(_)
            | SurveyError::UnknownQuestion(_)
            | SurveyError::UnknownChoice { .. } => "invalid_answers",
            SurveyError::AlreadySurveyed { .. } => "already_surveyed",
            SurveyError::NotSigned(_) => "not_signed",
            SurveyError::InFuture(_) => "invalid_date",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            SurveyError::Unreadable(e) => format!("满意度问卷无法读取：{e}"),
            SurveyError::Invalid(e) => format!("满意度问卷有误：{e}"),
            SurveyError::OtherVersion { given, expected } => {
                format!("问卷版本为{given}，当前问卷为{expected}，请重新填写")
            }
            SurveyError::Unanswered(q) => format!("第“{q}”题未作答"),
            SurveyError::AnsweredTwice(q) => format!("第“{q}”题重复作答"),
            SurveyError::UnknownQuestion(q) => format!("问卷中没有“{q}”这道题"),
            SurveyError::UnknownChoice { question, choice } => {
                format!("“{choice}”不是第“{question}”题的选项")
            }
            SurveyError::AlreadySurveyed { year_start, on } => format!(
                "本户在自{year_start}起的签约年度已做过满意度调查（{on}），每户每个签约年度一次"
            ),
            SurveyError::NotSigned(day) => format!("本户在{day}没有生效的签约协议，不做满意度调查"),
            SurveyError::InFuture(day) => format!("调查日期{day}晚于今天"),
        }
    }
}

impl Questionnaire {
    /// Reads and checks a questionnaire: a version, 5–8 questions with distinct codes, each
    /// with at least two choices of distinct codes, one of them worth points.
    pub fn parse(text: &str) -> Result<Questionnaire, SurveyError> {
        let q: Questionnaire =
            toml::from_str(text).map_err(|e| SurveyError::Unreadable(e.to_string()))?;
        q.check()?;
        Ok(q)
    }

    /// The questionnaire the app asks now.
    pub fn current() -> Result<Questionnaire, SurveyError> {
        Questionnaire::parse(CURRENT_SURVEY_TOML)
    }

    fn check(&self) -> Result<(), SurveyError> {
        let invalid = |m: String| Err(SurveyError::Invalid(m));
        if self.version.trim().is_empty() {
            return invalid("no version".into());
        }
        if !QUESTIONS.contains(&self.questions.len()) {
            return invalid(format!(
                "{} questions, not {}–{}",
                self.questions.len(),
                QUESTIONS.start(),
                QUESTIONS.end()
            ));
        }
        let mut codes = BTreeSet::new();
        for q in &self.questions {
            if q.code.trim().is_empty() || q.text.trim().is_empty() {
                return invalid("a question without code or text".into());
            }
            if !codes.insert(q.code.as_str()) {
                return invalid(format!("question '{}' twice", q.code));
            }
            if q.choices.len() < 2 {
                return invalid(format!("question '{}' has fewer than two choices", q.code));
            }
            let mut choices = BTreeSet::new();
            for c in &q.choices {
                if c.code.trim().is_empty() || c.label.trim().is_empty() {
                    return invalid(format!(
                        "question '{}': a choice without code or label",
                        q.code
                    ));
                }
                if !choices.insert(c.code.as_str()) {
                    return invalid(format!("question '{}': choice '{}' twice", q.code, c.code));
                }
            }
            if q.max_points() == 0 {
                return invalid(format!("question '{}' scores no points", q.code));
            }
        }
        Ok(())
    }

    /// The most a survey can score.
    pub fn max_points(&self) -> u32 {
        self.questions.iter().map(Question::max_points).sum()
    }

    /// The points of a complete set of answers: each question answered once, with one of its
    /// choices, and nothing else answered.
    pub fn points(&self, answers: &[SurveyAnswer]) -> Result<u32, SurveyError> {
        let mut seen = BTreeSet::new();
        let mut points = 0;
        for a in answers {
            let question = self
                .questions
                .iter()
                .find(|q| q.code == a.question)
                .ok_or_else(|| SurveyError::UnknownQuestion(a.question.clone()))?;
            if !seen.insert(a.question.as_str()) {
                return Err(SurveyError::AnsweredTwice(a.question.clone()));
            }
            let choice = question
                .choices
                .iter()
                .find(|c| c.code == a.choice)
                .ok_or_else(|| SurveyError::UnknownChoice {
                    question: a.question.clone(),
                    choice: a.choice.clone(),
                })?;
            points += choice.points;
        }
        if let Some(q) = self
            .questions
            .iter()
            .find(|q| !seen.contains(q.code.as_str()))
        {
            return Err(SurveyError::Unanswered(q.code.clone()));
        }
        Ok(points)
    }
}

impl Question {
    pub fn max_points(&self) -> u32 {
        self.choices.iter().map(|c| c.points).max().unwrap_or(0)
    }
}

/// Whether a household may be surveyed for the contract year starting `year_start`: once per
/// household per contract year, whichever contract of the household it was under.
pub fn check_one_per_contract_year(
    surveys: &[SatisfactionSurvey],
    household_id: Uuid,
    year_start: NaiveDate,
) -> Result<(), SurveyError> {
    match surveys
        .iter()
        .find(|s| s.household_id == household_id && s.contract_year_start == year_start)
    {
        Some(s) => Err(SurveyError::AlreadySurveyed {
            year_start,
            on: s.surveyed_on,
        }),
        None => Ok(()),
    }
}

/// The survey day, when a survey may be given on it (not after today).
pub fn check_survey_day(day: NaiveDate, today: NaiveDate) -> Result<(), SurveyError> {
    if day > today {
        return Err(SurveyError::InFuture(day));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn answers(q: &Questionnaire, choice: impl Fn(&Question) -> String) -> Vec<SurveyAnswer> {
        q.questions
            .iter()
            .map(|question| SurveyAnswer {
                question: question.code.clone(),
                choice: choice(question),
            })
            .collect()
    }

    #[test]
    fn the_shipped_questionnaire_is_valid_and_scores_from_0_to_100() {
        let q = Questionnaire::current().unwrap();
        assert_eq!(q.version, "2026");
        assert!(QUESTIONS.contains(&q.questions.len()));
        let best = q
            .points(&answers(&q, |x| x.choices[0].code.clone()))
            .unwrap();
        assert_eq!(best, q.max_points());
        assert_eq!(score(best, q.max_points()), 100.0);
        let worst = answers(&q, |x| x.choices.last().unwrap().code.clone());
        assert_eq!(q.points(&worst).unwrap(), 0);
        let fairly = answers(&q, |x| x.choices[1].code.clone());
        assert_eq!(score(q.points(&fairly).unwrap(), q.max_points()), 50.0);
    }

    #[test]
    fn answers_must_match_the_questionnaire() {
        let q = Questionnaire::current().unwrap();
        let full = answers(&q, |x| x.choices[0].code.clone());
        let code = |r: Result<u32, SurveyError>| r.unwrap_err();
        let first = q.questions[0].code.clone();
        assert_eq!(
            code(q.points(&full[1..])),
            SurveyError::Unanswered(first.clone())
        );
        let mut twice = full.clone();
        twice.push(full[0].clone());
        assert_eq!(
            code(q.points(&twice)),
            SurveyError::AnsweredTwice(first.clone())
        );
        let mut unknown = full.clone();
        unknown[0].choice = "perfect".into();
        assert_eq!(code(q.points(&unknown)).code(), "invalid_answers");
        let mut stray = full.clone();
        stray.push(SurveyAnswer {
            question: "weather".into(),
            choice: "satisfied".into(),
        });
        assert_eq!(
            code(q.points(&stray)),
            SurveyError::UnknownQuestion("weather".into())
        );
    }

    #[test]
    fn a_questionnaire_that_breaks_a_rule_is_refused() {
        let q = Questionnaire::current().unwrap();
        let mut too_short = q.clone();
        too_short.questions.truncate(4);
        let mut twice = q.clone();
        twice.questions[1].code = twice.questions[0].code.clone();
        let mut one_choice = q.clone();
        one_choice.questions[0].choices.truncate(1);
        let mut no_points = q.clone();
        for c in &mut no_points.questions[2].choices {
            c.points = 0;
        }
        let mut no_version = q.clone();
        no_version.version = " ".into();
        for (name, bad) in [
            ("four questions", too_short),
            ("a code twice", twice),
            ("one choice", one_choice),
            ("no points", no_points),
            ("no version", no_version),
        ] {
            let text = toml::to_string(&bad).unwrap();
            assert_eq!(
                Questionnaire::parse(&text).map(|_| ()).unwrap_err().code(),
                "invalid_questionnaire",
                "{name}"
            );
        }
        assert!(matches!(
            Questionnaire::parse("version = ").unwrap_err(),
            SurveyError::Unreadable(_)
        ));
    }

    #[test]
    fn one_survey_per_household_per_contract_year() {
        let household = Uuid::from_u128(1);
        let done = SatisfactionSurvey {
            id: Uuid::from_u128(9),
            household_id: household,
            village_id: Uuid::from_u128(2),
            contract_id: Uuid::from_u128(3),
            contract_year_start: d(2026, 1, 1),
            doctor_id: None,
            answered_by: Uuid::from_u128(4),
            asked_by: Uuid::from_u128(5),
            surveyed_on: d(2026, 11, 3),
            questionnaire_version: "2026".into(),
            answers: vec![],
            points: 10,
            max_points: 14,
            recorded_at: DateTime::<Utc>::MIN_UTC,
        };
        let surveys = [done];
        for (name, h, start, ok) in [
            ("same year", household, d(2026, 1, 1), false),
            ("the renewed year", household, d(2027, 1, 1), true),
            ("another household", Uuid::from_u128(7), d(2026, 1, 1), true),
        ] {
            let got = check_one_per_contract_year(&surveys, h, start);
            assert_eq!(got.is_ok(), ok, "{name}");
        }
        assert_eq!(
            check_one_per_contract_year(&surveys, household, d(2026, 1, 1))
                .unwrap_err()
                .code(),
            "already_surveyed"
        );
        assert!(check_survey_day(d(2026, 6, 2), d(2026, 6, 1)).is_err());
        assert!(check_survey_day(d(2026, 6, 1), d(2026, 6, 1)).is_ok());
        assert!((surveys[0].score() - 71.428).abs() < 0.01);
    }

    #[test]
    fn every_error_speaks_both_languages() {
        for e in [
            SurveyError::Unreadable("x".into()),
            SurveyError::Invalid("x".into()),
            SurveyError::OtherVersion {
                given: "2025".into(),
                expected: "2026".into(),
            },
            SurveyError::Unanswered("overall".into()),
            SurveyError::AnsweredTwice("overall".into()),
            SurveyError::UnknownQuestion("x".into()),
            SurveyError::UnknownChoice {
                question: "overall".into(),
                choice: "x".into(),
            },
            SurveyError::AlreadySurveyed {
                year_start: d(2026, 1, 1),
                on: d(2026, 3, 1),
            },
            SurveyError::NotSigned(d(2026, 1, 1)),
            SurveyError::InFuture(d(2030, 1, 1)),
        ] {
            let zh = e.message(Lang::Zh);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(e.message(Lang::En).is_ascii(), "{e}");
        }
    }
}
