//! A household moving within the township, or splitting in two (分户). The records keep their
//! history; the team responsible follows the village.

use jiayi_core::CoreError;
use jiayi_core::contract::{ContractEvent, ContractEventKind, TerminationReason};
use jiayi_core::household::{Household, Resident};
use jiayi_core::person::Relation;
use jiayi_core::year::membership::LeaveReason;
use jiayi_store::{NewContractEvent, YearWrite};
use uuid::Uuid;

use super::views::{HouseholdMove, HouseholdMoveOutcome, HouseholdSplit, HouseholdSplitOutcome};
use crate::{Api, ApiError, ApiResult};

impl Api {
    /// Moves a household to another village or group. When the new village is served by
    /// another team, the contract in force ends on the moving day (reason: moved) and the
    /// household signs with the new team.
    pub fn move_household(&mut self, request: &HouseholdMove) -> ApiResult<HouseholdMoveOutcome> {
        let today = self.today();
        if request.on > today {
            return Err(self.fail(CoreError::DateInFuture {
                field: "effective_on",
                date: request.on,
            }));
        }
        let record = self
            .store
            .household(request.household_id)
            .map_err(|e| self.fail(e))?;
        let village = self
            .store
            .find_village(&request.village)
            .map_err(|e| self.fail(e))?;
        let moved = Household {
            village_id: village.id,
            group: request
                .group
                .clone()
                .unwrap_or_else(|| record.household.group.clone()),
            address: request
                .address
                .clone()
                .unwrap_or_else(|| record.household.address.clone()),
            ..record.household.clone()
        };
        if moved == record.household {
            return Err(self.fail(ApiError::invalid(
                "nothing_changed",
                "新住址与原住址相同",
                "the new address is the same as the old one",
            )));
        }
        let new_team = self
            .store
            .team_for_village(village.id)
            .map_err(|e| self.fail(e))?
            .map(|t| t.id);
        let mut ended = Vec::new();
        for ctx in self.contracts_in_force(record.household.id, request.on)? {
            if Some(ctx.contract().team_id) != new_team {
                ended.push(NewContractEvent {
                    event: ContractEvent {
                        id: Uuid::now_v7(),
                        contract_id: ctx.contract().id,
                        at: self.now(),
                        kind: ContractEventKind::Terminated {
                            reason: TerminationReason::MovedOut,
                            note: format!("迁往{}", village.name),
                            effective_on: request.on,
                            resident_confirmed: false,
                            doctor_confirmed: true,
                            snapshot_sha256: String::new(),
                        },
                    },
                    snapshot_json: None,
                    resident_signature: None,
                    doctor_signature: None,
                });
            }
        }
        // The contracts end before the household leaves, so their events belong to the old
        // village, where this device may write; the server then takes the household's records
        // to the new village (docs/sync-protocol.md, "A household that moves").
        let mut writes: Vec<YearWrite<'_>> = ended.iter().map(YearWrite::ContractEvent).collect();
        writes.push(YearWrite::Household(&moved));
        self.store
            .write_year(&writes, self.now())
            .map_err(|e| self.fail(e))?;
        let mut terminated = Vec::new();
        for e in &ended {
            let record = self
                .store
                .contract(e.event.contract_id)
                .map_err(|e| self.fail(e))?;
            terminated.push(record.contract.agreement_number);
        }
        Ok(HouseholdMoveOutcome {
            village_id: village.id,
            terminated,
        })
    }

    /// Some members become a household of their own: a new household is registered, each of
    /// them moves to it on the day (one membership event each), and their coverage under the
    /// old household's contract ends. The rest keep the agreement; the new household signs
    /// its own.
    pub fn split_household(&mut self, split: &HouseholdSplit) -> ApiResult<HouseholdSplitOutcome> {
        let today = self.today();
        if split.on > today {
            return Err(self.fail(CoreError::DateInFuture {
                field: "effective_on",
                date: split.on,
            }));
        }
        let record = self
            .store
            .household(split.household_id)
            .map_err(|e| self.fail(e))?;
        let village = match &split.village {
            Some(v) => self.store.find_village(v).map_err(|e| self.fail(e))?,
            None => self
                .store
                .village(record.household.village_id)
                .map_err(|e| self.fail(e))?,
        };
        if split.members.is_empty() {
            return Err(self.fail(CoreError::NoMembers));
        }
        match split
            .members
            .iter()
            .filter(|m| m.relation == Relation::Head)
            .count()
        {
            0 => return Err(self.fail(CoreError::NoHead)),
            1 => {}
            _ => return Err(self.fail(CoreError::SeveralHeads)),
        }
        let present = self.members_today(record.household.id, split.on)?;
        let staying = present
            .iter()
            .filter(|id| !split.members.iter().any(|m| m.resident_id == **id))
            .count();
        if staying == 0 {
            return Err(self.fail(ApiError::invalid(
                "nothing_left",
                "原户不能没有成员；整户迁移请用“迁户”",
                "the old household cannot be left empty; move the whole household instead",
            )));
        }
        let mut leaving: Vec<Resident> = Vec::new();
        for m in &split.members {
            let resident = record
                .members
                .iter()
                .find(|r| r.id == m.resident_id && present.contains(&r.id))
                .ok_or_else(|| {
                    self.fail(CoreError::NotInHousehold {
                        name: m.resident_id.to_string(),
                    })
                })?;
            if resident.relation == Relation::Head {
                return Err(self.fail(ApiError::invalid(
                    "head_leaving",
                    &format!("{}是户主，请先变更户主再分户", resident.name),
                    &format!(
                        "{} is the head of the household; change the head first",
                        resident.name
                    ),
                )));
            }
            leaving.push(resident.clone());
        }
        let id = Uuid::now_v7();
        let household = Household {
            id,
            village_id: village.id,
            group: split
                .group
                .clone()
                .unwrap_or_else(|| record.household.group.clone()),
            address: jiayi_core::household::clean_address(&split.address)
                .map_err(|e| self.fail(e))?,
            // The county's numbers are the residents': none is made up for the household.
            record_number: String::new(),
        };
        let mut owned = Vec::new();
        let mut amendments = Vec::new();
        for (resident, m) in leaving.iter().zip(&split.members) {
            let (records, ended) = self.leaving(
                resident,
                LeaveReason::MovedToHousehold { household_id: id },
                split.on,
                Some(m.relation),
            )?;
            owned.extend(records);
            amendments.extend(ended);
        }
        // A household founded in another village is founded in the old one and then moved, so
        // every record of the split belongs to a village this device may write, and the server
        // takes the new household's records to its village as for any move.
        let founded = Household {
            village_id: record.household.village_id,
            ..household.clone()
        };
        let mut writes = vec![YearWrite::NewHousehold(&founded)];
        for o in &owned {
            o.push_to(&mut writes);
        }
        writes.extend(amendments.iter().map(YearWrite::Amendment));
        if founded != household {
            writes.push(YearWrite::Household(&household));
        }
        self.store
            .write_year(&writes, self.now())
            .map_err(|e| self.fail(e))?;
        Ok(HouseholdSplitOutcome {
            new_household_id: id,
            amendment_ids: amendments.iter().map(|a| a.amendment.id).collect(),
        })
    }
}
