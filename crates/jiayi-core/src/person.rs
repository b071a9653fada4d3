//! Residents: sex, birth date, population groups, relation to the head of the household.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match (self, lang) {
            (Sex::Male, crate::Lang::Zh) => "男",
            (Sex::Female, crate::Lang::Zh) => "女",
            (Sex::Male, crate::Lang::En) => "male",
            (Sex::Female, crate::Lang::En) => "female",
        }
    }
}

/// Population groups (人群分类). Age groups are derived from the birth date; the others are
/// recorded by the doctor.
/// Serialised as [`PopulationGroup::code`]; the TypeScript names below spell the same codes.
#[derive(ts_rs::TS)]
#[ts(export, rename_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PopulationGroup {
    // Key groups (重点人群)
    #[ts(rename = "elderly_65")]
    Elderly65,
    #[ts(rename = "child_0_to_6")]
    Child0To6,
    Pregnant,
    Postpartum,
    Hypertension,
    Diabetes,
    SevereMental,
    Tuberculosis,
    // Special groups (特殊人群)
    Disabled,
    PovertyRegistered,
    LowIncome,
    FamilyPlanningSpecial,
    LivingAlone,
    Bedridden,
}

impl PopulationGroup {
    pub const ALL: [PopulationGroup; 14] = [
        PopulationGroup::Elderly65,
        PopulationGroup::Child0To6,
        PopulationGroup::Pregnant,
        PopulationGroup::Postpartum,
        PopulationGroup::Hypertension,
        PopulationGroup::Diabetes,
        PopulationGroup::SevereMental,
        PopulationGroup::Tuberculosis,
        PopulationGroup::Disabled,
        PopulationGroup::PovertyRegistered,
        PopulationGroup::LowIncome,
        PopulationGroup::FamilyPlanningSpecial,
        PopulationGroup::LivingAlone,
        PopulationGroup::Bedridden,
    ];

    /// Groups that follow from the birth date and are never typed in.
    pub fn is_derived(self) -> bool {
        matches!(
            self,
            PopulationGroup::Elderly65 | PopulationGroup::Child0To6
        )
    }

    /// Pregnancy and the weeks after delivery: groups only a woman can be in.
    pub fn is_womens(self) -> bool {
        matches!(
            self,
            PopulationGroup::Pregnant | PopulationGroup::Postpartum
        )
    }

    pub fn is_key(self) -> bool {
        matches!(
            self,
            PopulationGroup::Elderly65
                | PopulationGroup::Child0To6
                | PopulationGroup::Pregnant
                | PopulationGroup::Postpartum
                | PopulationGroup::Hypertension
                | PopulationGroup::Diabetes
                | PopulationGroup::SevereMental
                | PopulationGroup::Tuberculosis
        )
    }

    pub fn is_special(self) -> bool {
        !self.is_key()
    }

    /// Stable code used in files, the database and the sync protocol.
    pub fn code(self) -> &'static str {
        match self {
            PopulationGroup::Elderly65 => "elderly_65",
            PopulationGroup::Child0To6 => "child_0_to_6",
            PopulationGroup::Pregnant => "pregnant",
            PopulationGroup::Postpartum => "postpartum",
            PopulationGroup::Hypertension => "hypertension",
            PopulationGroup::Diabetes => "diabetes",
            PopulationGroup::SevereMental => "severe_mental",
            PopulationGroup::Tuberculosis => "tuberculosis",
            PopulationGroup::Disabled => "disabled",
            PopulationGroup::PovertyRegistered => "poverty_registered",
            PopulationGroup::LowIncome => "low_income",
            PopulationGroup::FamilyPlanningSpecial => "family_planning_special",
            PopulationGroup::LivingAlone => "living_alone",
            PopulationGroup::Bedridden => "bedridden",
        }
    }

    pub fn from_code(code: &str) -> Option<PopulationGroup> {
        PopulationGroup::ALL
            .into_iter()
            .find(|g| g.code() == code.trim())
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            PopulationGroup::Elderly65 => ("65岁及以上老年人", "aged 65+"),
            PopulationGroup::Child0To6 => ("0-6岁儿童", "child 0-6"),
            PopulationGroup::Pregnant => ("孕妇", "pregnant"),
            PopulationGroup::Postpartum => ("产妇", "postpartum"),
            PopulationGroup::Hypertension => ("高血压患者", "hypertension"),
            PopulationGroup::Diabetes => ("2型糖尿病患者", "type 2 diabetes"),
            PopulationGroup::SevereMental => ("严重精神障碍患者", "severe mental disorder"),
            PopulationGroup::Tuberculosis => ("肺结核患者", "pulmonary tuberculosis"),
            PopulationGroup::Disabled => ("残疾人", "disabled"),
            PopulationGroup::PovertyRegistered => ("脱贫监测户/建档立卡", "poverty-registered"),
            PopulationGroup::LowIncome => ("低保/特困", "low income"),
            PopulationGroup::FamilyPlanningSpecial => {
                ("计生特殊家庭", "family-planning special family")
            }
            PopulationGroup::LivingAlone => ("独居/空巢老人", "living alone"),
            PopulationGroup::Bedridden => ("长期卧床", "bedridden"),
        };
        lang.pick(zh, en)
    }
}

impl Serialize for PopulationGroup {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for PopulationGroup {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        PopulationGroup::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown population group '{code}'")))
    }
}

/// Relation of a member to the head of the household (与户主关系).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Head,
    Spouse,
    Child,
    ChildInLaw,
    Grandchild,
    Parent,
    ParentInLaw,
    Grandparent,
    Sibling,
    Other,
}

impl Relation {
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            Relation::Head => ("户主", "head"),
            Relation::Spouse => ("配偶", "spouse"),
            Relation::Child => ("子女", "child"),
            Relation::ChildInLaw => ("儿媳/女婿", "child-in-law"),
            Relation::Grandchild => ("孙子女", "grandchild"),
            Relation::Parent => ("父母", "parent"),
            Relation::ParentInLaw => ("公婆/岳父母", "parent-in-law"),
            Relation::Grandparent => ("祖父母", "grandparent"),
            Relation::Sibling => ("兄弟姐妹", "sibling"),
            Relation::Other => ("其他", "other"),
        };
        lang.pick(zh, en)
    }
}

/// Whole years between the birth date and the reference date.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// The age-derived groups a resident belongs to on a date.
pub fn age_groups(birth: NaiveDate, on: NaiveDate) -> Vec<PopulationGroup> {
    let age = age_on(birth, on);
    let mut groups = Vec::new();
    if age >= 65 {
        groups.push(PopulationGroup::Elderly65);
    }
    // 0-6 means up to the seventh birthday.
    if age <= 6 {
        groups.push(PopulationGroup::Child0To6);
    }
    groups
}

/// All groups of a resident on a date: the recorded ones plus those derived from age, sorted.
pub fn groups_on(
    recorded: &[PopulationGroup],
    birth: Option<NaiveDate>,
    on: NaiveDate,
) -> Vec<PopulationGroup> {
    let mut all: Vec<PopulationGroup> = recorded
        .iter()
        .copied()
        .filter(|g| !g.is_derived())
        .collect();
    if let Some(birth) = birth {
        all.extend(age_groups(birth, on));
    }
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The TypeScript union must name exactly the codes serde writes.
    #[test]
    fn typescript_names_match_the_codes() {
        use ts_rs::TS;
        let ts = PopulationGroup::inline(&ts_rs::Config::default());
        let mut named: Vec<&str> = ts.split('|').map(|v| v.trim().trim_matches('"')).collect();
        let mut codes: Vec<&str> = PopulationGroup::ALL.iter().map(|g| g.code()).collect();
        named.sort_unstable();
        codes.sort_unstable();
        assert_eq!(named, codes);
    }

    #[test]
    fn age_counts_whole_years() {
        let table = [
            (d(1961, 11, 23), d(2026, 11, 23), 65),
            (d(1961, 11, 24), d(2026, 11, 23), 64),
            (d(2020, 2, 29), d(2026, 2, 28), 5),
            (d(2020, 2, 29), d(2026, 3, 1), 6),
            (d(2026, 12, 1), d(2026, 11, 23), 0),
        ];
        for (birth, on, age) in table {
            assert_eq!(age_on(birth, on), age, "{birth} on {on}");
        }
    }

    #[test]
    fn age_groups_follow_the_reference_date() {
        assert_eq!(age_groups(d(1961, 6, 1), d(2026, 5, 31)), vec![]);
        assert_eq!(
            age_groups(d(1961, 6, 1), d(2026, 6, 1)),
            vec![PopulationGroup::Elderly65]
        );
        assert_eq!(
            age_groups(d(2019, 12, 1), d(2026, 11, 30)),
            vec![PopulationGroup::Child0To6]
        );
        assert_eq!(age_groups(d(2019, 12, 1), d(2026, 12, 1)), vec![]);
    }

    #[test]
    fn recorded_age_groups_are_replaced_by_derived_ones() {
        let groups = groups_on(
            &[PopulationGroup::Elderly65, PopulationGroup::Hypertension],
            Some(d(1990, 1, 1)),
            d(2026, 1, 1),
        );
        assert_eq!(groups, vec![PopulationGroup::Hypertension]);
    }

    #[test]
    fn group_codes_round_trip() {
        for g in PopulationGroup::ALL {
            assert_eq!(PopulationGroup::from_code(g.code()), Some(g));
            let json = serde_json::to_string(&g).unwrap();
            assert_eq!(json, format!("\"{}\"", g.code()));
        }
    }
}
