//! What the import understands, as data: the headers of each column and the words clerks
//! write for population groups. The shipped file is `assets/import/columns.toml`; a township
//! may give a file of the same form whose entries come first (see docs/import.md).

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use jiayi_core::person::PopulationGroup;
use serde::Deserialize;

use super::fields::Field;
use crate::error::ApiError;

const SHIPPED: &str = include_str!("../../../../assets/import/columns.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    column: Vec<ColumnFile>,
    #[serde(default)]
    groups: HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnFile {
    field: Field,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
}

struct ColumnRule {
    field: Field,
    names: Vec<String>,
    contains: Vec<String>,
    excludes: Vec<String>,
}

/// Headers and group words, normalised.
pub(super) struct Vocabulary {
    columns: Vec<ColumnRule>,
    groups: HashMap<String, Vec<PopulationGroup>>,
}

/// A header or word as compared: full-width letters and digits made ASCII, lower case,
/// without spaces, invisible characters, punctuation, or text in brackets.
pub(super) fn normalise(text: &str) -> String {
    let ascii: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect();
    let keep = |s: &str| -> String {
        s.chars()
            .filter(|c| {
                !c.is_whitespace()
                    && !c.is_control()
                    && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
                    && !"*:：-_、.。,，;；/\\|'\"“”‘’#№()（）[]【】〔〕".contains(*c)
            })
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut outside = String::new();
    let mut depth = 0usize;
    for c in ascii.chars() {
        match c {
            '(' | '（' | '[' | '【' | '〔' => depth += 1,
            ')' | '）' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            c if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    let short = keep(&outside);
    if short.is_empty() {
        keep(&ascii)
    } else {
        short
    }
}

impl Vocabulary {
    /// The shipped vocabulary, read once.
    pub fn shipped() -> &'static Vocabulary {
        static SHIPPED_VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
        SHIPPED_VOCABULARY.get_or_init(|| {
            let mut v = Vocabulary {
                columns: Vec::new(),
                groups: HashMap::new(),
            };
            // The shipped file is checked by the tests; a broken one would leave the
            // vocabulary empty rather than stop the app.
            let _ = v.add(SHIPPED);
            v
        })
    }

    /// The shipped vocabulary with a township's file on top (its headers tried first, its
    /// group words replacing the shipped ones).
    pub fn with_file(path: Option<&Path>) -> Result<Vocabulary, ApiError> {
        let mut v = Vocabulary {
            columns: Vec::new(),
            groups: HashMap::new(),
        };
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ApiError::invalid(
                    "bad_vocabulary",
                    &format!("无法读取列名词表 {}：{e}", path.display()),
                    &format!("cannot read the vocabulary {}: {e}", path.display()),
                )
            })?;
            v.add(&text)?;
        }
        v.add(SHIPPED)?;
        Ok(v)
    }

    /// Adds a file's entries after those already known (groups already known stay).
    fn add(&mut self, text: &str) -> Result<(), ApiError> {
        let file: File = toml::from_str(text).map_err(|e| {
            ApiError::invalid(
                "bad_vocabulary",
                &format!("列名词表格式有误：{e}"),
                &format!("the vocabulary file is malformed: {e}"),
            )
        })?;
        let all = |list: Vec<String>| list.iter().map(|w| normalise(w)).collect();
        for c in file.column {
            self.columns.push(ColumnRule {
                field: c.field,
                names: all(c.names),
                contains: all(c.contains),
                excludes: all(c.excludes),
            });
        }
        for (word, codes) in file.groups {
            let mut groups = Vec::new();
            for code in codes {
                groups.push(PopulationGroup::from_code(&code).ok_or_else(|| {
                    ApiError::invalid(
                        "bad_vocabulary",
                        &format!("列名词表中“{word}”对应的人群代码“{code}”不存在"),
                        &format!("the vocabulary maps '{word}' to an unknown group '{code}'"),
                    )
                })?);
            }
            self.groups.entry(normalise(&word)).or_insert(groups);
        }
        Ok(())
    }

    /// The field a header names: a rule naming the header exactly first, then the first
    /// rule whose words the header contains and whose exclusions it does not.
    pub fn field_of(&self, header: &str) -> Option<Field> {
        let h = normalise(header);
        if h.is_empty() {
            return None;
        }
        self.columns
            .iter()
            .find(|r| r.names.contains(&h))
            .or_else(|| {
                self.columns.iter().find(|r| {
                    r.contains.iter().any(|w| h.contains(w.as_str()))
                        && !r.excludes.iter().any(|w| h.contains(w.as_str()))
                })
            })
            .map(|r| r.field)
    }

    /// The groups a word stands for: the word itself, else the longest known word it
    /// contains ("高血压患者" is 高血压). `None` when it is not known.
    pub fn groups_of(&self, word: &str) -> Option<Vec<PopulationGroup>> {
        if let Some(g) = PopulationGroup::from_code(word.trim()) {
            return Some(vec![g]);
        }
        let w = normalise(word);
        self.groups.get(&w).cloned().or_else(|| {
            self.groups
                .iter()
                .filter(|(known, _)| known.chars().count() >= 2 && w.contains(known.as_str()))
                .max_by_key(|(known, _)| known.chars().count())
                .map(|(_, g)| g.clone())
        })
    }
}

/// The field a header names, by the shipped vocabulary (`assets/import/columns.toml`).
pub fn guess_field(header: &str) -> Option<Field> {
    Vocabulary::shipped().field_of(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_guessed_by_meaning() {
        let table = [
            ("户主姓名", Some(Field::HeadName)),
            ("户主", Some(Field::HeadName)),
            ("与户主关系", Some(Field::Relation)),
            ("与户主的关系", Some(Field::Relation)),
            ("户主身份证号", None),
            ("姓名", Some(Field::Name)),
            ("成员姓名", Some(Field::Name)),
            ("家庭成员姓名", Some(Field::Name)),
            ("户主及家庭成员姓名", Some(Field::Name)),
            ("身份证号码", Some(Field::IdNumber)),
            ("身份证号（18位）", Some(Field::IdNumber)),
            ("公民身份号码", Some(Field::IdNumber)),
            ("性别", Some(Field::Sex)),
            ("出生日期", Some(Field::BirthDate)),
            ("出生年月", Some(Field::BirthDate)),
            ("联系电话", Some(Field::Phone)),
            ("手机号码", Some(Field::Phone)),
            ("村", Some(Field::Village)),
            ("行政村", Some(Field::Village)),
            ("组", Some(Field::Group)),
            ("村民小组", Some(Field::Group)),
            ("住址", Some(Field::Address)),
            ("家庭住址", Some(Field::Address)),
            ("人群分类", Some(Field::Groups)),
            ("重点人群类别", Some(Field::Groups)),
            ("户号", Some(Field::HouseholdNo)),
            ("健康档案编号", Some(Field::RecordNumber)),
            ("家庭档案编号", None),
            (" 姓 名 ", Some(Field::Name)),
            ("姓　名", Some(Field::Name)),
            ("*身份证号", Some(Field::IdNumber)),
            ("序号", None),
            ("备注", None),
            ("", None),
        ];
        for (header, field) in table {
            assert_eq!(guess_field(header), field, "{header}");
        }
    }

    #[test]
    fn the_shipped_file_reads() {
        let v = Vocabulary::with_file(None).unwrap();
        assert!(v.columns.len() >= 13);
        assert_eq!(normalise("身份证号（18位）"), "身份证号");
        assert_eq!(normalise("ＩＤ　Ｎｏ."), "idno");
        assert_eq!(normalise("（备注）"), "备注");
    }

    #[test]
    fn group_words_clerks_use() {
        let v = Vocabulary::shipped();
        let codes = |w: &str| {
            v.groups_of(w)
                .map(|g| g.iter().map(|g| g.code()).collect::<Vec<_>>())
        };
        assert_eq!(codes("五保户"), Some(vec!["low_income"]));
        assert_eq!(codes("重精"), Some(vec!["severe_mental"]));
        assert_eq!(codes("失独家庭"), Some(vec!["family_planning_special"]));
        assert_eq!(codes("冠心病"), Some(vec![]));
        assert_eq!(codes("高血压患者"), Some(vec!["hypertension"]));
        assert_eq!(codes("hypertension"), Some(vec!["hypertension"]));
        assert_eq!(codes("火星人"), None);
    }

    #[test]
    fn a_township_file_comes_first_and_a_bad_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(
            &path,
            "[[column]]\nfield = \"name\"\nnames = [\"户员\"]\n[groups]\n\"三高\" = [\"hypertension\", \"diabetes\"]\n",
        )
        .unwrap();
        let v = Vocabulary::with_file(Some(&path)).unwrap();
        assert_eq!(v.field_of("户员"), Some(Field::Name));
        assert_eq!(v.groups_of("三高").map(|g| g.len()), Some(2));
        std::fs::write(&path, "[groups]\n\"x\" = [\"martian\"]\n").unwrap();
        let e = Vocabulary::with_file(Some(&path)).err().unwrap();
        assert_eq!(e.code, "bad_vocabulary");
    }
}
