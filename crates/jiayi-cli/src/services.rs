//! `jiayi referral` and `jiayi survey`: two-way referral (双向转诊) and the yearly satisfaction
//! survey (满意度调查). Each command parses, calls the API and prints.

use std::fmt::Write as _;

use chrono::NaiveDate;
use clap::Subcommand;
use jiayi_api::{
    Api, ApiError, ReferralBackRequest, ReferralOutRequest, ReferralRow, SurveyRequest, SurveyRow,
};
use jiayi_core::Lang;
use jiayi_core::referral::Urgency;
use jiayi_core::survey::{Questionnaire, SurveyAnswer};
use uuid::Uuid;

use crate::{output, parse_enum};

#[derive(Subcommand)]
pub enum ReferralCommand {
    /// Refer a resident out to another institution.
    Out {
        #[arg(long)]
        resident: Uuid,
        /// The receiving institution.
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
        /// The day of the referral (default: today).
        #[arg(long)]
        on: Option<NaiveDate>,
        /// routine or urgent.
        #[arg(long)]
        urgency: Option<String>,
        /// The team member who referred (default: the enrolled or the contract's doctor).
        #[arg(long)]
        doctor: Option<Uuid>,
        #[arg(long)]
        json: bool,
    },
    /// Record a resident's return from a referral out, with the follow-up plan.
    Back {
        /// The referral out (its id, as `referral list` shows).
        #[arg(long)]
        referral: Uuid,
        #[arg(long)]
        plan: String,
        /// The day of the return (default: today).
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        doctor: Option<Uuid>,
        #[arg(long)]
        json: bool,
    },
    /// A household's referrals, the newest first.
    List {
        household: Uuid,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum SurveyCommand {
    /// The questionnaire asked now: its questions and their choices (codes to answer with).
    Questions {
        #[arg(long)]
        json: bool,
    },
    /// Record a household's survey for the contract year in force.
    Record {
        #[arg(long)]
        household: Uuid,
        /// The household member who answered.
        #[arg(long)]
        answered_by: Uuid,
        /// The team member who asked (default: the enrolled or the contract's doctor).
        #[arg(long)]
        asked_by: Option<Uuid>,
        /// The survey day (default: today).
        #[arg(long)]
        on: Option<NaiveDate>,
        /// One answer as QUESTION=CHOICE (codes from `survey questions`); one per question.
        #[arg(long = "answer", value_name = "QUESTION=CHOICE")]
        answers: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// A household's surveys, the newest first.
    List {
        household: Uuid,
        #[arg(long)]
        json: bool,
    },
}

pub fn referral(api: &mut Api, command: ReferralCommand, lang: Lang) -> Result<(), ApiError> {
    match command {
        ReferralCommand::Out {
            resident,
            to,
            reason,
            on,
            urgency,
            doctor,
            json,
        } => {
            let request = ReferralOutRequest {
                resident_id: resident,
                to_institution: to,
                reason,
                referred_on: on,
                urgency: urgency
                    .map(|u| parse_enum::<Urgency>(&u, "urgency", lang))
                    .transpose()?,
                doctor_id: doctor,
            };
            let row = api.record_referral_out(&request)?;
            output(json, &row, || {
                referral_lines(std::slice::from_ref(&row), lang)
            })
        }
        ReferralCommand::Back {
            referral,
            plan,
            on,
            doctor,
            json,
        } => {
            let request = ReferralBackRequest {
                referral_id: referral,
                returned_on: on,
                follow_up_plan: plan,
                doctor_id: doctor,
            };
            let row = api.record_referral_back(&request)?;
            output(json, &row, || {
                referral_lines(std::slice::from_ref(&row), lang)
            })
        }
        ReferralCommand::List { household, json } => {
            let rows = api.household_referrals(household)?;
            output(json, &rows, || referral_lines(&rows, lang))
        }
    }
}

pub fn survey(api: &mut Api, command: SurveyCommand, lang: Lang) -> Result<(), ApiError> {
    match command {
        SurveyCommand::Questions { json } => {
            let q = api.survey_questionnaire()?;
            output(json, &q, || questions_text(&q, lang))
        }
        SurveyCommand::Record {
            household,
            answered_by,
            asked_by,
            on,
            answers,
            json,
        } => {
            let questionnaire_version = api.survey_questionnaire()?.version;
            let request = SurveyRequest {
                household_id: household,
                answered_by,
                asked_by,
                surveyed_on: on,
                questionnaire_version,
                answers: answers
                    .iter()
                    .map(|a| answer_arg(a, lang))
                    .collect::<Result<_, _>>()?,
            };
            let row = api.record_survey(&request)?;
            output(json, &row, || {
                survey_lines(std::slice::from_ref(&row), lang)
            })
        }
        SurveyCommand::List { household, json } => {
            let rows = api.household_surveys(household)?;
            output(json, &rows, || survey_lines(&rows, lang))
        }
    }
}

fn answer_arg(text: &str, lang: Lang) -> Result<SurveyAnswer, ApiError> {
    match text.split_once('=') {
        Some((q, c)) if !q.trim().is_empty() && !c.trim().is_empty() => Ok(SurveyAnswer {
            question: q.trim().to_string(),
            choice: c.trim().to_string(),
        }),
        _ => Err(ApiError::invalid(
            "invalid_value",
            &format!("回答“{text}”应写成 题目代码=选项代码"),
            &format!("the answer '{text}' should read QUESTION=CHOICE"),
        )
        .localised(lang)),
    }
}

fn referral_lines(rows: &[ReferralRow], lang: Lang) -> String {
    if rows.is_empty() {
        return lang.pick("没有转诊记录", "no referrals").to_string();
    }
    let mut out = String::new();
    for r in rows {
        let urgency = if r.urgency_label.is_empty() {
            String::new()
        } else {
            format!(" [{}]", r.urgency_label)
        };
        let _ = writeln!(
            out,
            "{}  {} {} → {}{}：{}（{}）",
            r.referral_id,
            r.referred_on,
            r.resident_name,
            r.to_institution,
            urgency,
            r.reason,
            r.doctor_name
        );
        match &r.back {
            Some(b) => {
                let _ = writeln!(
                    out,
                    "    {} {}：{}",
                    lang.pick("转回", "back"),
                    b.returned_on,
                    b.follow_up_plan
                );
            }
            None => {
                let _ = writeln!(out, "    {}", lang.pick("未转回", "not back"));
            }
        }
    }
    out.trim_end().to_string()
}

fn questions_text(q: &Questionnaire, lang: Lang) -> String {
    let mut out = format!(
        "{} ({} {})\n",
        lang.pick(&q.title, &q.title_en),
        lang.pick("版本", "version"),
        q.version
    );
    for (i, question) in q.questions.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{}] {}",
            i + 1,
            question.code,
            lang.pick(&question.text, &question.text_en)
        );
        for c in &question.choices {
            let _ = writeln!(
                out,
                "     {}={}  {}",
                question.code,
                c.code,
                lang.pick(&c.label, &c.label_en)
            );
        }
    }
    out.trim_end().to_string()
}

fn survey_lines(rows: &[SurveyRow], lang: Lang) -> String {
    if rows.is_empty() {
        return lang.pick("没有满意度调查记录", "no surveys").to_string();
    }
    let mut out = String::new();
    for s in rows {
        let _ = writeln!(
            out,
            "{}  {} {} {:.1}（{} {}，{} {}，{} {}）",
            s.survey_id,
            s.surveyed_on,
            lang.pick("得分", "score"),
            s.score,
            lang.pick("答卷人", "answered by"),
            s.answered_by_name,
            lang.pick("调查人", "asked by"),
            s.asked_by_name,
            lang.pick("签约年度自", "contract year from"),
            s.contract_year_start
        );
        for a in &s.answers {
            let _ = writeln!(out, "    {}：{}", a.question_text, a.choice_label);
        }
    }
    out.trim_end().to_string()
}
