//! Cell values as rosters write them: sexes, relations to the head, population groups, birth
//! dates in every form clerks type (or Excel keeps), and ID numbers that Excel may have turned
//! into numbers.

use chrono::NaiveDate;
use jiayi_core::person::{Relation, Sex};

use super::vocabulary::Vocabulary;

pub(super) fn parse_sex(text: &str) -> Option<Sex> {
    match text.trim().to_lowercase().as_str() {
        "男" | "男性" | "m" | "male" | "1" => Some(Sex::Male),
        "女" | "女性" | "f" | "female" | "2" => Some(Sex::Female),
        _ => None,
    }
}

/// The relation as rosters spell it; anything unknown is "other".
pub(super) fn parse_relation(text: &str) -> Relation {
    let t = text.trim().to_lowercase();
    let t = t.strip_prefix("之").unwrap_or(&t).to_string();
    let any = |list: &[&str]| list.iter().any(|w| t == *w);
    let has = |list: &[&str]| list.iter().any(|w| t.contains(w));
    // A "是否户主" column says 是 (or ticks) for the head.
    if any(&[
        "户主",
        "本人",
        "head",
        "self",
        "户主本人",
        "是",
        "√",
        "✓",
        "y",
        "yes",
    ]) {
        Relation::Head
    } else if any(&[
        "配偶", "妻", "妻子", "夫", "丈夫", "spouse", "wife", "husband", "夫妻", "老伴",
    ]) {
        Relation::Spouse
    } else if has(&["儿媳", "女婿", "媳"]) || t == "child_in_law" {
        Relation::ChildInLaw
    } else if has(&["孙", "grandchild"]) {
        Relation::Grandchild
    } else if has(&["公公", "婆婆", "岳父", "岳母"]) || t == "parent_in_law" {
        Relation::ParentInLaw
    } else if has(&[
        "祖父",
        "祖母",
        "爷爷",
        "奶奶",
        "外公",
        "外婆",
        "grandparent",
    ]) {
        Relation::Grandparent
    } else if has(&["父", "母", "parent"]) {
        Relation::Parent
    } else if has(&["子", "女", "儿", "child"]) {
        Relation::Child
    } else if has(&["兄", "弟", "姐", "妹", "sibling"]) {
        Relation::Sibling
    } else {
        Relation::Other
    }
}

/// Population groups as rosters write them, separated by 、 , ; / or spaces, through the
/// vocabulary. Age groups are dropped (they follow from the birth date); words the
/// vocabulary does not know are returned.
pub(super) fn parse_groups(text: &str, vocabulary: &Vocabulary) -> (Vec<String>, Vec<String>) {
    let mut codes: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for word in text
        .split(|c: char| "、,，;；/ 　|+＋\n()（）[]【】".contains(c))
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        match vocabulary.groups_of(word) {
            Some(groups) => {
                for g in groups {
                    if !g.is_derived() && !codes.iter().any(|c| c == g.code()) {
                        codes.push(g.code().to_string());
                    }
                }
            }
            None => unknown.push(word.to_string()),
        }
    }
    (codes, unknown)
}

/// A birth-date cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BirthCell {
    Day(NaiveDate),
    /// Only the year and month (`1955.03`).
    Month(i32, u32),
    Unreadable,
}

impl BirthCell {
    /// Whether `date` falls on this day, or in this month.
    pub fn agrees_with(self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        match self {
            BirthCell::Day(d) => d == date,
            BirthCell::Month(y, m) => date.year() == y && date.month() == m,
            BirthCell::Unreadable => false,
        }
    }
}

/// Full-width letters, digits and signs (０-９, Ｘ, ．) as their ASCII selves.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Reads `19650919`, `1965.9.19`, `1965年9月19日`, `1965/9/19`, `1965-09-19 00:00:00`, `1955.03`,
/// `195503`, and an Excel date serial (`23994`, a date cell stored as a plain number).
pub(super) fn birth_cell(text: &str) -> BirthCell {
    let text = ascii_digits(text.trim());
    let date_part = text.split([' ', 'T']).next().unwrap_or("");
    let day = |y: i32, m: u32, d: u32| {
        NaiveDate::from_ymd_opt(y, m, d)
            .filter(|_| (1880..=2200).contains(&y))
            .map(BirthCell::Day)
            .unwrap_or(BirthCell::Unreadable)
    };
    let month = |y: i32, m: u32| {
        if (1880..=2200).contains(&y) && (1..=12).contains(&m) {
            BirthCell::Month(y, m)
        } else {
            BirthCell::Unreadable
        }
    };
    if !date_part.is_empty() && date_part.bytes().all(|b| b.is_ascii_digit()) {
        let n = |r: std::ops::Range<usize>| date_part[r].parse::<u32>().unwrap_or(0);
        return match date_part.len() {
            8 => day(n(0..4) as i32, n(4..6), n(6..8)),
            6 => month(n(0..4) as i32, n(4..6)),
            1..=5 => {
                // Excel's serial: days since 1899-12-30 (its 1900 leap-year slip included).
                let serial: i64 = date_part.parse().unwrap_or(0);
                NaiveDate::from_ymd_opt(1899, 12, 30)
                    .and_then(|base| base.checked_add_signed(chrono::Duration::days(serial)))
                    .filter(|_| serial > 60)
                    .map(BirthCell::Day)
                    .unwrap_or(BirthCell::Unreadable)
            }
            _ => BirthCell::Unreadable,
        };
    }
    let parts: Vec<u32> = date_part
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    let tail_ok = date_part
        .chars()
        .all(|c| c.is_ascii_digit() || ".-/年月日号．。".contains(c));
    if !tail_ok {
        return BirthCell::Unreadable;
    }
    match parts.as_slice() {
        [y, m, d] => day(*y as i32, *m, *d),
        [y, m] => month(*y as i32, *m),
        _ => BirthCell::Unreadable,
    }
}

/// An ID-number cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum IdCell {
    Empty,
    Text(String),
    /// Excel keeps 15 significant digits of a number: an 18-digit number stored as a number
    /// (or shown as `5.10102E+17`) has lost its last digits.
    LostDigits(String),
}

/// The ID number as typed, spaces, apostrophes and invisible characters dropped, full-width
/// digits made ASCII. `is_number` is whether the file stored the cell as a number.
pub(super) fn id_cell(text: &str, is_number: bool) -> IdCell {
    let cleaned: String = ascii_digits(text)
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '\'' | '‘' | '’' | '`' | '\u{200B}'..='\u{200F}' | '\u{FEFF}'
                )
        })
        .map(|c| if c == 'x' { 'X' } else { c })
        .collect();
    if cleaned.is_empty() {
        return IdCell::Empty;
    }
    let scientific = cleaned.contains("E+") && cleaned.starts_with(|c: char| c.is_ascii_digit());
    let digits = cleaned.chars().filter(char::is_ascii_digit).count();
    if scientific || (is_number && digits > 15) {
        return IdCell::LostDigits(cleaned);
    }
    IdCell::Text(cleaned)
}

/// Whether a number that failed the check looks like one Excel cut to 15 significant digits:
/// 16 or more digits, ending in 000.
pub(super) fn looks_cut(id: &str) -> bool {
    id.len() >= 16 && id.bytes().all(|b| b.is_ascii_digit()) && id.ends_with("000")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> BirthCell {
        BirthCell::Day(NaiveDate::from_ymd_opt(y, m, day).unwrap())
    }

    #[test]
    fn relations_sexes_and_groups_as_rosters_write_them() {
        assert_eq!(parse_relation("户主"), Relation::Head);
        assert_eq!(parse_relation("妻子"), Relation::Spouse);
        assert_eq!(parse_relation("之妻"), Relation::Spouse);
        assert_eq!(parse_relation("长子"), Relation::Child);
        assert_eq!(parse_relation("次女"), Relation::Child);
        assert_eq!(parse_relation("儿媳"), Relation::ChildInLaw);
        assert_eq!(parse_relation("孙女"), Relation::Grandchild);
        assert_eq!(parse_relation("母亲"), Relation::Parent);
        assert_eq!(parse_relation("岳母"), Relation::ParentInLaw);
        assert_eq!(parse_relation("奶奶"), Relation::Grandparent);
        assert_eq!(parse_relation("弟弟"), Relation::Sibling);
        assert_eq!(parse_relation("侄子"), Relation::Child);
        assert_eq!(parse_relation("邻居"), Relation::Other);
        assert_eq!(parse_relation("是"), Relation::Head);
        assert_eq!(parse_relation("否"), Relation::Other);
        assert_eq!(parse_sex("男"), Some(Sex::Male));
        assert_eq!(parse_sex("女"), Some(Sex::Female));
        assert_eq!(parse_sex("未知"), None);
        let v = Vocabulary::shipped();
        let (codes, unknown) = parse_groups("高血压、糖尿病，脱贫户 65岁以上老年人；火星人", v);
        assert_eq!(codes, ["hypertension", "diabetes", "poverty_registered"]);
        assert_eq!(unknown, ["火星人"]);
        assert_eq!(parse_groups("普通人群", v), (vec![], vec![]));
        assert_eq!(parse_groups("计生特扶", v).0, ["family_planning_special"]);
        assert_eq!(parse_groups("慢病（高血压）", v).0, ["hypertension"]);
        assert_eq!(
            parse_groups("五保户/重精、冠心病 慢阻肺 脑卒中 慢病", v),
            (
                vec!["low_income".to_string(), "severe_mental".to_string()],
                vec![]
            )
        );
    }

    #[test]
    fn birth_dates_in_every_form() {
        assert_eq!(birth_cell("19650919"), d(1965, 9, 19));
        assert_eq!(birth_cell("1965.9.19"), d(1965, 9, 19));
        assert_eq!(birth_cell("1965年9月19日"), d(1965, 9, 19));
        assert_eq!(birth_cell("1965/09/19"), d(1965, 9, 19));
        assert_eq!(birth_cell("1965-09-19 00:00:00"), d(1965, 9, 19));
        assert_eq!(birth_cell("１９６５．９．１９"), d(1965, 9, 19));
        assert_eq!(birth_cell("24004"), d(1965, 9, 19));
        assert_eq!(birth_cell("1955.03"), BirthCell::Month(1955, 3));
        assert_eq!(birth_cell("1955年3月"), BirthCell::Month(1955, 3));
        assert_eq!(birth_cell("195503"), BirthCell::Month(1955, 3));
        assert_eq!(birth_cell("1965.13.1"), BirthCell::Unreadable);
        assert_eq!(birth_cell("不详"), BirthCell::Unreadable);
        assert_eq!(birth_cell("12"), BirthCell::Unreadable);
        assert!(
            BirthCell::Month(1955, 3).agrees_with(NaiveDate::from_ymd_opt(1955, 3, 9).unwrap())
        );
    }

    #[test]
    fn id_numbers_excel_turned_into_numbers() {
        assert_eq!(
            id_cell(" 11010119900307002x ", false),
            IdCell::Text("11010119900307002X".into())
        );
        assert_eq!(
            id_cell("'110101199003070028", false),
            IdCell::Text("110101199003070028".into())
        );
        assert!(matches!(
            id_cell("5.10102E+17", false),
            IdCell::LostDigits(_)
        ));
        assert!(matches!(
            id_cell("510102196509190000", true),
            IdCell::LostDigits(_)
        ));
        assert_eq!(
            id_cell("510102650919001", true),
            IdCell::Text("510102650919001".into())
        );
        assert_eq!(id_cell("", false), IdCell::Empty);
        assert_eq!(
            id_cell("１１０１０１１９９００３０７００２Ｘ", false),
            IdCell::Text("11010119900307002X".into())
        );
        assert!(looks_cut("510102196509190000") && !looks_cut("510102196509190012"));
    }
}
