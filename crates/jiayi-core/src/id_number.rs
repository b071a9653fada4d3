//! Resident ID numbers (居民身份证号码, GB 11643-1999).
//!
//! 18 characters: a 6-digit region code, an 8-digit birth date, a 3-digit sequence (odd for men,
//! even for women) and a check character by ISO 7064 MOD 11-2. Legacy 15-digit numbers carry a
//! 2-digit year and no check character; they are converted to the 18-character form.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::person::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level prefixes (first two digits) in use under GB/T 2260.
const PROVINCE_PREFIXES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// Earliest birth year accepted: nobody alive was born before it.
const EARLIEST_BIRTH_YEAR: i32 = 1890;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("the ID number is empty")]
    Empty,
    #[error("the ID number has {0} characters; it needs 18 (or 15 for an old number)")]
    WrongLength(usize),
    #[error("the ID number contains '{0}', which is not allowed")]
    BadCharacter(char),
    #[error("region code {0} does not exist")]
    UnknownRegion(String),
    #[error("birth date {0} in the ID number is not a real date")]
    ImpossibleBirthDate(String),
    #[error("birth date {0} in the ID number is in the future")]
    FutureBirthDate(NaiveDate),
    #[error("birth date {0} in the ID number is too long ago")]
    TooOld(NaiveDate),
    #[error("the check character should be {expected}, not {found}")]
    CheckCharacter { expected: char, found: char },
}

/// A validated 18-character resident ID number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses and validates an ID number typed by a person.
    ///
    /// Surrounding spaces, spaces inside, full-width digits and a lowercase `x` are normalised.
    /// `today` bounds the birth date: no one is born in the future.
    pub fn parse(input: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        let normalised = normalise(input)?;
        match normalised.len() {
            0 => Err(IdNumberError::Empty),
            18 => {
                let (body, check) = normalised.split_at(17);
                if !body.bytes().all(|b| b.is_ascii_digit()) {
                    let bad = body.chars().find(|c| !c.is_ascii_digit()).unwrap_or('?');
                    return Err(IdNumberError::BadCharacter(bad));
                }
                let found = check.chars().next().unwrap_or('?');
                if !(found.is_ascii_digit() || found == 'X') {
                    return Err(IdNumberError::BadCharacter(found));
                }
                validate_region(&body[..6])?;
                validate_birth_date(&body[6..14], today)?;
                let expected = check_character(body);
                if expected != found {
                    return Err(IdNumberError::CheckCharacter { expected, found });
                }
                Ok(IdNumber(normalised))
            }
            15 => {
                if let Some(bad) = normalised.chars().find(|c| !c.is_ascii_digit()) {
                    return Err(IdNumberError::BadCharacter(bad));
                }
                // Legacy numbers were issued to people born in the 1900s.
                let body = format!("{}19{}", &normalised[..6], &normalised[6..]);
                validate_region(&body[..6])?;
                validate_birth_date(&body[6..14], today)?;
                let check = check_character(&body);
                Ok(IdNumber(format!("{body}{check}")))
            }
            other => Err(IdNumberError::WrongLength(other)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        parse_date8(&self.0[6..14]).expect("validated at parse")
    }

    /// Odd sequence numbers are men, even ones women.
    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The number with the middle hidden, for screens a bystander may see.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    /// Stored numbers were validated when they were typed; deserialising checks the shape and
    /// check character again but not the birth date against a clock.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        let far_future = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date");
        IdNumber::parse(&raw, far_future).map_err(serde::de::Error::custom)
    }
}

/// Computes the MOD 11-2 check character of the first 17 digits.
pub fn check_character(body17: &str) -> char {
    let sum: u32 = body17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn normalise(input: &str) -> Result<String, IdNumberError> {
    let mut out = String::with_capacity(18);
    for c in input.chars() {
        match c {
            ' ' | '\u{3000}' | '\t' | '-' => continue,
            '0'..='9' | 'X' => out.push(c),
            'x' | 'ｘ' | 'Ｘ' => out.push('X'),
            '０'..='９' => {
                let digit = (c as u32 - '０' as u32) as u8;
                out.push((b'0' + digit) as char);
            }
            other => return Err(IdNumberError::BadCharacter(other)),
        }
        if out.len() > 18 {
            // Keep counting characters for the message without growing without bound.
            let extra = input.chars().filter(|c| !c.is_whitespace()).count();
            return Err(IdNumberError::WrongLength(extra));
        }
    }
    Ok(out)
}

fn validate_region(code: &str) -> Result<(), IdNumberError> {
    let province: u32 = code[..2].parse().unwrap_or(0);
    if PROVINCE_PREFIXES.contains(&province) {
        Ok(())
    } else {
        Err(IdNumberError::UnknownRegion(code.to_string()))
    }
}

fn validate_birth_date(digits: &str, today: NaiveDate) -> Result<NaiveDate, IdNumberError> {
    let date = parse_date8(digits)
        .ok_or_else(|| IdNumberError::ImpossibleBirthDate(digits.to_string()))?;
    if date > today {
        return Err(IdNumberError::FutureBirthDate(date));
    }
    if date.year() < EARLIEST_BIRTH_YEAR {
        return Err(IdNumberError::TooOld(date));
    }
    Ok(date)
}

fn parse_date8(digits: &str) -> Option<NaiveDate> {
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let month: u32 = digits.get(4..6)?.parse().ok()?;
    let day: u32 = digits.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Builds a valid 18-character number from its parts; used by the demo township and tests.
pub fn compose(region: &str, birth: NaiveDate, sequence: u16) -> String {
    let body = format!(
        "{region}{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        sequence % 1000
    );
    let check = check_character(&body);
    format!("{body}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn accepts_valid_numbers_and_derives_birth_and_sex() {
        // 11010519491231002X is the standard's own worked example.
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.region_code(), "110105");
        assert!(matches!(
            IdNumber::parse("110105194912310029", today()),
            Err(IdNumberError::CheckCharacter {
                expected: 'X',
                found: '9'
            })
        ));
    }

    #[test]
    fn normalises_what_people_type() {
        let expected = "11010519491231002X";
        for typed in [
            " 11010519491231002x ",
            "１１０１０５１９４９１２３１００２Ｘ",
            "110105 19491231 002X",
            "\u{3000}11010519491231002ｘ",
        ] {
            assert_eq!(
                IdNumber::parse(typed, today()).unwrap().as_str(),
                expected,
                "{typed:?}"
            );
        }
    }

    #[test]
    fn rejects_bad_numbers_with_the_reason() {
        type Check = fn(&IdNumberError) -> bool;
        let table: &[(&str, Check)] = &[
            ("", |e| matches!(e, IdNumberError::Empty)),
            ("1234", |e| matches!(e, IdNumberError::WrongLength(4))),
            ("11010519491231002Y", |e| {
                matches!(e, IdNumberError::BadCharacter('Y'))
            }),
            ("1101051949123100X2", |e| {
                matches!(e, IdNumberError::BadCharacter('X'))
            }),
            // 99 is no province.
            (&*compose_static("990105", 1980, 1, 1), |e| {
                matches!(e, IdNumberError::UnknownRegion(_))
            }),
            ("110105198002300011", |e| {
                matches!(e, IdNumberError::ImpossibleBirthDate(_))
            }),
            (&*compose_static("110105", 2030, 1, 1), |e| {
                matches!(e, IdNumberError::FutureBirthDate(_))
            }),
            (&*compose_static("110105", 1850, 1, 1), |e| {
                matches!(e, IdNumberError::TooOld(_))
            }),
            ("1101051949123100211", |e| {
                matches!(e, IdNumberError::WrongLength(19))
            }),
        ];
        for (input, check) in table {
            let err = IdNumber::parse(input, today()).expect_err(input);
            assert!(check(&err), "{input:?} gave {err:?}");
        }
    }

    fn compose_static(region: &str, y: i32, m: u32, d: u32) -> String {
        compose(region, NaiveDate::from_ymd_opt(y, m, d).unwrap(), 123)
    }

    #[test]
    fn converts_legacy_fifteen_digit_numbers() {
        let id = IdNumber::parse("110105491231002", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.sex(), Sex::Female);
        assert!(IdNumber::parse("1101054912310A2", today()).is_err());
        assert!(IdNumber::parse("990105491231002", today()).is_err());
    }

    #[test]
    fn masks_the_middle() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "110105********002X");
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,40}") {
            let _ = IdNumber::parse(&s, today());
        }

        #[test]
        fn never_panics_on_digit_soup(s in "[0-9０-９xX ]{0,25}") {
            let _ = IdNumber::parse(&s, today());
        }

        #[test]
        fn composed_numbers_round_trip(
            province in proptest::sample::select(PROVINCE_PREFIXES.to_vec()),
            days in 0i64..40_000,
            seq in 0u16..1000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Days::new(days as u64);
            prop_assume!(birth <= today());
            let region = format!("{province:02}0102");
            let number = compose(&region, birth, seq);
            let id = IdNumber::parse(&number, today()).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
        }

        #[test]
        fn one_changed_digit_is_caught(days in 0i64..30_000, seq in 0u16..1000, pos in 0usize..17, delta in 1u8..10) {
            let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let number = compose("320102", birth, seq);
            let mut bytes = number.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let altered = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse(&altered, today()).is_err());
        }
    }
}
