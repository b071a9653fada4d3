//! Registering households, finding residents, reading a household.

use chrono::NaiveDate;
use jiayi_core::Lang;
use jiayi_core::household::HouseholdInput;
use jiayi_core::id_number::IdNumber;
use jiayi_core::person::{PopulationGroup, Relation, Sex, age_on};
use jiayi_store::{DuplicateMatch, NewHousehold, ResidentHit, SearchPage};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RegisterRequest {
    #[serde(flatten)]
    pub household: HouseholdInput,
    /// The doctor saw the duplicate warning and registers anyway.
    #[serde(default)]
    pub confirm_duplicates: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RegisterOutcome {
    /// False when duplicates were found and not confirmed: nothing was saved.
    pub saved: bool,
    pub household_id: Option<Uuid>,
    pub resident_ids: Vec<Uuid>,
    pub duplicates: Vec<DuplicateMatch>,
    /// Names with characters no printer font has: a warning like duplicates, saved when
    /// confirmed; such a character prints as its code point.
    #[serde(default)]
    pub unprintable: Vec<UnprintableName>,
}

/// A member's name with characters that cannot be printed.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UnprintableName {
    pub member_index: usize,
    pub name: String,
    /// The characters as they will print: `[U+XXXX]`.
    pub characters: Vec<String>,
    /// The warning in the user's language.
    pub message: String,
}

/// What an ID number tells, for filling a form as it is typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdNumberInfo {
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub age: u32,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MemberView {
    pub id: Uuid,
    pub name: String,
    pub relation: Relation,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub age: Option<u32>,
    pub id_number: Option<String>,
    pub id_number_missing: bool,
    pub phone: Option<String>,
    /// Recorded groups plus the ones derived from age today.
    pub groups: Vec<PopulationGroup>,
    /// The county's health-record number (健康档案编号), when the member has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub record_number: Option<String>,
    /// The agreement covering the member today, if any.
    pub covered_by: Option<String>,
    /// No longer a member (died, moved away, moved to another household): since when and why.
    pub left: Option<crate::year::LeftView>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdView {
    pub id: Uuid,
    pub village_id: Uuid,
    pub village: String,
    pub group: String,
    pub address: String,
    /// The head's health-record number (健康档案编号); empty when the head has none.
    pub record_number: String,
    pub members: Vec<MemberView>,
    pub contracts: Vec<crate::contracts::ContractSummary>,
}

impl Api {
    /// Checks an ID number as typed and says what it tells.
    pub fn id_number_info(&self, text: &str) -> ApiResult<IdNumberInfo> {
        let today = self.today();
        let id =
            IdNumber::parse(text, today).map_err(|e| self.fail(jiayi_core::CoreError::from(e)))?;
        Ok(IdNumberInfo {
            id_number: id.to_string(),
            birth_date: id.birth_date(),
            sex: id.sex(),
            age: age_on(id.birth_date(), today),
        })
    }

    /// Members of a form that look like people already registered.
    pub fn check_duplicates(&self, input: &HouseholdInput) -> ApiResult<Vec<DuplicateMatch>> {
        let valid = input
            .validate(self.today())
            .map_err(|e| self.member_error(e))?;
        let village = self
            .store
            .find_village(&valid.village)
            .map_err(|e| self.fail(e))?;
        self.store
            .find_duplicates(village.id, &valid)
            .map_err(|e| self.fail(e))
    }

    /// Registers a household. Bad input is refused with the member it concerns, and nothing
    /// is saved; duplicates are returned as a warning unless confirmed.
    pub fn register_household(&mut self, request: &RegisterRequest) -> ApiResult<RegisterOutcome> {
        let valid = request
            .household
            .validate(self.today())
            .map_err(|e| self.member_error(e))?;
        let village = self
            .store
            .find_village(&valid.village)
            .map_err(|e| self.fail(e))?;
        let duplicates = self
            .store
            .find_duplicates(village.id, &valid)
            .map_err(|e| self.fail(e))?;
        let unprintable = self.unprintable_names(&request.household);
        if (!duplicates.is_empty() || !unprintable.is_empty()) && !request.confirm_duplicates {
            return Ok(RegisterOutcome {
                saved: false,
                household_id: None,
                resident_ids: vec![],
                duplicates,
                unprintable,
            });
        }
        let now = self.now();
        let record = self
            .store
            .register_household(
                NewHousehold {
                    village_id: village.id,
                    household: &valid,
                },
                now,
            )
            .map_err(|e| self.fail(e))?;
        Ok(RegisterOutcome {
            saved: true,
            household_id: Some(record.household.id),
            resident_ids: record.members.iter().map(|m| m.id).collect(),
            duplicates,
            unprintable,
        })
    }

    /// Members whose names have characters neither printer font has.
    pub fn unprintable_names(&self, input: &HouseholdInput) -> Vec<UnprintableName> {
        input
            .members
            .iter()
            .enumerate()
            .filter_map(|(member_index, m)| {
                let missing = jiayi_print::unprintable_chars(&m.name);
                if missing.is_empty() {
                    return None;
                }
                let characters: Vec<String> =
                    missing.iter().map(|c| jiayi_print::code_point_label(*c)).collect();
                let list = characters.join(" ");
                let message = match self.lang {
                    Lang::Zh => format!(
                        "姓名“{}”中有打印字库没有的字（{list}），协议和联系卡上将印成编码，请核对后再保存",
                        m.name
                    ),
                    Lang::En => format!(
                        "The name \"{}\" has characters no printer font has ({list}); they will print as code points. Check before saving",
                        m.name
                    ),
                };
                Some(UnprintableName {
                    member_index,
                    name: m.name.clone(),
                    characters,
                    message,
                })
            })
            .collect()
    }

    /// Reads the search index's first pages and prepares its statements, so the first
    /// keystroke after opening costs what every later one does. Failures only cost that.
    pub fn warm_search(&self) {
        for probe in ["w", "z", "l", "1", "张"] {
            let _ = self.store.search_residents(probe, 1);
        }
    }

    pub fn search(&self, text: &str, limit: usize) -> ApiResult<Vec<ResidentHit>> {
        self.store
            .search_residents(text, limit)
            .map_err(|e| self.fail(e))
    }

    /// A page of search results with the count of all matches: exact matches (namesakes,
    /// a whole ID or phone number) first and never cut by `limit`.
    pub fn search_page(&self, text: &str, limit: usize) -> ApiResult<SearchPage> {
        self.store
            .search_page(text, limit)
            .map_err(|e| self.fail(e))
    }

    pub fn household(&self, id: Uuid) -> ApiResult<HouseholdView> {
        let today = self.today();
        let record = self.store.household(id).map_err(|e| self.fail(e))?;
        self.note("read", "household", &id.to_string())?;
        let contracts = self
            .store
            .contracts_of_household(id)
            .map_err(|e| self.fail(e))?;
        let summaries: Vec<_> = contracts.iter().map(|c| self.summarise(c, today)).collect();
        let year = self.household_year(id)?;
        let mut covered_by: std::collections::HashMap<Uuid, String> = Default::default();
        for c in &contracts {
            for m in self.contract_context(c.contract.id)?.covered_on(today) {
                covered_by.insert(m.resident_id, c.contract.agreement_number.clone());
            }
        }
        let mut groups = std::collections::HashMap::new();
        for m in &record.members {
            groups.insert(m.id, self.groups_of(m, &[], today)?);
        }
        let members = record
            .members
            .iter()
            .map(|m| MemberView {
                id: m.id,
                name: m.name.clone(),
                relation: m.relation,
                sex: m.sex,
                birth_date: m.birth_date,
                age: m.birth_date.map(|b| age_on(b, today)),
                id_number: m.id_number.as_ref().map(|n| n.to_string()),
                id_number_missing: m.id_number_missing,
                phone: m.phone.as_ref().map(|p| p.to_string()),
                groups: groups.remove(&m.id).unwrap_or_default(),
                record_number: m.record_number.as_ref().map(|n| n.to_string()),
                covered_by: covered_by.get(&m.id).cloned(),
                left: year
                    .iter()
                    .find(|y| y.resident_id == m.id)
                    .and_then(|y| y.left.clone()),
            })
            .collect();
        let head_number = record
            .head()
            .and_then(|h| h.record_number.as_ref())
            .map(|n| n.to_string())
            .unwrap_or_default();
        Ok(HouseholdView {
            id,
            village_id: record.household.village_id,
            village: record.village_name,
            group: record.household.group,
            address: record.household.address,
            record_number: head_number,
            members,
            contracts: summaries,
        })
    }

    fn member_error(&self, e: jiayi_core::household::MemberError) -> ApiError {
        let err = self.fail(e.error);
        match e.member_index {
            Some(i) => err.for_member(i),
            None => err,
        }
    }
}
