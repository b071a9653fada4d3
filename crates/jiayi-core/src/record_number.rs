//! The county's health-record number (健康档案编号): 17 digits, the 6-digit county code, the
//! 3-digit township, the 3-digit village committee and a 5-digit serial. The first twelve are
//! the village's administrative code, so a village's numbers differ only in the serial.
//!
//! Counties issue the numbers; a device without a network issues them from a serial range the
//! township reserved for the village (`SerialRange`) — its own block of it, see
//! [`crate::record_blocks`] — skipping every number it already knows.

use serde::{Deserialize, Serialize};

/// Digits in a health-record number.
pub const RECORD_NUMBER_LEN: usize = 17;
/// Digits of the village's administrative code at its start.
pub const VILLAGE_CODE_LEN: usize = 12;
/// The highest serial (five digits).
pub const MAX_SERIAL: u32 = 99_999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordNumberError {
    #[error("the number is empty")]
    Empty,
    #[error("the number contains '{0}'")]
    BadCharacter(char),
    #[error("the number has {0} digits; it needs 17")]
    WrongLength(usize),
    #[error("the village part of the number is 000")]
    NoVillage,
    #[error("the serial of the number is 00000")]
    ZeroSerial,
    #[error("the village code '{0}' is not 12 digits")]
    BadVillageCode(String),
    #[error("the serial range {first}-{last} is not within 1-99999 or ends before it starts")]
    BadRange { first: u32, last: u32 },
    #[error("the village has no serial range for health-record numbers")]
    NoRange,
    #[error(
        "every number of this device's block {first}-{last} of the village is used: sync to get a new block"
    )]
    RangeUsedUp { first: u32, last: u32 },
    #[error("the number {0} is already another resident's")]
    Taken(String),
}

/// A valid 17-digit health-record number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordNumber(String);

impl RecordNumber {
    /// Reads a number as a clerk typed it: full-width digits become digits; spaces and dashes
    /// between the parts are dropped.
    pub fn parse(input: &str) -> Result<RecordNumber, RecordNumberError> {
        let mut digits = String::with_capacity(RECORD_NUMBER_LEN);
        for c in input.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push((b'0' + (c as u32 - '０' as u32) as u8) as char),
                ' ' | '\u{3000}' | '\t' | '-' | '－' => {}
                other => return Err(RecordNumberError::BadCharacter(other)),
            }
        }
        if digits.is_empty() {
            return Err(RecordNumberError::Empty);
        }
        if digits.len() != RECORD_NUMBER_LEN {
            return Err(RecordNumberError::WrongLength(digits.len()));
        }
        if &digits[9..12] == "000" {
            return Err(RecordNumberError::NoVillage);
        }
        if &digits[12..] == "00000" {
            return Err(RecordNumberError::ZeroSerial);
        }
        Ok(RecordNumber(digits))
    }

    /// The number of a village's serial.
    pub fn from_parts(village_code: &str, serial: u32) -> Result<RecordNumber, RecordNumberError> {
        check_village_code(village_code)?;
        if serial == 0 || serial > MAX_SERIAL {
            return Err(RecordNumberError::BadRange {
                first: serial,
                last: serial,
            });
        }
        RecordNumber::parse(&format!("{village_code}{serial:05}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn county(&self) -> &str {
        &self.0[..6]
    }

    pub fn township(&self) -> &str {
        &self.0[6..9]
    }

    pub fn village(&self) -> &str {
        &self.0[9..12]
    }

    /// The 12-digit village code the number starts with.
    pub fn village_code(&self) -> &str {
        &self.0[..VILLAGE_CODE_LEN]
    }

    pub fn serial(&self) -> u32 {
        self.0[VILLAGE_CODE_LEN..].parse().unwrap_or(0)
    }
}

impl std::fmt::Display for RecordNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_village_code(code: &str) -> Result<(), RecordNumberError> {
    if code.len() == VILLAGE_CODE_LEN && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(RecordNumberError::BadVillageCode(code.to_string()))
    }
}

/// The serials a township reserved for one village: numbers `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialRange {
    pub first: u32,
    pub last: u32,
}

impl SerialRange {
    pub fn new(first: u32, last: u32) -> Result<SerialRange, RecordNumberError> {
        if first == 0 || last > MAX_SERIAL || last < first {
            return Err(RecordNumberError::BadRange { first, last });
        }
        Ok(SerialRange { first, last })
    }

    pub fn contains(&self, serial: u32) -> bool {
        (self.first..=self.last).contains(&serial)
    }

    /// How many numbers the range holds.
    pub fn size(&self) -> u32 {
        self.last - self.first + 1
    }
}

/// A village's range as the township assigned it and the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageRecordRange {
    pub village_id: uuid::Uuid,
    /// The village's 12-digit administrative code: the first twelve digits of its numbers.
    pub village_code: String,
    pub first: u32,
    pub last: u32,
}

impl VillageRecordRange {
    pub fn range(&self) -> SerialRange {
        SerialRange {
            first: self.first,
            last: self.last,
        }
    }
}

/// The next number of a village's range: the lowest serial of the range no number in `used`
/// has for this village. Numbers of other villages in `used` are ignored.
pub fn issue_next<'a>(
    village_code: &str,
    range: Option<SerialRange>,
    used: impl IntoIterator<Item = &'a str>,
) -> Result<RecordNumber, RecordNumberError> {
    let range = range.ok_or(RecordNumberError::NoRange)?;
    check_village_code(village_code)?;
    let range = SerialRange::new(range.first, range.last)?;
    let mut taken: Vec<u32> = used
        .into_iter()
        .filter_map(|n| RecordNumber::parse(n).ok())
        .filter(|n| n.village_code() == village_code && range.contains(n.serial()))
        .map(|n| n.serial())
        .collect();
    taken.sort_unstable();
    taken.dedup();
    let mut next = range.first;
    for serial in taken {
        if serial == next {
            next += 1;
        } else if serial > next {
            break;
        }
    }
    if next > range.last {
        return Err(RecordNumberError::RangeUsedUp {
            first: range.first,
            last: range.last,
        });
    }
    RecordNumber::from_parts(village_code, next)
}

/// The message in Chinese (the English one is the error's `Display`).
pub fn message_zh(e: &RecordNumberError) -> String {
    match e {
        RecordNumberError::Empty => "未填写".into(),
        RecordNumberError::BadCharacter(c) => format!("含有无效字符“{c}”，只能是数字"),
        RecordNumberError::WrongLength(n) => {
            format!("共{n}位，应为17位（县6位＋乡镇3位＋村3位＋序号5位）")
        }
        RecordNumberError::NoVillage => "村级代码不能为000".into(),
        RecordNumberError::ZeroSerial => "序号不能为00000".into(),
        RecordNumberError::BadVillageCode(code) => format!("村代码“{code}”不是12位数字"),
        RecordNumberError::BadRange { first, last } => {
            format!("序号段{first}–{last}无效：应在1–99999之内且起号不大于止号")
        }
        RecordNumberError::NoRange => {
            "本村尚未分配健康档案编号序号段，请联系乡镇卫生院分配，或从县系统录入编号".into()
        }
        RecordNumberError::RangeUsedUp { first, last } => {
            format!(
                "本机在本村的序号段{first}–{last}已全部用完：请联网同步以领取新的序号段，或联系乡镇卫生院"
            )
        }
        RecordNumberError::Taken(n) => format!("健康档案编号{n}已属于另一位居民"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VILLAGE: &str = "530124101201";

    #[test]
    fn parse_table() {
        let cases: &[(&str, Result<&str, RecordNumberError>)] = &[
            ("53012410120100001", Ok("53012410120100001")),
            (
                "５３０１２４１０１２０１００００１",
                Ok("53012410120100001"),
            ),
            ("530124 101 201 00001", Ok("53012410120100001")),
            ("530124-101-201-00042", Ok("53012410120100042")),
            ("  53012410120100001\u{3000}", Ok("53012410120100001")),
            ("", Err(RecordNumberError::Empty)),
            ("   ", Err(RecordNumberError::Empty)),
            ("5301241012010001", Err(RecordNumberError::WrongLength(16))),
            (
                "530124101201000011",
                Err(RecordNumberError::WrongLength(18)),
            ),
            (
                "53012410120100O01",
                Err(RecordNumberError::BadCharacter('O')),
            ),
            ("HR000123", Err(RecordNumberError::BadCharacter('H'))),
            ("53012410100000001", Err(RecordNumberError::NoVillage)),
            ("53012410120100000", Err(RecordNumberError::ZeroSerial)),
        ];
        for (input, expected) in cases {
            let got = RecordNumber::parse(input);
            match expected {
                Ok(digits) => assert_eq!(got.unwrap().as_str(), *digits, "input {input:?}"),
                Err(e) => assert_eq!(got.unwrap_err(), *e, "input {input:?}"),
            }
        }
    }

    #[test]
    fn parts() {
        let n = RecordNumber::parse("53012410120100042").unwrap();
        assert_eq!(n.county(), "530124");
        assert_eq!(n.township(), "101");
        assert_eq!(n.village(), "201");
        assert_eq!(n.village_code(), VILLAGE);
        assert_eq!(n.serial(), 42);
    }

    #[test]
    fn issue_table() {
        let r = |a, b| Some(SerialRange { first: a, last: b });
        // (name, range, numbers used, next number or refusal)
        type Case<'a> = (
            &'a str,
            Option<SerialRange>,
            &'a [&'a str],
            Result<&'a str, RecordNumberError>,
        );
        let cases: &[Case] = &[
            (
                "first of the range",
                r(101, 200),
                &[],
                Ok("53012410120100101"),
            ),
            (
                "skips used ones",
                r(1, 5),
                &["53012410120100001", "53012410120100002"],
                Ok("53012410120100003"),
            ),
            (
                "fills a gap",
                r(1, 5),
                &["53012410120100001", "53012410120100003"],
                Ok("53012410120100002"),
            ),
            (
                "another village's numbers do not count",
                r(1, 5),
                &["53012410120200001"],
                Ok("53012410120100001"),
            ),
            (
                "numbers outside the range do not count",
                r(10, 11),
                &["53012410120100001", "53012410120100010"],
                Ok("53012410120100011"),
            ),
            ("no range", None, &[], Err(RecordNumberError::NoRange)),
            (
                "used up",
                r(1, 2),
                &["53012410120100002", "53012410120100001"],
                Err(RecordNumberError::RangeUsedUp { first: 1, last: 2 }),
            ),
            (
                "bad range",
                r(5, 4),
                &[],
                Err(RecordNumberError::BadRange { first: 5, last: 4 }),
            ),
            (
                "the last serial",
                r(99_999, 99_999),
                &[],
                Ok("53012410120199999"),
            ),
        ];
        for (name, range, used, expected) in cases {
            let got = issue_next(VILLAGE, *range, used.iter().copied());
            match expected {
                Ok(n) => assert_eq!(got.unwrap().as_str(), *n, "{name}"),
                Err(e) => assert_eq!(got.unwrap_err(), *e, "{name}"),
            }
        }
    }

    #[test]
    fn a_village_code_must_be_twelve_digits() {
        assert_eq!(
            issue_next("V001", Some(SerialRange { first: 1, last: 9 }), []),
            Err(RecordNumberError::BadVillageCode("V001".into()))
        );
    }

    #[test]
    fn every_error_speaks_both_languages() {
        let errors = [
            RecordNumberError::Empty,
            RecordNumberError::BadCharacter('x'),
            RecordNumberError::WrongLength(3),
            RecordNumberError::NoVillage,
            RecordNumberError::ZeroSerial,
            RecordNumberError::BadVillageCode("1".into()),
            RecordNumberError::BadRange { first: 2, last: 1 },
            RecordNumberError::NoRange,
            RecordNumberError::RangeUsedUp { first: 1, last: 2 },
            RecordNumberError::Taken("53012410120100001".into()),
        ];
        for e in errors {
            let zh = crate::CoreError::RecordNumber(e.clone()).message(crate::Lang::Zh);
            let en = crate::CoreError::RecordNumber(e).message(crate::Lang::En);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii(), "{en}");
        }
    }

    proptest! {
        /// Issuing again and again, with numbers already taken anywhere, never gives a number
        /// twice and never leaves the range; it stops only when the range is used up.
        #[test]
        fn issued_numbers_never_collide_and_stay_in_range(
            first in 1u32..99_900,
            size in 1u32..60,
            taken in proptest::collection::vec(0u32..80, 0..30),
        ) {
            let last = (first + size - 1).min(MAX_SERIAL);
            let range = SerialRange { first, last };
            let mut used: Vec<String> = taken
                .iter()
                .filter_map(|t| RecordNumber::from_parts(VILLAGE, (first + t).min(MAX_SERIAL)).ok())
                .map(|n| n.to_string())
                .collect();
            let preset = used.len();
            loop {
                match issue_next(VILLAGE, Some(range), used.iter().map(String::as_str)) {
                    Ok(n) => {
                        prop_assert!(range.contains(n.serial()));
                        prop_assert_eq!(n.village_code(), VILLAGE);
                        prop_assert!(!used.contains(&n.to_string()), "issued twice: {}", n);
                        used.push(n.to_string());
                    }
                    Err(e) => {
                        prop_assert_eq!(e, RecordNumberError::RangeUsedUp { first, last });
                        break;
                    }
                }
                prop_assert!(used.len() <= preset + range.size() as usize);
            }
            let in_range: std::collections::HashSet<&String> = used
                .iter()
                .filter(|n| range.contains(RecordNumber::parse(n).unwrap().serial()))
                .collect();
            prop_assert_eq!(in_range.len(), range.size() as usize);
        }
    }
}
