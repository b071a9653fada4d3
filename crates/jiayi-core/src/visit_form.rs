//! Bedside visit forms (随访、体检记录表): per kind of visit, the vitals asked and the fields of
//! the national standard's record sheet.
//!
//! The forms are data (`assets/forms/*.toml`), read and checked here; the answers of a visit are
//! checked against the form of its kind before anything is saved, and stored with the visit
//! under the version they were given in. Some answers carry over to the next visit of the same
//! kind (lifestyle, medication): never vitals, never the classification.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::visit::{Visit, VisitKind, Vitals};
pub use crate::visit_answers::{AnswerValue, Answers, FormRecord};

/// The forms the app asks now.
pub const CURRENT_FORMS_TOML: &str = include_str!("../../../assets/forms/2026.toml");

/// Longest text answer when a field names no limit.
pub const TEXT_MAX_CHARS: usize = 500;

/// The set of forms of one version.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormSet {
    pub version: String,
    pub forms: Vec<VisitForm>,
}

/// The form of one kind of visit.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitForm {
    pub kind: VisitKind,
    pub title: String,
    pub title_en: String,
    /// The vitals the form asks, in order; none for a health education.
    #[serde(default)]
    pub vitals: Vec<VitalSign>,
    #[serde(default)]
    pub fields: Vec<FormField>,
}

/// A vital a form may ask (the blood pressure is one, systolic and diastolic together).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VitalSign {
    BloodPressure,
    HeartRate,
    FastingGlucose,
    Height,
    Weight,
    Waist,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Choice,
    MultiChoice,
    Number,
    Text,
    Date,
    YesNo,
}

/// How an unanswered required field is taken from the vitals measured: on target gives the
/// field's first option, off target its second.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derivation {
    BpControl,
    GlucoseControl,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    pub code: String,
    pub label: String,
    pub label_en: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Choices of a choice or multi-choice field.
    #[serde(default)]
    pub options: Vec<FieldOption>,
    /// Range and unit of a number field.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub unit: String,
    /// Longest text answer; [`TEXT_MAX_CHARS`] when not given.
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// A date that must fall after the visit day (the next visit).
    #[serde(default)]
    pub after_visit: bool,
    /// Pre-filled from the last visit of the same kind.
    #[serde(default)]
    pub carry_over: bool,
    #[serde(default)]
    pub derive: Option<Derivation>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldOption {
    pub code: String,
    pub label: String,
    pub label_en: String,
}

/// Which field an error is about, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldName {
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl FieldName {
    fn of(field: &FormField) -> FieldName {
        FieldName {
            code: field.code.clone(),
            zh: field.label.clone(),
            en: field.label_en.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormError {
    #[error("the visit forms cannot be read: {0}")]
    Unreadable(String),
    #[error("the visit forms are not valid: {0}")]
    Invalid(String),
    #[error("'{0}' is not a field of this form")]
    UnknownField(String),
    #[error("{} is required", .0.en)]
    Required(FieldName),
    #[error("{} has an answer of the wrong type", .0.en)]
    WrongType(FieldName),
    #[error("'{option}' is not an option of {}", field.en)]
    UnknownOption { field: FieldName, option: String },
    #[error("{}: {value} is outside {min}–{max}", field.en)]
    OutOfRange {
        field: FieldName,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("{}: at most {max} characters", field.en)]
    TooLong { field: FieldName, max: usize },
    #[error("{}: '{value}' is not a date (YYYY-MM-DD)", field.en)]
    BadDate { field: FieldName, value: String },
    #[error("{}: {day} is not after the visit day {visit_day}", field.en)]
    NotAfterVisit {
        field: FieldName,
        day: NaiveDate,
        visit_day: NaiveDate,
    },
    #[error("this form does not ask the {0}")]
    VitalNotAsked(&'static str),
    #[error("a {0} has no form: no form answers are taken")]
    NoForm(String),
}

impl FormError {
    pub fn code(&self) -> &'static str {
        match self {
            FormError::Unreadable(_) | FormError::Invalid(_) => "invalid_forms",
            FormError::Required(_) => "required",
            FormError::VitalNotAsked(_) | FormError::NoForm(_) => "form_not_asked",
            _ => "invalid_answer",
        }
    }

    /// The code of the field the error is about, for the form to show it beside.
    pub fn field(&self) -> Option<&str> {
        match self {
            FormError::UnknownField(code) => Some(code),
            FormError::Required(f) | FormError::WrongType(f) => Some(&f.code),
            FormError::UnknownOption { field, .. }
            | FormError::OutOfRange { field, .. }
            | FormError::TooLong { field, .. }
            | FormError::BadDate { field, .. }
            | FormError::NotAfterVisit { field, .. } => Some(&field.code),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            FormError::Unreadable(e) => format!("随访记录表无法读取：{e}"),
            FormError::Invalid(e) => format!("随访记录表有误：{e}"),
            FormError::UnknownField(code) => format!("记录表中没有“{code}”这一项"),
            FormError::Required(f) => format!("请填写“{}”", f.zh),
            FormError::WrongType(f) => format!("“{}”的填写类型不对", f.zh),
            FormError::UnknownOption { field, option } => {
                format!("“{option}”不是“{}”的选项", field.zh)
            }
            FormError::OutOfRange {
                field,
                value,
                min,
                max,
            } => format!("“{}”{value}超出合理范围（{min}–{max}）", field.zh),
            FormError::TooLong { field, max } => format!("“{}”最多{max}个字", field.zh),
            FormError::BadDate { field, value } => {
                format!("“{}”的日期“{value}”无法识别（年-月-日）", field.zh)
            }
            FormError::NotAfterVisit {
                field,
                day,
                visit_day,
            } => format!("“{}”{day}应晚于本次随访日期{visit_day}", field.zh),
            FormError::VitalNotAsked(vital) => format!("本记录表不测量{}", vital_zh(vital)),
            FormError::NoForm(kind) => format!("{kind}没有记录表，不填写记录表项目"),
        }
    }
}

fn vital_zh(vital: &str) -> &'static str {
    match vital {
        "blood pressure" => "血压",
        "heart rate" => "心率",
        "fasting glucose" => "空腹血糖",
        "height" => "身高",
        "weight" => "体重",
        _ => "腰围",
    }
}

impl VitalSign {
    fn name_en(self) -> &'static str {
        match self {
            VitalSign::BloodPressure => "blood pressure",
            VitalSign::HeartRate => "heart rate",
            VitalSign::FastingGlucose => "fasting glucose",
            VitalSign::Height => "height",
            VitalSign::Weight => "weight",
            VitalSign::Waist => "waist",
        }
    }

    fn measured(self, v: &Vitals) -> bool {
        match self {
            VitalSign::BloodPressure => v.systolic_mmhg.is_some() || v.diastolic_mmhg.is_some(),
            VitalSign::HeartRate => v.heart_rate_bpm.is_some(),
            VitalSign::FastingGlucose => v.fasting_glucose_mmol_l.is_some(),
            VitalSign::Height => v.height_cm.is_some(),
            VitalSign::Weight => v.weight_kg.is_some(),
            VitalSign::Waist => v.waist_cm.is_some(),
        }
    }
}

const ALL_VITALS: [VitalSign; 6] = [
    VitalSign::BloodPressure,
    VitalSign::HeartRate,
    VitalSign::FastingGlucose,
    VitalSign::Height,
    VitalSign::Weight,
    VitalSign::Waist,
];

impl FormSet {
    /// Reads and checks a set of forms.
    pub fn parse(text: &str) -> Result<FormSet, FormError> {
        let set: FormSet =
            toml::from_str(text).map_err(|e| FormError::Unreadable(e.to_string()))?;
        set.check()?;
        Ok(set)
    }

    /// The forms the app asks now.
    pub fn current() -> Result<FormSet, FormError> {
        FormSet::parse(CURRENT_FORMS_TOML)
    }

    /// The form of a kind of visit, if it has one.
    pub fn form(&self, kind: VisitKind) -> Option<&VisitForm> {
        self.forms.iter().find(|f| f.kind == kind)
    }

    fn check(&self) -> Result<(), FormError> {
        if self.version.trim().is_empty() {
            return Err(FormError::Invalid("no version".into()));
        }
        let mut kinds = BTreeSet::new();
        for form in &self.forms {
            if !kinds.insert(form.kind) {
                return Err(FormError::Invalid(format!("two forms for {:?}", form.kind)));
            }
            form.check()
                .map_err(|m| FormError::Invalid(format!("{}: {m}", form.title)))?;
        }
        Ok(())
    }
}

impl VisitForm {
    fn check(&self) -> Result<(), String> {
        if self.title.trim().is_empty() {
            return Err("a form without title".into());
        }
        let vitals: BTreeSet<_> = self.vitals.iter().collect();
        if vitals.len() != self.vitals.len() {
            return Err("a vital asked twice".into());
        }
        let mut codes = BTreeSet::new();
        for f in &self.fields {
            if f.code.trim().is_empty() || f.label.trim().is_empty() || f.label_en.trim().is_empty()
            {
                return Err("a field without code or label".into());
            }
            if !codes.insert(f.code.as_str()) {
                return Err(format!("field '{}' twice", f.code));
            }
            f.check().map_err(|m| format!("field '{}': {m}", f.code))?;
        }
        Ok(())
    }

    /// The answers completed and checked for a visit on `visit_day` with these vitals: vitals
    /// the form does not ask are refused; an unanswered required field with a derivation is
    /// taken from the vitals; every answer must fit its field, every required field answered.
    pub fn complete(
        &self,
        answers: &Answers,
        vitals: &Vitals,
        visit_day: NaiveDate,
    ) -> Result<Answers, FormError> {
        if let Some(v) = ALL_VITALS
            .into_iter()
            .find(|v| !self.vitals.contains(v) && v.measured(vitals))
        {
            return Err(FormError::VitalNotAsked(v.name_en()));
        }
        if let Some(code) = answers
            .keys()
            .find(|c| !self.fields.iter().any(|f| &f.code == *c))
        {
            return Err(FormError::UnknownField(code.clone()));
        }
        let mut out = Answers::new();
        for field in &self.fields {
            let given = answers.get(&field.code).filter(|a| !is_blank(a));
            let answer = match given {
                Some(a) => Some(a.clone()),
                None if field.required => field.derived(vitals),
                None => None,
            };
            match answer {
                Some(a) => {
                    field.check_answer(&a, visit_day)?;
                    out.insert(field.code.clone(), a);
                }
                None if field.required => return Err(FormError::Required(FieldName::of(field))),
                None => {}
            }
        }
        Ok(out)
    }

    /// The answers of the last visit of this kind worth pre-filling: fields that carry over and
    /// whose answer still fits the field as this form asks it.
    pub fn carried_over(&self, last: &FormRecord, visit_day: NaiveDate) -> Answers {
        self.fields
            .iter()
            .filter(|f| f.carry_over)
            .filter_map(|f| {
                let a = last.answers.get(&f.code)?;
                f.check_answer(a, visit_day).ok()?;
                Some((f.code.clone(), a.clone()))
            })
            .collect()
    }
}

impl VisitForm {
    /// The answers in one line, in the form's order: `label：answer；…` with choices by their
    /// labels and numbers with their units.
    pub fn summary(&self, answers: &Answers, lang: Lang) -> String {
        let option = |f: &FormField, code: &str| {
            f.options
                .iter()
                .find(|o| o.code == code)
                .map(|o| lang.pick(&o.label, &o.label_en).to_string())
                .unwrap_or_else(|| code.to_string())
        };
        let parts: Vec<String> = self
            .fields
            .iter()
            .filter_map(|f| {
                let a = answers.get(&f.code)?;
                let shown = match a {
                    AnswerValue::YesNo(yes) => lang
                        .pick(
                            if *yes { "是" } else { "否" },
                            if *yes { "yes" } else { "no" },
                        )
                        .to_string(),
                    AnswerValue::Number(n) => format!("{n}{}", f.unit),
                    AnswerValue::Text(t) if f.field_type == FieldType::Choice => option(f, t),
                    AnswerValue::Text(t) => t.clone(),
                    AnswerValue::Choices(c) => {
                        let sep = lang.pick("、", ", ");
                        c.iter().map(|x| option(f, x)).collect::<Vec<_>>().join(sep)
                    }
                };
                let label = lang.pick(&f.label, &f.label_en);
                // Long labels (the self-care scale's bands) are cut at their bracket.
                let label = label.split(['（', '(']).next().unwrap_or(label).trim();
                Some(format!("{label}{}{shown}", lang.pick("：", ": ")))
            })
            .collect();
        parts.join(lang.pick("；", "; "))
    }
}

fn is_blank(a: &AnswerValue) -> bool {
    match a {
        AnswerValue::Text(t) => t.trim().is_empty(),
        AnswerValue::Choices(c) => c.is_empty(),
        _ => false,
    }
}

impl FormField {
    fn check(&self) -> Result<(), String> {
        let choosing = matches!(self.field_type, FieldType::Choice | FieldType::MultiChoice);
        if choosing {
            if self.options.len() < 2 {
                return Err("fewer than two options".into());
            }
            let mut codes = BTreeSet::new();
            for o in &self.options {
                if o.code.trim().is_empty() || o.label.trim().is_empty() {
                    return Err("an option without code or label".into());
                }
                if !codes.insert(o.code.as_str()) {
                    return Err(format!("option '{}' twice", o.code));
                }
            }
        } else if !self.options.is_empty() {
            return Err("options on a field that is not a choice".into());
        }
        match (self.field_type, self.min, self.max) {
            (FieldType::Number, Some(min), Some(max)) if min.is_finite() && max > min => {}
            (FieldType::Number, _, _) => return Err("a number needs min < max".into()),
            (_, None, None) => {}
            _ => return Err("a range on a field that is not a number".into()),
        }
        if self.after_visit && self.field_type != FieldType::Date {
            return Err("after_visit on a field that is not a date".into());
        }
        if self.carry_over && self.field_type == FieldType::Date {
            return Err("a date never carries over".into());
        }
        if self.derive.is_some() && (self.field_type != FieldType::Choice || self.carry_over) {
            return Err("only a choice that does not carry over is derived".into());
        }
        Ok(())
    }

    /// The answer taken from the vitals, when the field has a derivation and they were measured.
    fn derived(&self, vitals: &Vitals) -> Option<AnswerValue> {
        let on_target = match self.derive? {
            Derivation::BpControl => vitals.bp_on_target()?,
            Derivation::GlucoseControl => vitals.glucose_on_target()?,
        };
        let option = &self.options[if on_target { 0 } else { 1 }];
        Some(AnswerValue::Text(option.code.clone()))
    }

    fn check_answer(&self, a: &AnswerValue, visit_day: NaiveDate) -> Result<(), FormError> {
        let name = || FieldName::of(self);
        let option = |code: &str| {
            if self.options.iter().any(|o| o.code == code) {
                Ok(())
            } else {
                Err(FormError::UnknownOption {
                    field: name(),
                    option: code.to_string(),
                })
            }
        };
        match (self.field_type, a) {
            (FieldType::YesNo, AnswerValue::YesNo(_)) => Ok(()),
            (FieldType::Choice, AnswerValue::Text(code)) => option(code),
            (FieldType::MultiChoice, AnswerValue::Choices(codes)) => {
                let distinct: BTreeSet<_> = codes.iter().collect();
                if distinct.len() != codes.len() {
                    return Err(FormError::WrongType(name()));
                }
                codes.iter().try_for_each(|c| option(c))
            }
            (FieldType::Number, AnswerValue::Number(value)) => {
                let (min, max) = (self.min.unwrap_or(0.0), self.max.unwrap_or(0.0));
                if value.is_finite() && (min..=max).contains(value) {
                    Ok(())
                } else {
                    Err(FormError::OutOfRange {
                        field: name(),
                        value: *value,
                        min,
                        max,
                    })
                }
            }
            (FieldType::Text, AnswerValue::Text(text)) => {
                let max = self.max_chars.unwrap_or(TEXT_MAX_CHARS);
                if text.chars().count() > max {
                    return Err(FormError::TooLong { field: name(), max });
                }
                Ok(())
            }
            (FieldType::Date, AnswerValue::Text(text)) => {
                let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                    FormError::BadDate {
                        field: name(),
                        value: text.clone(),
                    }
                })?;
                if self.after_visit && day <= visit_day {
                    return Err(FormError::NotAfterVisit {
                        field: name(),
                        day,
                        visit_day,
                    });
                }
                Ok(())
            }
            _ => Err(FormError::WrongType(name())),
        }
    }
}

/// A blood pressure or glucose reading of a visit, for the trend beside the form.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub on: NaiveDate,
    pub occurred_at: DateTime<Utc>,
    pub systolic_mmhg: Option<u16>,
    pub diastolic_mmhg: Option<u16>,
    pub fasting_glucose_mmol_l: Option<f64>,
}

/// How far back the trend reaches.
pub const TREND_MONTHS: u32 = 12;

/// The blood pressure and glucose readings of the visits within the last twelve months up to
/// `today` (China days), oldest first.
pub fn readings(visits: &[Visit], today: NaiveDate) -> Vec<Reading> {
    let from = today
        .checked_sub_months(chrono::Months::new(TREND_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    let mut out: Vec<Reading> = visits
        .iter()
        .filter(|v| v.vitals.systolic_mmhg.is_some() || v.vitals.fasting_glucose_mmol_l.is_some())
        .map(|v| Reading {
            on: crate::time::china_date(v.occurred_at),
            occurred_at: v.occurred_at,
            systolic_mmhg: v.vitals.systolic_mmhg,
            diastolic_mmhg: v.vitals.diastolic_mmhg,
            fasting_glucose_mmol_l: v.vitals.fasting_glucose_mmol_l,
        })
        .filter(|r| r.on > from && r.on <= today)
        .collect();
    out.sort_by_key(|r| r.occurred_at);
    out
}

/// The last visit of a kind that has form answers: what the next one pre-fills from.
pub fn last_with_form(visits: &[Visit], kind: VisitKind) -> Option<&Visit> {
    visits
        .iter()
        .filter(|v| v.kind == kind && v.form.is_some())
        .max_by_key(|v| v.occurred_at)
}

#[cfg(test)]
#[path = "visit_form_tests.rs"]
mod tests;
