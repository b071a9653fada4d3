//! The fields a roster column can hold, and the header spellings they are recognised by.
//! The spellings are data (one table), so more of them can be added without touching the
//! steps that use them.

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
}

impl Field {
    pub const ALL: [Field; 11] = [
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
        };
        lang.pick(zh, en)
    }
}

/// Header spellings seen on rosters, most specific first.
const HEADERS: [(&str, Field); 40] = [
    ("户主姓名", Field::HeadName),
    ("户主", Field::HeadName),
    ("head", Field::HeadName),
    ("与户主关系", Field::Relation),
    ("家庭关系", Field::Relation),
    ("关系", Field::Relation),
    ("relation", Field::Relation),
    ("身份证号码", Field::IdNumber),
    ("公民身份号码", Field::IdNumber),
    ("身份证号", Field::IdNumber),
    ("证件号码", Field::IdNumber),
    ("身份证", Field::IdNumber),
    ("idnumber", Field::IdNumber),
    ("成员姓名", Field::Name),
    ("居民姓名", Field::Name),
    ("姓名", Field::Name),
    ("name", Field::Name),
    ("性别", Field::Sex),
    ("sex", Field::Sex),
    ("出生日期", Field::BirthDate),
    ("出生年月", Field::BirthDate),
    ("生日", Field::BirthDate),
    ("birthdate", Field::BirthDate),
    ("联系电话", Field::Phone),
    ("电话", Field::Phone),
    ("手机", Field::Phone),
    ("联系方式", Field::Phone),
    ("phone", Field::Phone),
    ("行政村", Field::Village),
    ("村名", Field::Village),
    ("村", Field::Village),
    ("village", Field::Village),
    ("村民小组", Field::Group),
    ("组", Field::Group),
    ("group", Field::Group),
    ("住址", Field::Address),
    ("地址", Field::Address),
    ("address", Field::Address),
    ("人群分类", Field::Groups),
    ("人群", Field::Groups),
];

fn normalise_header(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !"*＊:：_-()（）".contains(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field a header names, if it is recognised: an exact spelling first, then a header
/// that contains one ("家庭住址" is an address).
pub fn guess_field(header: &str) -> Option<Field> {
    let h = normalise_header(header);
    if h.is_empty() {
        return None;
    }
    HEADERS
        .iter()
        .find(|(name, _)| h == *name)
        .or_else(|| HEADERS.iter().find(|(name, _)| h.contains(name)))
        .map(|(_, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_guessed_from_their_chinese_names() {
        let table = [
            ("户主姓名", Some(Field::HeadName)),
            ("姓名", Some(Field::Name)),
            ("成员姓名", Some(Field::Name)),
            ("身份证号码", Some(Field::IdNumber)),
            ("公民身份号码", Some(Field::IdNumber)),
            ("性别", Some(Field::Sex)),
            ("出生日期", Some(Field::BirthDate)),
            ("联系电话", Some(Field::Phone)),
            ("手机号码", Some(Field::Phone)),
            ("与户主关系", Some(Field::Relation)),
            ("村", Some(Field::Village)),
            ("行政村", Some(Field::Village)),
            ("组", Some(Field::Group)),
            ("村民小组", Some(Field::Group)),
            ("住址", Some(Field::Address)),
            ("家庭住址", Some(Field::Address)),
            ("人群分类", Some(Field::Groups)),
            (" 姓 名 ", Some(Field::Name)),
            ("*身份证号", Some(Field::IdNumber)),
            ("序号", None),
            ("", None),
        ];
        for (header, field) in table {
            assert_eq!(guess_field(header), field, "{header}");
        }
    }
}
