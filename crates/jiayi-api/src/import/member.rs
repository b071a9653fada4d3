//! Part of step 5, one member: a row read as the registration form's member, each cell
//! checked on its own so every bad cell is reported. What can be settled is a warning the
//! clerk sees (a sex or birth date that contradicts the ID number: the ID number wins; an
//! unknown group word; a birth date with only a month); what cannot is the member's error.

use chrono::NaiveDate;
use jiayi_core::CoreError;
use jiayi_core::household::{ResidentInput, ValidResident, normalise_name};
use jiayi_core::id_number::IdNumber;
use jiayi_core::person::{Relation, Sex};
use jiayi_core::phone::Phone;
use jiayi_core::record_number::RecordNumber;

use super::fields::Field;
use super::households::Grouping;
use super::issues::{At, Issues};
use super::rows::SheetRow;
use super::values::{
    BirthCell, IdCell, birth_cell, id_cell, looks_cut, parse_groups, parse_relation, parse_sex,
};
use super::views::{IssueScope, Severity};
use super::vocabulary::Vocabulary;

const ERROR: (Severity, IssueScope) = (Severity::Error, IssueScope::Member);
const WARNING: (Severity, IssueScope) = (Severity::Warning, IssueScope::Member);

/// A member as read and checked.
pub(super) struct MemberRead {
    /// What the household's check is given (cells the ID number settles left out).
    pub input: ResidentInput,
    pub valid: Option<ValidResident>,
    pub record_number: Option<RecordNumber>,
    /// An error of their own.
    pub bad: bool,
}

fn sex_label(sex: Sex, issues: &Issues<'_>) -> &'static str {
    sex.label(issues.lang())
}

/// Reads and checks the member on `row`; `head_name` is the household's head as the
/// head-name column gives it.
pub(super) fn read_member(
    row: &SheetRow,
    head_name: &str,
    grouping: Grouping,
    (today, vocabulary): (NaiveDate, &Vocabulary),
    issues: &mut Issues<'_>,
) -> MemberRead {
    let name = normalise_name(row.get(Field::Name));
    let at = At {
        row: row.excel_row,
        name: &name,
    };
    let mut bad = false;
    // Cells already reported as errors: the form's check is not to report them twice.
    let mut reported: Vec<Field> = Vec::new();

    let (groups, unknown) = parse_groups(row.get(Field::Groups), vocabulary);
    for word in unknown {
        issues.add(
            at,
            Some(Field::Groups),
            WARNING,
            "unknown_group",
            (
                &format!("不认识的人群分类“{word}”，未记录（可在列名词表中补充）"),
                &format!("unknown group word '{word}': not recorded (add it to the vocabulary)"),
            ),
        );
    }

    let sex_text = row.get(Field::Sex);
    let typed_sex = parse_sex(sex_text);
    let birth_text = row.get(Field::BirthDate);
    let typed_birth = (!birth_text.is_empty()).then(|| birth_cell(birth_text));

    let mut id_number = None;
    match id_cell(
        row.get(Field::IdNumber),
        row.numbers.contains(&Field::IdNumber),
    ) {
        IdCell::Empty => {}
        IdCell::LostDigits(shown) => {
            bad = true;
            reported.push(Field::IdNumber);
            lost_digits(at, &shown, issues);
        }
        IdCell::Text(text) => match IdNumber::parse(&text, today) {
            Ok(id) => id_number = Some(id),
            Err(_) if looks_cut(&text) => {
                bad = true;
                reported.push(Field::IdNumber);
                lost_digits(at, &text, issues);
            }
            Err(e) => {
                bad = true;
                reported.push(Field::IdNumber);
                issues.core(
                    at,
                    Some(Field::IdNumber),
                    IssueScope::Member,
                    CoreError::from(e),
                );
            }
        },
    }

    let mut sex = typed_sex;
    let mut birth_date = None;
    if let Some(id) = &id_number {
        if let Some(typed) = typed_sex.filter(|s| *s != id.sex()) {
            issues.add(
                at,
                Some(Field::Sex),
                WARNING,
                "sex_mismatch",
                (
                    &format!(
                        "性别“{}”与身份证号不符，按身份证号记为{}",
                        sex_label(typed, issues),
                        sex_label(id.sex(), issues)
                    ),
                    &format!(
                        "the sex '{}' contradicts the ID number: recorded as {}, as the number says",
                        sex_label(typed, issues),
                        sex_label(id.sex(), issues)
                    ),
                ),
            );
        }
        if let Some(typed) = typed_birth.filter(|b| !b.agrees_with(id.birth_date())) {
            let (zh, en) = if typed == BirthCell::Unreadable {
                ("无法识别", "unreadable")
            } else {
                ("与身份证号不符", "contradicts the ID number")
            };
            issues.add(
                at,
                Some(Field::BirthDate),
                WARNING,
                "birth_date_mismatch",
                (
                    &format!(
                        "出生日期“{birth_text}”{zh}，按身份证号记为 {}",
                        id.birth_date()
                    ),
                    &format!(
                        "the birth date '{birth_text}' {en}: recorded as {}, as the number says",
                        id.birth_date()
                    ),
                ),
            );
        }
        if !sex_text.is_empty() && typed_sex.is_none() {
            sex = None;
        }
    } else {
        if !sex_text.is_empty() && typed_sex.is_none() {
            bad = true;
            reported.push(Field::Sex);
            issues.add(
                at,
                Some(Field::Sex),
                ERROR,
                "bad_sex",
                (
                    &format!("无法识别性别“{sex_text}”（应为 男 或 女）"),
                    &format!("cannot read the sex '{sex_text}' (男 or 女)"),
                ),
            );
        }
        match typed_birth {
            None => {}
            Some(BirthCell::Day(d)) => birth_date = Some(d.to_string()),
            Some(BirthCell::Month(y, m)) => {
                birth_date = Some(format!("{y:04}-{m:02}-01"));
                issues.add(
                    at,
                    Some(Field::BirthDate),
                    WARNING,
                    "birth_month_only",
                    (
                        &format!("出生日期“{birth_text}”只有年月，按当月 1 日记录"),
                        &format!("the birth date '{birth_text}' has no day: recorded as the 1st"),
                    ),
                );
            }
            Some(BirthCell::Unreadable) => {
                bad = true;
                reported.push(Field::BirthDate);
                issues.core(
                    at,
                    Some(Field::BirthDate),
                    IssueScope::Member,
                    CoreError::Date(birth_text.to_string()),
                );
            }
        }
    }

    let record_text = row.get(Field::RecordNumber);
    // A 17-digit number stored as a number has lost its last digits, like an ID number.
    let record_cut = matches!(
        id_cell(record_text, row.numbers.contains(&Field::RecordNumber)),
        IdCell::LostDigits(_)
    );
    let record_number = if record_text.is_empty() {
        None
    } else if record_cut {
        bad = true;
        issues.add(
            at,
            Some(Field::RecordNumber),
            ERROR,
            "record_number_stored_as_number",
            (
                &format!("Excel 把这个健康档案编号存成了数字（{record_text}），末几位已丢失：请把该列设为文本格式后重新录入"),
                &format!("Excel stored this health-record number as a number ({record_text}) and its last digits are lost: format the column as text and type the numbers again"),
            ),
        );
        None
    } else {
        match RecordNumber::parse(record_text) {
            Ok(n) => Some(n),
            Err(e) => {
                bad = true;
                reported.push(Field::RecordNumber);
                issues.core(
                    at,
                    Some(Field::RecordNumber),
                    IssueScope::Member,
                    CoreError::from(e),
                );
                None
            }
        }
    };

    let relation_text = row.get(Field::Relation);
    let relation = if relation_text.is_empty() {
        // Without a relation, the row naming the head is the head, and so is the one member
        // of a household of one.
        if grouping == Grouping::OnePerRow
            || (!head_name.is_empty() && normalise_name(head_name) == name)
        {
            Relation::Head
        } else {
            Relation::Other
        }
    } else {
        parse_relation(relation_text)
    };

    // Two numbers in one cell: the first is the one to call.
    let phone = row
        .get(Field::Phone)
        .split(['/', '、', ',', '，', ';', '；'])
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string);
    let phone = match phone.as_deref().map(Phone::parse) {
        Some(Err(e)) => {
            bad = true;
            reported.push(Field::Phone);
            issues.core(
                at,
                Some(Field::Phone),
                IssueScope::Member,
                CoreError::from(e),
            );
            None
        }
        _ => phone,
    };
    let input = ResidentInput {
        name: name.clone(),
        id_number: id_number.as_ref().map(|n| n.as_str().to_string()),
        sex,
        birth_date,
        phone,
        relation: Some(relation),
        groups,
    };
    // The form's own check, for what the cells above did not settle; a cell already
    // reported is not reported again, nor the sex a bad ID number would have given.
    if reported.contains(&Field::IdNumber) {
        reported.push(Field::Sex);
    }
    let valid = match input.validate(today) {
        Ok(v) => (!bad).then_some(v),
        Err(e) => {
            bad = true;
            let field = match &e {
                CoreError::IdNumber(_) | CoreError::BirthDateMismatch => Some(Field::IdNumber),
                CoreError::Phone(_) => Some(Field::Phone),
                CoreError::Date(_) => Some(Field::BirthDate),
                CoreError::Required { field: "sex" } => Some(Field::Sex),
                CoreError::GroupNotForSex { .. } | CoreError::UnknownGroup(_) => {
                    Some(Field::Groups)
                }
                CoreError::Required { .. } | CoreError::TooLong { .. } => Some(Field::Name),
                _ => None,
            };
            if !field.is_some_and(|f| reported.contains(&f)) {
                issues.core(at, field, IssueScope::Member, e);
            }
            None
        }
    };
    MemberRead {
        input,
        valid,
        record_number,
        bad,
    }
}

fn lost_digits(at: At<'_>, shown: &str, issues: &mut Issues<'_>) {
    issues.add(
        at,
        Some(Field::IdNumber),
        ERROR,
        "id_number_stored_as_number",
        (
            &format!("Excel 把这个身份证号存成了数字（{shown}），末几位已丢失：请把该列设为文本格式后重新录入"),
            &format!("Excel stored this ID number as a number ({shown}) and its last digits are lost: format the column as text and type the numbers again"),
        ),
    );
}

#[cfg(test)]
mod tests {
    use jiayi_core::Lang;

    use super::*;
    use crate::import::views::ColumnView;

    fn row(cells: &[(Field, &str)]) -> SheetRow {
        SheetRow {
            excel_row: 5,
            cells: cells.iter().map(|(f, v)| (*f, v.to_string())).collect(),
            numbers: Default::default(),
        }
    }

    fn check(cells: &[(Field, &str)]) -> (Vec<String>, bool) {
        let columns: Vec<ColumnView> = Vec::new();
        let mut issues = Issues::new(Lang::Zh, "台账", &columns);
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let read = read_member(
            &row(cells),
            "",
            Grouping::OnePerRow,
            (today, Vocabulary::shipped()),
            &mut issues,
        );
        let codes = issues.into_list().into_iter().map(|i| i.code).collect();
        (codes, read.bad)
    }

    #[test]
    fn every_bad_cell_once() {
        let (codes, bad) = check(&[
            (Field::Name, "王　五"),
            (Field::Sex, "未知"),
            (Field::Phone, "12345"),
        ]);
        assert_eq!(codes, ["bad_sex", "invalid_phone"]);
        assert!(bad);
        // A wrong number without a sex column: the number is the one problem.
        let (codes, _) = check(&[
            (Field::Name, "王五"),
            (Field::IdNumber, "110101199003070029"),
        ]);
        assert_eq!(codes, ["invalid_id_number"]);
        let (codes, bad) = check(&[
            (Field::Name, "李四"),
            (Field::Sex, "男"),
            (Field::Phone, "13812345678/13900001111"),
            (Field::Groups, "高血压 火星病"),
        ]);
        assert_eq!((codes, bad), (vec!["unknown_group".to_string()], false));
        let mut cut = row(&[
            (Field::Name, "李四"),
            (Field::Sex, "男"),
            (Field::RecordNumber, "14082210020200000"),
        ]);
        cut.numbers.insert(Field::RecordNumber);
        let columns: Vec<ColumnView> = Vec::new();
        let mut issues = Issues::new(Lang::Zh, "台账", &columns);
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let read = read_member(
            &cut,
            "",
            Grouping::OnePerRow,
            (today, Vocabulary::shipped()),
            &mut issues,
        );
        assert!(read.bad && read.record_number.is_none());
        assert_eq!(issues.into_list()[0].code, "record_number_stored_as_number");
    }
}
