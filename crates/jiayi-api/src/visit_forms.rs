//! The record sheet for a visit about to be recorded: the form of its kind, what the last visit
//! of that kind answered that carries over (lifestyle, medication; never vitals, never the
//! classification) and the resident's blood pressure and glucose of the last twelve months.
//! The rules are the core's (`jiayi_core::visit_form`).

use chrono::{DateTime, Utc};
use jiayi_core::time::china_date;
use jiayi_core::visit::VisitKind;
use jiayi_core::visit_form::{Answers, FormSet, Reading, VisitForm, last_with_form, readings};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::visits::form_error;
use crate::{Api, ApiResult};

/// Which visit the form is for: a service item owed to the resident, or a kind of visit.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitFormQuery {
    pub resident_id: Uuid,
    #[serde(default)]
    pub item_code: Option<String>,
    #[serde(default)]
    pub kind: Option<VisitKind>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitFormView {
    pub kind: VisitKind,
    pub kind_label: String,
    /// The version of the forms the answers are given in.
    pub version: String,
    /// The form of the kind; none for a kind without one (every vital asked, no fields).
    pub form: Option<VisitForm>,
    /// Answers of the last visit of this kind that carry over, to pre-fill.
    pub prefill: Answers,
    /// When that visit was.
    pub prefill_from: Option<DateTime<Utc>>,
    /// Blood pressure and glucose readings of the last twelve months, oldest first.
    pub readings: Vec<Reading>,
}

impl Api {
    /// The form to fill for a visit, pre-filled where safe, with the resident's recent readings.
    pub fn visit_form(&self, query: &VisitFormQuery) -> ApiResult<VisitFormView> {
        let kind = self.kind_of(query.resident_id, query.item_code.as_deref(), query.kind)?;
        let forms = FormSet::current().map_err(|e| self.fail(form_error(e)))?;
        let visits = self
            .store
            .visits_of_resident(query.resident_id)
            .map_err(|e| self.fail(e))?;
        let today = china_date(self.now());
        let form = forms.form(kind).cloned();
        let last = last_with_form(&visits, kind);
        let prefill = match (&form, last.and_then(|v| v.form.as_ref())) {
            (Some(form), Some(record)) => form.carried_over(record, today),
            _ => Answers::new(),
        };
        self.note("read", "resident", &query.resident_id.to_string())?;
        Ok(VisitFormView {
            kind,
            kind_label: kind.label(self.lang).to_string(),
            version: forms.version.clone(),
            prefill_from: last.filter(|_| !prefill.is_empty()).map(|v| v.occurred_at),
            prefill,
            form,
            readings: readings(&visits, today),
        })
    }
}
