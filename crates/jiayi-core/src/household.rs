//! Households (户), their members, and the reference data they hang on: villages, teams, doctors.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id_number::IdNumber;
use crate::person::{PopulationGroup, Relation, Sex};
use crate::phone::Phone;
use crate::{CoreError, Result};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Village {
    pub id: Uuid,
    /// 12-digit administrative code of the village (统计用区划代码).
    pub code: String,
    pub name: String,
    pub township: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    Leader,
    FamilyDoctor,
    Nurse,
    PublicHealth,
}

impl TeamRole {
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            TeamRole::Leader => ("团队长", "team leader"),
            TeamRole::FamilyDoctor => ("家庭医生", "family doctor"),
            TeamRole::Nurse => ("护士", "nurse"),
            TeamRole::PublicHealth => ("公卫人员", "public-health worker"),
        };
        lang.pick(zh, en)
    }
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: Uuid,
    pub name: String,
    pub role: TeamRole,
    pub phone: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub institution: String,
    pub village_clinic: String,
    pub villages: Vec<Uuid>,
    pub members: Vec<TeamMember>,
    pub service_hotline: String,
    pub complaint_phone: String,
    pub service_hours: String,
}

impl Team {
    pub fn member_with_role(&self, role: TeamRole) -> Option<&TeamMember> {
        self.members.iter().find(|m| m.role == role)
    }

    pub fn member(&self, id: Uuid) -> Option<&TeamMember> {
        self.members.iter().find(|m| m.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub id: Uuid,
    pub village_id: Uuid,
    /// Villager group (村民小组), e.g. "三组".
    pub group: String,
    pub address: String,
    /// A household-level record number kept by earlier versions, which invented it from the
    /// village code; new households leave it empty. The county's numbers are the residents'
    /// (`Resident::record_number`), and the household's line uses its head's.
    pub record_number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resident {
    pub id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    pub id_number: Option<IdNumber>,
    /// Registered without an ID number at hand (infants, some elderly): to be completed.
    pub id_number_missing: bool,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<Phone>,
    pub relation: Relation,
    /// Recorded groups; age groups are derived, never stored here.
    pub groups: Vec<PopulationGroup>,
    /// The county's health-record number (健康档案编号), when the resident has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_number: Option<crate::record_number::RecordNumber>,
}

/// A member as typed on the registration form: every field is raw text, checked by
/// [`ResidentInput::validate`].
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResidentInput {
    pub name: String,
    pub id_number: Option<String>,
    pub sex: Option<Sex>,
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<Relation>,
    pub groups: Vec<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdInput {
    /// Village name or code.
    pub village: String,
    pub group: String,
    pub address: String,
    pub members: Vec<ResidentInput>,
}

/// A member that passed validation, before ids are given.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidResident {
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<Phone>,
    pub relation: Relation,
    pub groups: Vec<PopulationGroup>,
    /// The county's health-record number, when the caller has one (a roster's column); the
    /// form leaves it empty.
    pub record_number: Option<crate::record_number::RecordNumber>,
}

pub const NAME_MAX_CHARS: usize = 30;
pub const ADDRESS_MAX_CHARS: usize = 100;

/// Reads a date typed as `YYYY-MM-DD` (also `YYYY/MM/DD`, `YYYY.MM.DD` and `YYYY年M月D日`).
pub fn parse_date(input: &str) -> Result<NaiveDate> {
    let cleaned: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            '日' => ' ',
            c => c,
        })
        .collect();
    NaiveDate::parse_from_str(cleaned.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::Date(input.chars().take(40).collect()))
}

/// An address as typed, trimmed and checked like the registration form's.
pub fn clean_address(input: &str) -> Result<String> {
    clean_name(input, "address", ADDRESS_MAX_CHARS)
}

/// A person's name as it should be kept: invisible characters (zero-width spaces, joiners,
/// byte-order marks, soft hyphens) dropped, every kind of space (full-width, no-break) read as
/// a space, spaces between two Chinese characters dropped (`王　芳` is 王芳: clerks pad
/// two-character names to line them up), other runs of spaces made one.
pub fn normalise_name(input: &str) -> String {
    let chars: Vec<char> = input
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
            )
        })
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let words: Vec<String> = chars
        .split(|c| *c == ' ')
        .filter(|w| !w.is_empty())
        .map(|w| w.iter().collect())
        .collect();
    let mut out = String::new();
    for word in &words {
        let joins = |c: Option<char>| c.is_some_and(is_han);
        let between_han = joins(out.chars().last()) && joins(word.chars().next());
        if !out.is_empty() && !between_han {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

fn clean_name(input: &str, field: &'static str, max: usize) -> Result<String> {
    // Collapse inner runs of spaces, keep the middle dot of minority names (·).
    let name = normalise_name(input);
    if name.is_empty() {
        return Err(CoreError::Required { field });
    }
    if name.chars().count() > max {
        return Err(CoreError::TooLong { field, max });
    }
    Ok(name)
}

impl ResidentInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidResident> {
        let name = clean_name(&self.name, "name", NAME_MAX_CHARS)?;
        let id_number = match self.id_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(IdNumber::parse(raw, today)?),
        };
        let typed_birth = match self.birth_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => {
                let date = parse_date(raw)?;
                if date > today {
                    return Err(CoreError::Date(raw.to_string()));
                }
                Some(date)
            }
        };
        let (sex, birth_date) = match &id_number {
            Some(id) => {
                if typed_birth.is_some_and(|d| d != id.birth_date()) {
                    return Err(CoreError::BirthDateMismatch);
                }
                (id.sex(), Some(id.birth_date()))
            }
            None => (
                self.sex.ok_or(CoreError::Required { field: "sex" })?,
                typed_birth,
            ),
        };
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(Phone::parse(raw)?),
        };
        let mut groups = Vec::new();
        for code in &self.groups {
            let group = PopulationGroup::from_code(code)
                .ok_or_else(|| CoreError::UnknownGroup(code.clone()))?;
            if group.is_womens() && sex == Sex::Male {
                return Err(CoreError::GroupNotForSex { group });
            }
            if !group.is_derived() && !groups.contains(&group) {
                groups.push(group);
            }
        }
        groups.sort();
        Ok(ValidResident {
            name,
            id_number,
            sex,
            birth_date,
            phone,
            relation: self.relation.unwrap_or(Relation::Other),
            groups,
            record_number: None,
        })
    }
}

/// A household that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidHousehold {
    pub village: String,
    pub group: String,
    pub address: String,
    pub members: Vec<ValidResident>,
}

/// An error about one member of a household form, so the form can mark the right row.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberError {
    pub member_index: Option<usize>,
    pub error: CoreError,
}

impl HouseholdInput {
    pub fn validate(&self, today: NaiveDate) -> std::result::Result<ValidHousehold, MemberError> {
        let whole = |error| MemberError {
            member_index: None,
            error,
        };
        let village = clean_name(&self.village, "village", NAME_MAX_CHARS).map_err(whole)?;
        let group = self.group.trim().to_string();
        let address = clean_name(&self.address, "address", ADDRESS_MAX_CHARS).map_err(whole)?;
        if self.members.is_empty() {
            return Err(whole(CoreError::NoMembers));
        }
        let mut members = Vec::with_capacity(self.members.len());
        for (index, input) in self.members.iter().enumerate() {
            let member = input.validate(today).map_err(|error| MemberError {
                member_index: Some(index),
                error,
            })?;
            if let Some(id) = &member.id_number
                && members
                    .iter()
                    .any(|m: &ValidResident| m.id_number.as_ref() == Some(id))
            {
                return Err(MemberError {
                    member_index: Some(index),
                    error: CoreError::DuplicateIdInHousehold,
                });
            }
            members.push(member);
        }
        match members
            .iter()
            .filter(|m| m.relation == Relation::Head)
            .count()
        {
            0 => return Err(whole(CoreError::NoHead)),
            1 => {}
            _ => return Err(whole(CoreError::SeveralHeads)),
        }
        Ok(ValidHousehold {
            village,
            group,
            address,
            members,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::compose;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn member(name: &str, id: Option<String>, relation: Relation) -> ResidentInput {
        ResidentInput {
            name: name.into(),
            id_number: id,
            relation: Some(relation),
            ..Default::default()
        }
    }

    fn id(y: i32, seq: u16) -> String {
        compose("140822", NaiveDate::from_ymd_opt(y, 5, 6).unwrap(), seq)
    }

    #[test]
    fn an_id_number_fills_birth_date_and_sex() {
        let m = member("张三", Some(id(1958, 131)), Relation::Head)
            .validate(today())
            .unwrap();
        assert_eq!(m.sex, Sex::Male);
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1958, 5, 6));
    }

    #[test]
    fn residents_without_a_number_need_sex_and_may_lack_a_birth_date() {
        let mut m = member("李小宝", None, Relation::Grandchild);
        assert_eq!(
            m.validate(today()).unwrap_err(),
            CoreError::Required { field: "sex" }
        );
        m.sex = Some(Sex::Female);
        m.birth_date = Some("2026年3月1日".into());
        let v = m.validate(today()).unwrap();
        assert_eq!(v.id_number, None);
        assert_eq!(v.birth_date, NaiveDate::from_ymd_opt(2026, 3, 1));
    }

    #[test]
    fn names_lose_invisible_characters_and_padding_between_chinese_characters() {
        assert_eq!(normalise_name("王　芳"), "王芳");
        assert_eq!(normalise_name(" 王\u{00A0}芳\u{200B} "), "王芳");
        assert_eq!(normalise_name("\u{FEFF}李\u{200D}四"), "李四");
        assert_eq!(normalise_name("阿依古丽·买买提"), "阿依古丽·买买提");
        assert_eq!(normalise_name("John  Smith"), "John Smith");
        assert_eq!(normalise_name("\u{3000}"), "");
        let m = member("王　芳", None, Relation::Head);
        let v = ResidentInput {
            sex: Some(Sex::Female),
            ..m
        }
        .validate(today())
        .unwrap();
        assert_eq!(v.name, "王芳");
    }

    #[test]
    fn a_pregnancy_group_on_a_man_is_refused() {
        let mut m = member("张三", Some(id(1990, 131)), Relation::Head);
        m.groups = vec!["pregnant".into()];
        assert_eq!(
            m.validate(today()).unwrap_err(),
            CoreError::GroupNotForSex {
                group: PopulationGroup::Pregnant
            }
        );
        m.id_number = Some(id(1990, 132));
        assert!(m.validate(today()).is_ok());
    }

    #[test]
    fn typed_birth_date_must_match_the_number() {
        let mut m = member("王五", Some(id(1970, 12)), Relation::Head);
        m.birth_date = Some("1970-05-07".into());
        assert_eq!(
            m.validate(today()).unwrap_err(),
            CoreError::BirthDateMismatch
        );
    }

    #[test]
    fn household_rules() {
        let base = HouseholdInput {
            village: "东庄村".into(),
            group: "一组".into(),
            address: "东庄村一组12号".into(),
            members: vec![
                member("张三", Some(id(1958, 131)), Relation::Head),
                member("李四", Some(id(1960, 22)), Relation::Spouse),
            ],
        };
        assert!(base.validate(today()).is_ok());

        let mut no_head = base.clone();
        no_head.members[0].relation = Some(Relation::Child);
        assert_eq!(
            no_head.validate(today()).unwrap_err().error,
            CoreError::NoHead
        );

        let mut two_heads = base.clone();
        two_heads.members[1].relation = Some(Relation::Head);
        assert_eq!(
            two_heads.validate(today()).unwrap_err().error,
            CoreError::SeveralHeads
        );

        let mut dup = base.clone();
        dup.members[1].id_number = dup.members[0].id_number.clone();
        let err = dup.validate(today()).unwrap_err();
        assert_eq!(
            (err.member_index, err.error),
            (Some(1), CoreError::DuplicateIdInHousehold)
        );

        let mut bad_phone = base.clone();
        bad_phone.members[1].phone = Some("12345".into());
        assert_eq!(
            bad_phone.validate(today()).unwrap_err().member_index,
            Some(1)
        );

        let mut bad_group = base.clone();
        bad_group.members[0].groups = vec!["martian".into()];
        assert_eq!(
            bad_group.validate(today()).unwrap_err().error,
            CoreError::UnknownGroup("martian".into())
        );

        let empty = HouseholdInput {
            members: vec![],
            ..base.clone()
        };
        assert_eq!(
            empty.validate(today()).unwrap_err().error,
            CoreError::NoMembers
        );

        let no_address = HouseholdInput {
            address: "  ".into(),
            ..base
        };
        assert_eq!(
            no_address.validate(today()).unwrap_err().error,
            CoreError::Required { field: "address" }
        );
    }

    #[test]
    fn dates_in_the_usual_spellings() {
        for s in ["2026-03-01", "2026/3/1", "2026.03.01", "2026年3月1日"] {
            assert_eq!(
                parse_date(s).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                "{s}"
            );
        }
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("yesterday").is_err());
    }
}
