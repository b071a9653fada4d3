//! A resident over time: corrections to their details, and population groups that start and
//! end on dates (a diagnosis, a pregnancy and its delivery, a registration and its end).

use chrono::{Days, NaiveDate};
use jiayi_core::CoreError;
use jiayi_core::household::{Resident, ResidentInput};
use jiayi_core::person::PopulationGroup;
use jiayi_core::record_number::{RecordNumber, issue_next};
use jiayi_core::year::amendment::AmendmentKind;
use jiayi_core::year::groups::{
    GroupPeriod, PREGNANCY_DAYS, PeriodBasis, check_group_periods,
    pregnancy_start_from_expected_delivery, with_registered_groups,
};
use jiayi_core::year::membership::{died_on, registered_since};
use jiayi_store::YearWrite;
use uuid::Uuid;

use super::unstamped;
use super::views::{GroupEnd, GroupOutcome, GroupStart, ResidentEdit, basis_for};
use crate::{Api, ApiError, ApiResult};

impl Api {
    /// Corrects a resident's details. Only the fields given change; each changed field travels
    /// as its own change (field-level merge in sync) and leaves an audit entry.
    pub fn edit_resident(&mut self, edit: &ResidentEdit) -> ApiResult<Resident> {
        let today = self.today();
        let current = self
            .store
            .resident(edit.resident_id)
            .map_err(|e| self.fail(e))?;
        let id_number = edit
            .id_number
            .clone()
            .or_else(|| current.id_number.as_ref().map(|n| n.to_string()));
        let has_number = id_number.as_deref().is_some_and(|n| !n.trim().is_empty());
        let input = ResidentInput {
            name: edit.name.clone().unwrap_or_else(|| current.name.clone()),
            // The number says the birth date and sex; a typed one must agree with it.
            birth_date: edit.birth_date.clone().or_else(|| {
                (!has_number)
                    .then(|| current.birth_date.map(|d| d.to_string()))
                    .flatten()
            }),
            sex: edit.sex.or(Some(current.sex)),
            phone: edit
                .phone
                .clone()
                .or_else(|| current.phone.as_ref().map(|p| p.to_string())),
            relation: edit.relation.or(Some(current.relation)),
            id_number,
            groups: Vec::new(),
        };
        let valid = input.validate(today).map_err(|e| self.fail(e))?;
        let record_number = match edit.record_number.as_deref().map(str::trim) {
            None => current.record_number.clone(),
            Some("") => None,
            Some(text) => {
                Some(RecordNumber::parse(text).map_err(|e| self.fail(CoreError::from(e)))?)
            }
        };
        if let Some(number) = &valid.id_number
            && current.id_number.as_ref() != Some(number)
        {
            self.refuse_registered_id_number(number.as_str(), Some(current.id))?;
        }
        let updated = Resident {
            name: valid.name,
            id_number_missing: valid.id_number.is_none(),
            id_number: valid.id_number,
            sex: valid.sex,
            birth_date: valid.birth_date,
            phone: valid.phone,
            relation: valid.relation,
            record_number,
            ..current
        };
        self.store
            .write_year(&[YearWrite::Resident(&updated)], self.now())
            .map_err(|e| self.fail(e))?;
        Ok(updated)
    }

    /// Gives a resident the next health-record number of their village's serial range (the
    /// range the township assigned, received with the reference data). A resident who has a
    /// number keeps it. Refused when the village has no range or every number of it is used.
    pub fn issue_record_number(&mut self, resident_id: Uuid) -> ApiResult<Resident> {
        let current = self.store.resident(resident_id).map_err(|e| self.fail(e))?;
        if current.record_number.is_some() {
            return Ok(current);
        }
        let household = self
            .store
            .household(current.household_id)
            .map_err(|e| self.fail(e))?;
        let range = self
            .store
            .record_range(household.household.village_id)
            .map_err(|e| self.fail(e))?;
        // Without a range nothing can be issued: the numbers in use need not be read.
        let used = match &range {
            Some(r) => self
                .store
                .record_numbers_with_prefix(&r.village_code)
                .map_err(|e| self.fail(e))?,
            None => Vec::new(),
        };
        let number = issue_next(
            range.as_ref().map_or("", |r| r.village_code.as_str()),
            range.as_ref().map(|r| r.range()),
            used.iter().map(String::as_str),
        )
        .map_err(|e| self.fail(CoreError::from(e)))?;
        let updated = Resident {
            record_number: Some(number),
            ..current
        };
        self.store
            .write_year(&[YearWrite::Resident(&updated)], self.now())
            .map_err(|e| self.fail(e))?;
        Ok(updated)
    }

    /// A group starts for a resident on a date. When the group brings packages the resident's
    /// contract does not hold, the amendment is written with it if the household signed now;
    /// otherwise the outcome says what to offer.
    pub fn start_group(&mut self, start: &GroupStart) -> ApiResult<GroupOutcome> {
        let today = self.today();
        let resident = self
            .store
            .resident(start.resident_id)
            .map_err(|e| self.fail(e))?;
        let since = match (start.group, start.since, start.expected_delivery) {
            (_, Some(since), _) => since,
            (PopulationGroup::Pregnant, None, Some(edd)) => {
                pregnancy_start_from_expected_delivery(edd)
            }
            _ => today,
        };
        let end = (start.group == PopulationGroup::Postpartum)
            .then(|| since + Days::new(jiayi_core::year::groups::POSTPARTUM_DAYS));
        let period = GroupPeriod {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            group: start.group,
            basis: basis_for(start),
            start: since,
            end,
            hlc: unstamped(),
        };
        self.check_alive(&resident, since)?;
        let mut periods = self
            .store
            .group_periods_of(resident.id)
            .map_err(|e| self.fail(e))?;
        periods.push(period.clone());
        check_group_periods(
            &with_registered_groups(resident.id, &resident.groups, &periods, resident.birth_date),
            resident.sex,
            resident.birth_date,
            today,
        )
        .map_err(|e| self.fail(e))?;

        // What the group brings under the contract that covers the resident today.
        let mut outcome = GroupOutcome {
            period_ids: vec![period.id],
            amendment_id: None,
            packages_to_add: Vec::new(),
            contract_id: None,
        };
        let mut amendment = None;
        let contracts = self.contracts_in_force(resident.household_id, today)?;
        if let Some((ctx, coverage)) = contracts
            .iter()
            .find_map(|c| c.covers(resident.id, today).map(|cov| (c, cov)))
        {
            let groups = self.groups_of(&resident, std::slice::from_ref(&period), today)?;
            let owed = self.packages_for(&groups, &[])?;
            let missing: Vec<String> = owed
                .into_iter()
                .filter(|code| !coverage.package_codes.contains(code))
                .collect();
            outcome.contract_id = Some(ctx.contract().id);
            if !missing.is_empty() {
                match &start.amend {
                    Some(signing) => {
                        let effective = since.max(coverage.since).min(today);
                        let new = self.build_amendment(
                            ctx,
                            AmendmentKind::ObligationAdded {
                                resident_id: resident.id,
                                group: Some(start.group),
                                package_codes: missing,
                            },
                            effective,
                            &resident,
                            groups,
                            Some(signing),
                            &[],
                        )?;
                        outcome.amendment_id = Some(new.amendment.id);
                        amendment = Some(new);
                    }
                    None => outcome.packages_to_add = missing,
                }
            }
        }
        let mut writes = vec![YearWrite::GroupPeriod(&period)];
        if let Some(a) = &amendment {
            writes.push(YearWrite::Amendment(a));
        }
        self.store
            .write_year(&writes, self.now())
            .map_err(|e| self.fail(e))?;
        Ok(outcome)
    }

    /// A group ends for a resident: its last day, or for a pregnancy the delivery (she is then
    /// in the postpartum group for 42 days).
    pub fn end_group(&mut self, end: &GroupEnd) -> ApiResult<GroupOutcome> {
        let today = self.today();
        let resident = self
            .store
            .resident(end.resident_id)
            .map_err(|e| self.fail(e))?;
        let periods = self
            .store
            .group_periods_of(resident.id)
            .map_err(|e| self.fail(e))?;
        let day = match (end.delivered, end.on) {
            (Some(delivered), _) => delivered,
            (None, Some(on)) => on,
            (None, None) => today,
        };
        let all =
            with_registered_groups(resident.id, &resident.groups, &periods, resident.birth_date);
        let open = all
            .iter()
            .filter(|p| p.group == end.group && p.start <= day)
            .filter(|p| p.end.is_none_or(|e| e >= day))
            .max_by_key(|p| p.start)
            .cloned()
            .ok_or_else(|| {
                self.fail(ApiError::invalid(
                    "group_not_in_force",
                    &format!(
                        "该居民在{day}不属于“{}”人群",
                        end.group.label(jiayi_core::Lang::Zh)
                    ),
                    &format!(
                        "the resident is not in the group '{}' on {day}",
                        end.group.label(jiayi_core::Lang::En)
                    ),
                ))
            })?;
        // A group recorded at registration, without dates, is written as a dated period now.
        let stored = if open.id.is_nil() {
            let start = match end.group {
                PopulationGroup::Pregnant => day - Days::new(PREGNANCY_DAYS),
                _ => registered_since(resident.birth_date),
            };
            Some(GroupPeriod {
                id: Uuid::now_v7(),
                start: start.max(registered_since(resident.birth_date)),
                basis: PeriodBasis::Registered,
                ..open.clone()
            })
        } else {
            None
        };
        let base = stored.clone().unwrap_or(open);
        let (ended, postpartum) = match end.delivered {
            Some(delivered) => {
                let (pregnancy, postpartum) = base
                    .delivered(delivered, Uuid::now_v7(), unstamped())
                    .map_err(|e| self.fail(e))?;
                (pregnancy, Some(postpartum))
            }
            None => (
                GroupPeriod {
                    end: Some(day),
                    ..base
                },
                None,
            ),
        };
        let mut after: Vec<GroupPeriod> = periods
            .iter()
            .filter(|p| p.id != ended.id)
            .cloned()
            .collect();
        after.push(ended.clone());
        after.extend(postpartum.iter().cloned());
        check_group_periods(
            &with_registered_groups(resident.id, &resident.groups, &after, resident.birth_date),
            resident.sex,
            resident.birth_date,
            today,
        )
        .map_err(|e| self.fail(e))?;
        let ended_on = ended.end.unwrap_or(day);
        let mut writes = Vec::new();
        if stored.is_some() {
            writes.push(YearWrite::GroupPeriod(&ended));
        } else {
            writes.push(YearWrite::GroupPeriodEnd {
                id: ended.id,
                end: ended_on,
            });
        }
        if let Some(p) = &postpartum {
            writes.push(YearWrite::GroupPeriod(p));
        }
        self.store
            .write_year(&writes, self.now())
            .map_err(|e| self.fail(e))?;
        let mut period_ids = vec![ended.id];
        period_ids.extend(postpartum.map(|p| p.id));
        Ok(GroupOutcome {
            period_ids,
            amendment_id: None,
            packages_to_add: Vec::new(),
            contract_id: None,
        })
    }

    /// Refuses an ID number already registered for someone other than `except`, naming them.
    pub(crate) fn refuse_registered_id_number(
        &self,
        number: &str,
        except: Option<Uuid>,
    ) -> ApiResult<()> {
        let holder = self
            .store
            .resident_with_id_number(number)
            .map_err(|e| self.fail(e))?;
        match holder.filter(|(id, _)| Some(*id) != except) {
            Some((_, name)) => Err(self.fail(ApiError::invalid(
                "duplicate_id_number",
                &format!("该身份证号已登记在{name}名下"),
                &format!("this ID number is already registered for {name}"),
            ))),
            None => Ok(()),
        }
    }

    /// Nothing is recorded for a resident after their death.
    pub(crate) fn check_alive(&self, resident: &Resident, day: NaiveDate) -> ApiResult<()> {
        let events = self
            .store
            .membership_of(resident.id)
            .map_err(|e| self.fail(e))?;
        match died_on(&events) {
            Some(died) if died <= day => Err(self.fail(CoreError::AfterDeath { died_on: died })),
            _ => Ok(()),
        }
    }
}
