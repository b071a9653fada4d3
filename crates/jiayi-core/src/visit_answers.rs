//! The answers of a visit's record sheet as a visit keeps them: what both the visit record and
//! the forms' rules (`crate::visit_form`) name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One answer: yes/no, a number, a text, a date or a choice (by its code), or the choices of a
/// multi-choice field.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    YesNo(bool),
    Number(f64),
    Text(String),
    Choices(Vec<String>),
}

pub type Answers = BTreeMap<String, AnswerValue>;

/// The form answers stored with a visit, under the version of the forms they were given in.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRecord {
    pub version: String,
    pub answers: Answers,
}

impl AnswerValue {
    /// The answer as typed: option codes for choices, yes or no.
    pub fn plain(&self) -> String {
        match self {
            AnswerValue::YesNo(yes) => if *yes { "yes" } else { "no" }.to_string(),
            AnswerValue::Number(n) => n.to_string(),
            AnswerValue::Text(t) => t.clone(),
            AnswerValue::Choices(c) => c.join(","),
        }
    }
}
