//! Two-way referral (双向转诊): a resident referred out, later referred back with a follow-up
//! plan, and a household's referrals listed. Both are records written once; the rules are the
//! core's (`jiayi_core::referral`).

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::Lang;
use jiayi_core::referral::{
    ReferralBack, ReferralError, ReferralOut, ReferralOutForm, Urgency, back_of,
    check_referral_back, check_referral_out, is_open_on,
};
use jiayi_store::StoreError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::serving::rule_error;
use crate::{Api, ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReferralOutRequest {
    pub resident_id: Uuid,
    pub to_institution: String,
    pub reason: String,
    /// The day of the referral; today when not given.
    #[serde(default)]
    pub referred_on: Option<NaiveDate>,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// The team member who referred; the visit form's default when not given.
    #[serde(default)]
    pub doctor_id: Option<Uuid>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReferralBackRequest {
    /// The referral out the resident comes back from.
    pub referral_id: Uuid,
    /// The day of the return; today when not given.
    #[serde(default)]
    pub returned_on: Option<NaiveDate>,
    pub follow_up_plan: String,
    #[serde(default)]
    pub doctor_id: Option<Uuid>,
}

/// A referral back as the household page shows it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReferralBackView {
    pub back_id: Uuid,
    pub returned_on: NaiveDate,
    pub follow_up_plan: String,
    pub doctor_id: Option<Uuid>,
    pub doctor_name: String,
    pub recorded_at: DateTime<Utc>,
}

/// A referral out with its return, if it came back.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReferralRow {
    pub referral_id: Uuid,
    pub resident_id: Uuid,
    pub resident_name: String,
    pub to_institution: String,
    pub reason: String,
    pub referred_on: NaiveDate,
    pub urgency: Option<Urgency>,
    /// The urgency in the user's language (empty when not given).
    pub urgency_label: String,
    pub doctor_id: Option<Uuid>,
    pub doctor_name: String,
    pub recorded_at: DateTime<Utc>,
    /// Still open today: referred out, not back.
    pub open: bool,
    pub back: Option<ReferralBackView>,
}

fn referral_error(e: ReferralError) -> ApiError {
    rule_error(e.code(), e.message(Lang::Zh), e.message(Lang::En))
}

impl Api {
    /// The team member recording a referral for a household on `day` (the one named, if they
    /// serve it then) and the household's village.
    fn who_serves_where(
        &self,
        household_id: Uuid,
        named: Option<Uuid>,
        day: NaiveDate,
    ) -> ApiResult<(Option<Uuid>, Uuid)> {
        let serving = self.serving_on(household_id, day)?;
        let doctor_id = self.serving_member(&serving, named, day)?;
        let village_id = self
            .store
            .household(household_id)
            .map_err(|e| self.fail(e))?
            .household
            .village_id;
        Ok((doctor_id, village_id))
    }

    pub fn record_referral_out(&mut self, request: &ReferralOutRequest) -> ApiResult<ReferralRow> {
        let now = self.now();
        let today = self.today();
        let resident = self
            .store
            .resident(request.resident_id)
            .map_err(|e| self.fail(e))?;
        let day = request.referred_on.unwrap_or(today);
        let form = ReferralOutForm {
            to_institution: &request.to_institution,
            reason: &request.reason,
            referred_on: day,
        };
        let (to_institution, reason) = check_referral_out(&form, resident.birth_date, today)
            .map_err(|e| self.fail(referral_error(e)))?;
        let (doctor_id, village_id) =
            self.who_serves_where(resident.household_id, request.doctor_id, day)?;
        let referral = ReferralOut {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            household_id: resident.household_id,
            village_id,
            doctor_id,
            to_institution,
            reason,
            referred_on: day,
            urgency: request.urgency,
            recorded_at: now,
        };
        self.store
            .record_referral_out(&referral, now)
            .map_err(|e| self.fail(e))?;
        self.referral_row(&referral, &[], &resident.name)
    }

    pub fn record_referral_back(
        &mut self,
        request: &ReferralBackRequest,
    ) -> ApiResult<ReferralRow> {
        let now = self.now();
        let today = self.today();
        let out = self.referral(request.referral_id)?;
        let backs = self
            .store
            .referrals_back_of(out.id)
            .map_err(|e| self.fail(e))?;
        let day = request.returned_on.unwrap_or(today);
        let plan = check_referral_back(
            &out,
            &backs,
            out.resident_id,
            day,
            &request.follow_up_plan,
            today,
        )
        .map_err(|e| self.fail(referral_error(e)))?;
        let (doctor_id, village_id) =
            self.who_serves_where(out.household_id, request.doctor_id, day)?;
        let back = ReferralBack {
            id: Uuid::now_v7(),
            referral_id: out.id,
            resident_id: out.resident_id,
            household_id: out.household_id,
            village_id,
            doctor_id,
            returned_on: day,
            follow_up_plan: plan,
            recorded_at: now,
        };
        self.store
            .record_referral_back(&back, now)
            .map_err(|e| self.fail(e))?;
        let name = self.resident_name(out.resident_id)?;
        self.referral_row(&out, &[back], &name)
    }

    /// A household's referrals, the newest first, each with its return when it came back.
    pub fn household_referrals(&self, household_id: Uuid) -> ApiResult<Vec<ReferralRow>> {
        self.store
            .household(household_id)
            .map_err(|e| self.fail(e))?;
        let fail = |e| self.fail(e);
        let outs = self
            .store
            .referrals_out_of_household(household_id)
            .map_err(fail)?;
        let backs = self
            .store
            .referrals_back_of_household(household_id)
            .map_err(fail)?;
        let mut rows = Vec::with_capacity(outs.len());
        for out in outs.iter().rev() {
            let name = self.resident_name(out.resident_id)?;
            rows.push(self.referral_row(out, &backs, &name)?);
        }
        self.note("read", "household", &household_id.to_string())?;
        Ok(rows)
    }

    fn referral(&self, id: Uuid) -> ApiResult<ReferralOut> {
        self.store.referral_out(id).map_err(|e| match e {
            StoreError::NotFound { .. } => {
                self.fail(ApiError::not_found("转出记录", "the referral"))
            }
            e => self.fail(e),
        })
    }

    fn resident_name(&self, id: Uuid) -> ApiResult<String> {
        Ok(self.store.resident(id).map_err(|e| self.fail(e))?.name)
    }

    fn referral_row(
        &self,
        out: &ReferralOut,
        backs: &[ReferralBack],
        resident_name: &str,
    ) -> ApiResult<ReferralRow> {
        let back = match back_of(out, backs) {
            Some(b) => Some(ReferralBackView {
                back_id: b.id,
                returned_on: b.returned_on,
                follow_up_plan: b.follow_up_plan.clone(),
                doctor_id: b.doctor_id,
                doctor_name: self.team_member_name(b.doctor_id)?,
                recorded_at: b.recorded_at,
            }),
            None => None,
        };
        Ok(ReferralRow {
            referral_id: out.id,
            resident_id: out.resident_id,
            resident_name: resident_name.to_string(),
            to_institution: out.to_institution.clone(),
            reason: out.reason.clone(),
            referred_on: out.referred_on,
            urgency: out.urgency,
            urgency_label: out
                .urgency
                .map(|u| u.label(self.lang).to_string())
                .unwrap_or_default(),
            doctor_id: out.doctor_id,
            doctor_name: self.team_member_name(out.doctor_id)?,
            recorded_at: out.recorded_at,
            open: is_open_on(out, backs, self.today()),
            back,
        })
    }
}
