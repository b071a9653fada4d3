//! The plain data indicators are computed from. Every type is serde-friendly so that the device
//! (from SQLite) and the township server (from its record payloads) build the same dataset.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::{Catalog, StandardService};
use crate::contract::{Contract, ContractEvent, ContractEventKind, Term};
use crate::household::{Team, TeamRole};
use crate::person::PopulationGroup;
use crate::schedule::window::ItemSchedule;
use crate::time::china_date;
use crate::visit::{Visit, VisitKind, VisitMode};
use crate::year::order::{Stamped, in_sync_order};
use crate::year::renewal::{TermInForce, successor_start, term_in_force, terms_until};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Dataset {
    pub villages: Vec<VillageInfo>,
    pub teams: Vec<TeamInfo>,
    pub doctors: Vec<DoctorInfo>,
    pub households: Vec<HouseholdInfo>,
    /// Residents on the register (removed ones are left out).
    pub residents: Vec<ResidentInfo>,
    pub contracts: Vec<ContractInfo>,
    pub visits: Vec<VisitInfo>,
    /// Two-way referral: referrals out and their returns.
    pub referrals_out: Vec<crate::referral::ReferralOut>,
    pub referrals_back: Vec<crate::referral::ReferralBack>,
    /// Satisfaction surveys of signed households.
    pub surveys: Vec<crate::survey::SatisfactionSurvey>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VillageInfo {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// The team serving the village: unsigned residents count toward it.
    pub team_id: Option<Uuid>,
    /// The family doctor responsible for the village's unsigned residents.
    pub doctor_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct TeamInfo {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DoctorInfo {
    pub id: Uuid,
    pub name: String,
    pub team_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdInfo {
    pub id: Uuid,
    pub village_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ResidentInfo {
    pub id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Recorded groups; age groups are derived on the as-of day.
    #[serde(default)]
    pub groups: Vec<PopulationGroup>,
    /// The head of the household (户主), who names the household in lists.
    #[serde(default)]
    pub head: bool,
    /// Dated groups (see [`ResidentInfo::groups_on`]).
    #[serde(default)]
    pub periods: Vec<crate::year::groups::GroupPeriod>,
    /// Joining and leaving households (see [`ResidentInfo::member_on`]).
    #[serde(default)]
    pub membership: Vec<crate::year::membership::MembershipEvent>,
}

/// A service item owed to a member, as often as the catalog says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct OwedSpec {
    pub package_code: String,
    pub item_code: String,
    pub times_per_year: u32,
    /// What the item is anchored on and its windows (the even spread when absent).
    #[serde(default, skip_serializing_if = "is_default_schedule")]
    pub schedule: ItemSchedule,
    /// The standard's service the item is, when an indicator counts it (the 65+ annual check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<StandardService>,
}

fn is_default_schedule(schedule: &ItemSchedule) -> bool {
    *schedule == ItemSchedule::default()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberInfo {
    pub resident_id: Uuid,
    /// Scheduled items only (on-need items, 0 a year, are never due).
    pub items: Vec<OwedSpec>,
    /// The days the contract covers the member when amendments or leaving narrow them; empty
    /// means for as long as the contract is in force (see [`MemberInfo::covers`]).
    #[serde(default)]
    pub spans: Vec<CoverSpan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DoctorChange {
    pub effective_on: NaiveDate,
    pub doctor_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ContractInfo {
    pub id: Uuid,
    pub agreement_number: String,
    pub household_id: Uuid,
    pub team_id: Uuid,
    /// The doctor at signing.
    pub doctor_id: Uuid,
    pub term: Term,
    /// The day a termination takes effect (the contract covers until the day before).
    #[serde(default)]
    pub terminated_on: Option<NaiveDate>,
    /// The day a successor contract signed at renewal starts (a `Renewed` event): this one
    /// renews by itself up to the day before, then stops.
    #[serde(default)]
    pub successor_from: Option<NaiveDate>,
    /// Changes of doctor in the order they were recorded.
    #[serde(default)]
    pub doctor_changes: Vec<DoctorChange>,
    pub members: Vec<MemberInfo>,
}

impl ContractInfo {
    /// The term in force on a day, automatic renewals included (the rule of
    /// [`crate::year::renewal::term_on`]).
    pub fn term_on(&self, day: NaiveDate) -> Option<TermInForce> {
        term_in_force(&self.term, self.terminated_on, self.successor_from, day)
    }

    /// Every term in force from the signing up to a day, oldest first.
    pub fn terms_until(&self, day: NaiveDate) -> Vec<TermInForce> {
        terms_until(&self.term, self.terminated_on, self.successor_from, day)
    }

    /// The term a report shows beside the contract on a day, as (start, last day covered): the
    /// last one in force up to that day, or the signed term when none was.
    pub fn term_shown(&self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        self.terms_until(day)
            .last()
            .map_or((self.term.start, self.term.end), |t| {
                (t.term.start, t.last_day)
            })
    }

    pub fn covers_on(&self, day: NaiveDate) -> bool {
        self.term_on(day).is_some()
    }

    /// The responsible doctor on a day (changes apply from their effective day).
    pub fn doctor_on(&self, day: NaiveDate) -> Uuid {
        self.doctor_changes
            .iter()
            .rfind(|c| c.effective_on <= day)
            .map(|c| c.doctor_id)
            .unwrap_or(self.doctor_id)
    }

    /// Builds the contract's entry from the core records and the catalog it was signed under.
    /// Packages the catalog does not know contribute no items.
    /// Events apply in sync order (their clock values), as everywhere else.
    pub fn from_contract(
        contract: &Contract,
        events: &[Stamped<ContractEvent>],
        catalog: &Catalog,
    ) -> ContractInfo {
        let ordered = in_sync_order(
            events
                .iter()
                .filter(|e| e.record.contract_id == contract.id),
        )
        .into_iter()
        .map(|e| &e.record);
        let mut terminated_on = None;
        let mut successor_from = None;
        let mut doctor_changes = Vec::new();
        for event in ordered {
            match &event.kind {
                ContractEventKind::Terminated { effective_on, .. } => {
                    terminated_on = Some(*effective_on)
                }
                ContractEventKind::DoctorChanged {
                    to_doctor_id,
                    effective_on,
                    ..
                } => doctor_changes.push(DoctorChange {
                    effective_on: *effective_on,
                    doctor_id: *to_doctor_id,
                }),
                ContractEventKind::Renewed {
                    successor_starts, ..
                } => successor_from = Some(successor_start(&contract.term, *successor_starts)),
            }
        }
        ContractInfo {
            id: contract.id,
            agreement_number: contract.agreement_number.clone(),
            household_id: contract.household_id,
            team_id: contract.team_id,
            doctor_id: contract.doctor_id,
            term: contract.term,
            terminated_on,
            successor_from,
            doctor_changes,
            members: contract
                .members
                .iter()
                .map(|m| MemberInfo {
                    resident_id: m.resident_id,
                    items: owed_specs(catalog, &m.package_codes),
                    spans: Vec::new(),
                })
                .collect(),
        }
    }
}

/// The scheduled items a member's packages bring (tiers included, each item once).
pub fn owed_specs(catalog: &Catalog, package_codes: &[String]) -> Vec<OwedSpec> {
    let mut out: Vec<OwedSpec> = Vec::new();
    for code in package_codes {
        let Ok(items) = catalog.effective_items(code) else {
            continue;
        };
        for (package, item) in items {
            if item.times_per_year > 0 && !out.iter().any(|o| o.item_code == item.code) {
                out.push(OwedSpec {
                    package_code: package.code.clone(),
                    item_code: item.code.clone(),
                    times_per_year: item.times_per_year,
                    schedule: item.schedule.clone(),
                    standard: item.standard,
                });
            }
        }
    }
    out
}

/// A visit as indicators need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitInfo {
    pub resident_id: Uuid,
    #[serde(default)]
    pub contract_id: Option<Uuid>,
    #[serde(default)]
    pub item_code: Option<String>,
    pub kind: VisitKind,
    /// How it was delivered: only face-to-face follow-ups count toward standard management.
    /// A dataset written without it reads as face to face.
    #[serde(default = "face_to_face")]
    pub mode: VisitMode,
    /// The team member who served; none on visits recorded before it was asked, which count
    /// for the contract's doctor of the day (see [`super::compute`]).
    #[serde(default)]
    pub served_by: Option<Uuid>,
    /// The local (China Standard Time) day of the service.
    pub on: NaiveDate,
    /// Readings of chronic follow-ups (none on other visits, and when not measured).
    #[serde(default)]
    pub bp_on_target: Option<bool>,
    #[serde(default)]
    pub glucose_on_target: Option<bool>,
}

fn face_to_face() -> VisitMode {
    VisitMode::Clinic
}

impl VisitInfo {
    pub fn from_visit(visit: &Visit) -> VisitInfo {
        // Readings count for control only on chronic follow-ups; elsewhere they are left out.
        let chronic = matches!(
            visit.kind,
            VisitKind::HypertensionFollowUp | VisitKind::DiabetesFollowUp
        );
        VisitInfo {
            resident_id: visit.resident_id,
            contract_id: visit.fulfils.as_ref().map(|f| f.contract_id),
            item_code: visit.fulfils.as_ref().map(|f| f.item_code.clone()),
            kind: visit.kind,
            mode: visit.mode,
            served_by: visit.served_by,
            on: china_date(visit.occurred_at),
            bp_on_target: chronic.then(|| visit.vitals.bp_on_target()).flatten(),
            glucose_on_target: chronic.then(|| visit.vitals.glucose_on_target()).flatten(),
        }
    }
}

/// The team's family doctor, who answers for the villages' unsigned residents; the team
/// leader when the team has no family doctor.
pub fn responsible_doctor(team: &Team) -> Option<Uuid> {
    team.member_with_role(TeamRole::FamilyDoctor)
        .or_else(|| team.member_with_role(TeamRole::Leader))
        .map(|m| m.id)
}

/// Teams and their members as dataset rows: (team, doctors).
pub fn team_rows(team: &Team) -> (TeamInfo, Vec<DoctorInfo>) {
    (
        TeamInfo {
            id: team.id,
            name: team.name.clone(),
        },
        team.members
            .iter()
            .map(|m| DoctorInfo {
                id: m.id,
                name: m.name.clone(),
                team_id: team.id,
            })
            .collect(),
    )
}

/// The domain records a dataset is built from, as the township server holds them (each
/// record's current state, deserialised from its payload). Removed records are left out by
/// the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct Records<'a> {
    pub villages: &'a [crate::household::Village],
    pub teams: &'a [Team],
    pub households: &'a [crate::household::Household],
    pub residents: &'a [crate::household::Resident],
    pub contracts: &'a [Contract],
    /// Contract events with the clock values they were written with.
    pub events: &'a [Stamped<ContractEvent>],
    pub visits: &'a [Visit],
    /// Catalogs by version; a contract signed under a version not given owes nothing.
    pub catalogs: &'a [Catalog],
    /// Group periods, membership events and amendments.
    pub year: YearRecords<'a>,
    pub referrals_out: &'a [crate::referral::ReferralOut],
    pub referrals_back: &'a [crate::referral::ReferralBack],
    pub surveys: &'a [crate::survey::SatisfactionSurvey],
}

impl Dataset {
    /// The dataset of a set of domain records: what the device's store loader reads from
    /// SQLite, built from the records themselves.
    pub fn from_records(r: &Records<'_>) -> Dataset {
        let mut teams: Vec<&Team> = r.teams.iter().collect();
        teams.sort_by_key(|t| t.id);
        let mut ds = Dataset::default();
        for team in &teams {
            let (info, doctors) = team_rows(team);
            ds.teams.push(info);
            ds.doctors.extend(doctors);
        }
        for v in r.villages {
            // The first team by id that serves the village, as the store picks it.
            let team = teams.iter().find(|t| t.villages.contains(&v.id));
            ds.villages.push(VillageInfo {
                id: v.id,
                code: v.code.clone(),
                name: v.name.clone(),
                team_id: team.map(|t| t.id),
                doctor_id: team.and_then(|t| responsible_doctor(t)),
            });
        }
        ds.households = r
            .households
            .iter()
            .map(|h| HouseholdInfo {
                id: h.id,
                village_id: h.village_id,
            })
            .collect();
        ds.residents = r
            .residents
            .iter()
            .map(|p| ResidentInfo {
                id: p.id,
                household_id: p.household_id,
                name: p.name.clone(),
                id_number: p.id_number.as_ref().map(|n| n.to_string()),
                birth_date: p.birth_date,
                groups: p.groups.clone(),
                head: p.relation == crate::person::Relation::Head,
                periods: Vec::new(),
                membership: Vec::new(),
            })
            .collect();
        let empty = Catalog {
            version: String::new(),
            region: String::new(),
            packages: Vec::new(),
        };
        // The catalogs given, then those the app ships (a contract signed under a shipped
        // default nobody published reads its items as the device does).
        let mut catalogs: Vec<Catalog> = r.catalogs.to_vec();
        for shipped in Catalog::all_shipped() {
            if !catalogs.iter().any(|c| c.version == shipped.version) {
                catalogs.push(shipped);
            }
        }
        ds.contracts = r
            .contracts
            .iter()
            .map(|c| {
                let catalog = catalogs
                    .iter()
                    .find(|k| k.version == c.catalog_version)
                    .unwrap_or(&empty);
                ContractInfo::from_contract(c, r.events, catalog)
            })
            .collect();
        ds.visits = r.visits.iter().map(VisitInfo::from_visit).collect();
        ds.referrals_out = r.referrals_out.to_vec();
        ds.referrals_back = r.referrals_back.to_vec();
        ds.surveys = r.surveys.to_vec();
        ds.add_year(r.contracts, r.events, &r.year, &catalogs);
        ds
    }
}

/// Days (inclusive) on which a contract covers one member; `until: None` while the contract
/// itself does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CoverSpan {
    pub from: NaiveDate,
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

impl CoverSpan {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|u| day <= u)
    }
}

/// The year's records a dataset reads besides contracts and visits.
#[derive(Debug, Clone, Copy, Default)]
pub struct YearRecords<'a> {
    pub periods: &'a [crate::year::groups::GroupPeriod],
    pub membership: &'a [crate::year::membership::MembershipEvent],
    pub amendments: &'a [crate::year::amendment::Amendment],
}
