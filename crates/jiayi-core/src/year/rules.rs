//! Who may sign what: one team per household at a time, a family doctor who is a doctor of the
//! team, and a representative who is an adult member of the household or a stated guardian.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::household::{Team, TeamRole};
use crate::person::age_on;
use crate::{CoreError, Result};

/// Age from which a member may sign for the household (完全民事行为能力).
pub const ADULT_AGE: u32 = 18;

/// A contract of the household with a team, over the days it is in force (see
/// [`crate::year::renewal::term_on`]; `until` is `None` while it keeps renewing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSpan {
    pub team_id: Uuid,
    pub agreement_number: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Refuses a contract with a team while another team's contract of the household is in force
/// on any day of the new term (a change of team happens at renewal, after the old one ends).
pub fn check_one_team(
    team_id: Uuid,
    from: NaiveDate,
    until: NaiveDate,
    household_contracts: &[TeamSpan],
) -> Result<()> {
    let clash = household_contracts
        .iter()
        .find(|c| c.team_id != team_id && c.from <= until && c.until.is_none_or(|end| from <= end));
    match clash {
        Some(c) => Err(CoreError::HouseholdHasAnotherTeam {
            agreement_number: c.agreement_number.clone(),
        }),
        None => Ok(()),
    }
}

/// The family doctor must be a member of the team whose role is family doctor.
pub fn check_family_doctor(team: &Team, doctor_id: Uuid) -> Result<()> {
    let member = team.member(doctor_id).ok_or(CoreError::DoctorNotInTeam)?;
    if member.role != TeamRole::FamilyDoctor {
        return Err(CoreError::NotADoctor {
            name: member.name.clone(),
            role: member.role,
        });
    }
    Ok(())
}

/// Who signs for the household (乙方代表).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Signatory {
    /// A member of the household, signing for it.
    Member {
        resident_id: Uuid,
        name: String,
        birth_date: Option<NaiveDate>,
    },
    /// A guardian (监护人), member of the household or not, with the relation stated, e.g.
    /// "祖母（监护人）" for a household of minors.
    Guardian { name: String, relation: String },
}

/// The representative must be an adult member of the household on the signing day (`members`
/// are the household's members that day), or a guardian with a name and a stated relation.
pub fn check_representative(
    signatory: &Signatory,
    members: &[Uuid],
    signed_on: NaiveDate,
) -> Result<()> {
    match signatory {
        Signatory::Member {
            resident_id,
            name,
            birth_date,
        } => {
            if !members.contains(resident_id) {
                return Err(CoreError::RepresentativeNotMember { name: name.clone() });
            }
            let birth = birth_date
                .ok_or_else(|| CoreError::RepresentativeAgeUnknown { name: name.clone() })?;
            if age_on(birth, signed_on) < ADULT_AGE {
                return Err(CoreError::RepresentativeNotAdult { name: name.clone() });
            }
            Ok(())
        }
        Signatory::Guardian { name, relation } => {
            if name.trim().is_empty() {
                return Err(CoreError::Required {
                    field: "guardian_name",
                });
            }
            if relation.trim().is_empty() {
                return Err(CoreError::Required {
                    field: "guardian_relation",
                });
            }
            Ok(())
        }
    }
}
