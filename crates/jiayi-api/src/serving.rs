//! Who serves a household on a day, for the records that name a team member (referrals and
//! surveys): the team of the contract in force that day, else the team serving the village;
//! the member named must belong to it, and when none is named the visit form's default is
//! taken (`jiayi_core::visit::default_served_by`).

use chrono::NaiveDate;
use jiayi_core::household::Team;
use jiayi_core::visit::{check_served_by, default_served_by};
use jiayi_store::ContractRecord;
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

/// The team answering for a household on a day, with the contract in force then, if any.
pub(crate) struct Serving {
    pub team: Option<Team>,
    pub contract: Option<ContractRecord>,
}

impl Serving {
    /// The contract's family doctor on `day`, when a contract is in force.
    pub fn contract_doctor(&self, day: NaiveDate) -> Option<Uuid> {
        self.contract.as_ref().map(|c| c.state_on(day).doctor_id)
    }
}

impl Api {
    pub(crate) fn serving_on(&self, household_id: Uuid, day: NaiveDate) -> ApiResult<Serving> {
        let fail = |e| self.fail(e);
        let contract = self
            .store
            .contracts_of_household(household_id)
            .map_err(fail)?
            .into_iter()
            .find(|c| c.term_on(day).is_some());
        let team = match &contract {
            Some(c) => Some(self.store.team(c.contract.team_id).map_err(fail)?),
            None => {
                let village = self
                    .store
                    .household(household_id)
                    .map_err(fail)?
                    .household
                    .village_id;
                self.store.team_for_village(village).map_err(fail)?
            }
        };
        Ok(Serving { team, contract })
    }

    /// The team member a record names: the one given, checked to be in the team answering that
    /// day, or else the default (the enrolled doctor, the contract's doctor, the team's doctor).
    pub(crate) fn serving_member(
        &self,
        serving: &Serving,
        given: Option<Uuid>,
        day: NaiveDate,
    ) -> ApiResult<Option<Uuid>> {
        if let Some(member) = given {
            let team = serving.team.as_ref();
            return Ok(Some(
                check_served_by(team, member).map_err(|e| self.fail(e))?.id,
            ));
        }
        let enrolled = self
            .store
            .enrollment()
            .map_err(|e| self.fail(e))?
            .map(|e| e.doctor_id);
        Ok(default_served_by(
            serving.team.as_ref(),
            enrolled,
            serving.contract_doctor(day),
        ))
    }

    /// A team member's name from any team this device knows (empty when unknown here).
    pub(crate) fn team_member_name(&self, id: Option<Uuid>) -> ApiResult<String> {
        let Some(id) = id else {
            return Ok(String::new());
        };
        let teams = self.store.teams().map_err(|e| self.fail(e))?;
        Ok(teams
            .iter()
            .find_map(|t| t.member(id))
            .map(|m| m.name.clone())
            .unwrap_or_default())
    }
}

/// An error of the core's referral or survey rules, as the UI receives it.
pub(crate) fn rule_error(code: &str, zh: String, en: String) -> ApiError {
    ApiError::new(code, &zh, &en)
}
