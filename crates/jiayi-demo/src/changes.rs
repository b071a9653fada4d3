//! The changes of who serves a household over its two years: a change of doctor within the
//! team (a doctor moved to other duties, the household asked), and a move to another village
//! of the township, which ends the contract with the old village's team and is followed by a
//! new one with the new village's team.

use chrono::NaiveDate;
use jiayi_api::{Api, ChangeDoctorRequest, HouseholdMove, MemberChoice, SignRequest};
use jiayi_core::household::{TeamRole, Village};
use uuid::Uuid;

use crate::people::{Home, Person};

/// Changes the doctor of the household's contract on `day` to another doctor of its team.
/// Returns whether it happened (a contract not in force on the day keeps its doctor).
pub(crate) fn change_doctor(api: &mut Api, home: &Home, day: NaiveDate) -> bool {
    let Some(contract_id) = home.contract else {
        return false;
    };
    let Ok(record) = api.store().contract(contract_id) else {
        return false;
    };
    let current = record.state_on(day).doctor_id;
    let Ok(team) = api.store().team(record.contract.team_id) else {
        return false;
    };
    let Some(next) = team
        .members
        .iter()
        .find(|m| matches!(m.role, TeamRole::Leader | TeamRole::FamilyDoctor) && m.id != current)
        .map(|m| m.id)
    else {
        return false;
    };
    api.change_doctor(&ChangeDoctorRequest {
        contract_id,
        doctor_id: next,
        effective_on: Some(day),
        note: "原签约医生调整分工，居民同意更换".into(),
    })
    .is_ok()
}

/// The household moves to `villages[to]` on `day`; a contract with the old village's team ends
/// and the household signs with the new village's team the same day (free packages only: paid
/// ones are chosen again with the new team). Returns the members who moved, or `None` when the
/// move was refused.
pub(crate) fn move_within_township(
    api: &mut Api,
    people: &[Person],
    home: &mut Home,
    villages: &[Village],
    to: usize,
    day: NaiveDate,
) -> Option<usize> {
    let village = villages.get(to)?;
    let moved = api
        .move_household(&HouseholdMove {
            household_id: home.id,
            village: village.code.clone(),
            group: Some("新村组".into()),
            address: Some(format!(
                "{}新村组{}号",
                village.name,
                1 + home.id.as_u128() % 60
            )),
            on: day,
        })
        .ok()?;
    home.village = to;
    let members: Vec<Uuid> = home
        .members
        .iter()
        .filter(|&&m| people[m].member_on(day))
        .map(|&m| people[m].id)
        .collect();
    if home.contract.is_some() && !moved.terminated.is_empty() {
        home.contract = api
            .sign_contract(&SignRequest {
                household_id: home.id,
                guardian: None,
                representative_id: None,
                members: members
                    .iter()
                    .map(|&resident_id| MemberChoice {
                        resident_id,
                        paid_packages: vec![],
                    })
                    .collect(),
                team_id: None,
                doctor_id: None,
                signed_on: Some(day),
                resident_signature_png: None,
                doctor_signature_png: None,
            })
            .ok()
            .map(|signed| signed.contract_id);
    }
    Some(members.len())
}
