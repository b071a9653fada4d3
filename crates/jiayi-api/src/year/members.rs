//! Members joining and leaving a household, and a new head. Coverage follows: a member added
//! can be brought into the contract by an amendment the household signs; a member who dies or
//! moves away leaves the contract by an amendment the doctor records, and the rest of the
//! household keeps its agreement.

use chrono::NaiveDate;
use jiayi_core::CoreError;
use jiayi_core::household::Resident;
use jiayi_core::person::{PopulationGroup, Relation};
use jiayi_core::year::amendment::{AmendmentKind, CoverageEndReason};
use jiayi_core::year::groups::GroupPeriod;
use jiayi_core::year::membership::{
    LeaveReason, MembershipChange, MembershipEvent, check_birth, check_membership,
    events_or_registration,
};
use jiayi_store::{NewAmendment, YearWrite};
use uuid::Uuid;

use super::unstamped;
use super::views::{
    HeadChange, JoinKind, MemberAdd, MemberAddOutcome, MemberLeave, MemberLeaveOutcome, basis_of,
    join_reason,
};
use crate::{Api, ApiError, ApiResult};

impl Api {
    /// Adds a member to a registered household (a birth, a marriage, an adoption, a move in).
    pub fn add_member(&mut self, add: &MemberAdd) -> ApiResult<MemberAddOutcome> {
        let today = self.today();
        let household = self
            .store
            .household(add.household_id)
            .map_err(|e| self.fail(e))?;
        let mut input = add.member.clone();
        if input.relation.is_none() {
            input.relation = Some(Relation::Other);
        }
        let valid = input.validate(today).map_err(|e| self.fail(e))?;
        if valid.relation == Relation::Head && household.head().is_some() {
            return Err(self.fail(CoreError::SeveralHeads));
        }
        if let Some(number) = &valid.id_number {
            self.refuse_registered_id_number(number.as_str(), None)?;
        }
        let on = match (add.on, add.reason, valid.birth_date) {
            (Some(on), _, _) => on,
            (None, JoinKind::Birth, Some(birth)) => birth,
            _ => today,
        };
        let reason = join_reason(add).ok_or_else(|| {
            self.fail(ApiError::invalid(
                "mother_required",
                "新生儿须选择本户的母亲",
                "a newborn needs their mother, a member of the household",
            ))
        })?;
        let resident = Resident {
            id: Uuid::now_v7(),
            household_id: household.household.id,
            name: valid.name.clone(),
            id_number_missing: valid.id_number.is_none(),
            id_number: valid.id_number.clone(),
            sex: valid.sex,
            birth_date: valid.birth_date,
            phone: valid.phone.clone(),
            relation: valid.relation,
            groups: Vec::new(),
            record_number: None,
        };
        let joined = MembershipEvent {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            household_id: household.household.id,
            effective_on: on,
            change: MembershipChange::Joined { reason },
            hlc: unstamped(),
        };
        check_membership(std::slice::from_ref(&joined), resident.birth_date, today)
            .map_err(|e| self.fail(e))?;
        if let Some(mother_id) = add.mother_id.filter(|_| add.reason == JoinKind::Birth) {
            let mother = household
                .members
                .iter()
                .find(|m| m.id == mother_id)
                .ok_or_else(|| self.fail(CoreError::MotherNotInHousehold { on }))?;
            let recorded = self
                .store
                .membership_of(mother_id)
                .map_err(|e| self.fail(e))?;
            let events = events_or_registration(
                &recorded,
                mother.id,
                mother.household_id,
                mother.birth_date,
            );
            check_birth(&joined, &events).map_err(|e| self.fail(e))?;
        }
        // Groups typed on the form start the day they join.
        let periods: Vec<GroupPeriod> = valid
            .groups
            .iter()
            .filter(|g| !g.is_derived())
            .map(|g| GroupPeriod {
                id: Uuid::now_v7(),
                resident_id: resident.id,
                group: *g,
                basis: basis_of(*g, false, false),
                start: on,
                end: None,
                hlc: unstamped(),
            })
            .collect();

        let contracts = self.contracts_in_force(household.household.id, today)?;
        let mut outcome = MemberAddOutcome {
            resident_id: resident.id,
            contract_id: contracts.first().map(|c| c.contract().id),
            amendment_id: None,
        };
        let mut amendment: Option<NewAmendment> = None;
        if let (Some(signing), Some(ctx)) = (&add.extend, contracts.first()) {
            let mut groups: Vec<PopulationGroup> =
                jiayi_core::year::groups::groups_on(&periods, resident.birth_date, today)
                    .into_iter()
                    .collect();
            groups.sort();
            let codes = self.packages_for(&groups, &signing.paid_packages)?;
            let new = self.build_amendment(
                ctx,
                AmendmentKind::MemberAdded {
                    resident_id: resident.id,
                    package_codes: codes,
                },
                on.max(ctx.contract().term.start),
                &resident,
                groups,
                Some(signing),
                std::slice::from_ref(&joined),
            )?;
            outcome.amendment_id = Some(new.amendment.id);
            amendment = Some(new);
        }
        let mut writes = vec![
            YearWrite::NewResident(&resident),
            YearWrite::Membership(&joined),
        ];
        writes.extend(periods.iter().map(YearWrite::GroupPeriod));
        if let Some(a) = &amendment {
            writes.push(YearWrite::Amendment(a));
        }
        self.store
            .write_year(&writes, self.now())
            .map_err(|e| self.fail(e))?;
        Ok(outcome)
    }

    /// A member leaves the household: died, moved out of the area, or moved to another
    /// household of the register. Their record stays; from that day they are not covered.
    pub fn member_leave(&mut self, leave: &MemberLeave) -> ApiResult<MemberLeaveOutcome> {
        let resident = self
            .store
            .resident(leave.resident_id)
            .map_err(|e| self.fail(e))?;
        let reason = match leave.reason {
            super::views::LeaveKind::Died => LeaveReason::Died,
            super::views::LeaveKind::MovedOut => LeaveReason::MovedOut {
                destination: leave
                    .destination
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .ok_or_else(|| {
                        self.fail(CoreError::Required {
                            field: "destination",
                        })
                    })?
                    .to_string(),
            },
            super::views::LeaveKind::MovedToHousehold => {
                let to = leave
                    .to_household_id
                    .ok_or_else(|| self.fail(CoreError::Required { field: "household" }))?;
                self.store.household(to).map_err(|e| self.fail(e))?;
                LeaveReason::MovedToHousehold { household_id: to }
            }
        };
        let relation = leave.relation.unwrap_or(Relation::Other);
        let (writes_owned, amendments) =
            self.leaving(&resident, reason, leave.on, Some(relation))?;
        let mut writes: Vec<YearWrite<'_>> = Vec::new();
        for w in &writes_owned {
            w.push_to(&mut writes);
        }
        writes.extend(amendments.iter().map(YearWrite::Amendment));
        self.store
            .write_year(&writes, self.now())
            .map_err(|e| self.fail(e))?;
        Ok(MemberLeaveOutcome {
            amendment_ids: amendments.iter().map(|a| a.amendment.id).collect(),
        })
    }

    /// The records a member's leaving writes: the implicit registration if they had no events,
    /// the leave, the resident's new household for a move within the register, and the end of
    /// their coverage under each contract that held them.
    pub(crate) fn leaving(
        &self,
        resident: &Resident,
        reason: LeaveReason,
        on: NaiveDate,
        new_relation: Option<Relation>,
    ) -> ApiResult<(Vec<Owned>, Vec<NewAmendment>)> {
        let today = self.today();
        let recorded = self
            .store
            .membership_of(resident.id)
            .map_err(|e| self.fail(e))?;
        let mut owned = Vec::new();
        let events = if recorded.is_empty() {
            let registered = events_or_registration(
                &recorded,
                resident.id,
                resident.household_id,
                resident.birth_date,
            );
            owned.extend(registered.iter().cloned().map(Owned::Membership));
            registered
        } else {
            recorded
        };
        let household_id = resident.household_id;
        let left = MembershipEvent {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            household_id,
            effective_on: on,
            change: MembershipChange::Left {
                reason: reason.clone(),
            },
            hlc: unstamped(),
        };
        let mut all = events.clone();
        all.push(left.clone());
        check_membership(&all, resident.birth_date, today).map_err(|e| self.fail(e))?;
        owned.push(Owned::Membership(left));
        if let LeaveReason::MovedToHousehold { household_id: to } = reason {
            owned.push(Owned::Resident(Resident {
                household_id: to,
                relation: new_relation.unwrap_or(Relation::Other),
                ..resident.clone()
            }));
        }
        let end_reason = match reason {
            LeaveReason::Died => CoverageEndReason::Death,
            _ => CoverageEndReason::MovedOut,
        };
        let mut amendments = Vec::new();
        for ctx in self.contracts_in_force(household_id, on)? {
            if ctx.covers(resident.id, on).is_none() {
                continue;
            }
            let groups = self.groups_of(resident, &[], on)?;
            amendments.push(self.build_amendment(
                &ctx,
                AmendmentKind::CoverageEnded {
                    resident_id: resident.id,
                    reason: end_reason,
                },
                on,
                resident,
                groups,
                None,
                &[],
            )?);
        }
        Ok((owned, amendments))
    }

    /// A new head of household: everyone's relation is re-expressed to them.
    pub fn change_head(&mut self, change: &HeadChange) -> ApiResult<()> {
        let household = self
            .store
            .household(change.household_id)
            .map_err(|e| self.fail(e))?;
        let today = self.today();
        let present = self.members_today(change.household_id, today)?;
        if !present.contains(&change.new_head_id) {
            return Err(self.fail(CoreError::NotInHousehold {
                name: self.name_of(change.new_head_id),
            }));
        }
        let mut updated = Vec::new();
        for m in &household.members {
            let relation = if m.id == change.new_head_id {
                Relation::Head
            } else if let Some(r) = change.relations.iter().find(|r| r.resident_id == m.id) {
                if r.relation == Relation::Head {
                    return Err(self.fail(CoreError::SeveralHeads));
                }
                r.relation
            } else if m.relation == Relation::Head {
                // The former head, gone or staying without a stated relation.
                Relation::Other
            } else {
                m.relation
            };
            if relation != m.relation {
                updated.push(Resident {
                    relation,
                    ..m.clone()
                });
            }
        }
        let writes: Vec<YearWrite<'_>> = updated.iter().map(YearWrite::Resident).collect();
        self.store
            .write_year(&writes, self.now())
            .map_err(|e| self.fail(e))
    }

    /// The residents of a household who are members on a day.
    pub(crate) fn members_today(&self, household_id: Uuid, day: NaiveDate) -> ApiResult<Vec<Uuid>> {
        let membership = self
            .store
            .household_membership(household_id)
            .map_err(|e| self.fail(e))?;
        Ok(
            jiayi_core::year::membership::members_on(&membership, household_id, day)
                .into_iter()
                .collect(),
        )
    }

    fn name_of(&self, resident_id: Uuid) -> String {
        self.store
            .resident(resident_id)
            .map(|r| r.name)
            .unwrap_or_else(|_| resident_id.to_string())
    }
}

/// A record an operation will write, owned until the write borrows it.
pub(crate) enum Owned {
    Membership(MembershipEvent),
    Resident(Resident),
}

impl Owned {
    pub(crate) fn push_to<'a>(&'a self, writes: &mut Vec<YearWrite<'a>>) {
        match self {
            Owned::Membership(e) => writes.push(YearWrite::Membership(e)),
            Owned::Resident(r) => writes.push(YearWrite::Resident(r)),
        }
    }
}
