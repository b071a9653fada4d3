//! The fields a roster column can hold. The header spellings they are recognised by are data,
//! in the vocabulary file (`vocabulary.rs`).

use serde::{Deserialize, Serialize};

/// What a column holds.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    HeadName,
    Name,
    IdNumber,
    Sex,
    BirthDate,
    Phone,
    Relation,
    Village,
    Group,
    Address,
    Groups,
    /// A household's number on the roster (户号): rows with the same number are one household.
    HouseholdNo,
    /// The county's health-record number (健康档案编号).
    RecordNumber,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::HeadName,
        Field::Name,
        Field::IdNumber,
        Field::Sex,
        Field::BirthDate,
        Field::Phone,
        Field::Relation,
        Field::Village,
        Field::Group,
        Field::Address,
        Field::Groups,
        Field::HouseholdNo,
        Field::RecordNumber,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Field::HeadName => "head_name",
            Field::Name => "name",
            Field::IdNumber => "id_number",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::Phone => "phone",
            Field::Relation => "relation",
            Field::Village => "village",
            Field::Group => "group",
            Field::Address => "address",
            Field::Groups => "groups",
            Field::HouseholdNo => "household_no",
            Field::RecordNumber => "record_number",
        }
    }

    pub fn from_code(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code.trim())
    }

    pub fn label(self, lang: jiayi_core::Lang) -> &'static str {
        let (zh, en) = match self {
            Field::HeadName => ("户主姓名", "head of household"),
            Field::Name => ("姓名", "name"),
            Field::IdNumber => ("身份证号", "ID number"),
            Field::Sex => ("性别", "sex"),
            Field::BirthDate => ("出生日期", "birth date"),
            Field::Phone => ("联系电话", "phone"),
            Field::Relation => ("与户主关系", "relation to the head"),
            Field::Village => ("村", "village"),
            Field::Group => ("组", "villager group"),
            Field::Address => ("住址", "address"),
            Field::Groups => ("人群分类", "population groups"),
            Field::HouseholdNo => ("户号", "household number"),
            Field::RecordNumber => ("健康档案编号", "health-record number"),
        };
        lang.pick(zh, en)
    }
}
