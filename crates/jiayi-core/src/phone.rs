//! Phone numbers: mainland mobiles (`1[3-9]` + 9 digits) and landlines with an area code.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number contains '{0}'")]
    BadCharacter(char),
    #[error("a mobile number has 11 digits starting 13 to 19")]
    BadMobile,
    #[error("a landline needs an area code (0 + 2 or 3 digits) and 7 or 8 digits")]
    BadLandline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Landline,
}

/// A validated phone number, kept as digits (landlines as `area-local`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let mut digits = String::new();
        let mut separators = Vec::new();
        for c in input.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push((b'0' + (c as u32 - '０' as u32) as u8) as char),
                '-' | '－' | ' ' | '(' | ')' | '（' | '）' => separators.push(digits.len()),
                '+' if digits.is_empty() => {}
                other => return Err(PhoneError::BadCharacter(other)),
            }
        }
        // A leading country code for China is dropped.
        let digits = match digits.strip_prefix("86") {
            Some(rest) if input.trim_start().starts_with('+') || rest.len() == 11 => {
                rest.to_string()
            }
            _ => digits,
        };
        if digits.starts_with('1') {
            let valid = digits.len() == 11 && matches!(digits.as_bytes()[1], b'3'..=b'9');
            return if valid {
                Ok(Phone(digits))
            } else {
                Err(PhoneError::BadMobile)
            };
        }
        if !digits.starts_with('0') {
            return Err(PhoneError::BadLandline);
        }
        // Area codes are 3 digits for the large cities (010, 02x) and 4 otherwise.
        let area_len = match separators.first() {
            Some(&at) if at == 3 || at == 4 => at,
            _ if digits.starts_with("010") || digits.starts_with("02") => 3,
            _ => 4,
        };
        let local_len = digits.len().saturating_sub(area_len);
        if digits.len() <= area_len || !(7..=8).contains(&local_len) {
            return Err(PhoneError::BadLandline);
        }
        Ok(Phone(format!(
            "{}-{}",
            &digits[..area_len],
            &digits[area_len..]
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> PhoneKind {
        if self.0.starts_with('1') {
            PhoneKind::Mobile
        } else {
            PhoneKind::Landline
        }
    }

    /// Digits only, for search by phone.
    pub fn digits(&self) -> String {
        self.0.chars().filter(|c| c.is_ascii_digit()).collect()
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mobiles_and_landlines() {
        let table = [
            ("13812345678", "13812345678", PhoneKind::Mobile),
            (" 199 1234 5678 ", "19912345678", PhoneKind::Mobile),
            ("+86 138 1234 5678", "13812345678", PhoneKind::Mobile),
            ("１３８１２３４５６７８", "13812345678", PhoneKind::Mobile),
            ("0359-1234567", "0359-1234567", PhoneKind::Landline),
            ("010-12345678", "010-12345678", PhoneKind::Landline),
            ("(0359)12345678", "0359-12345678", PhoneKind::Landline),
            ("02112345678", "021-12345678", PhoneKind::Landline),
        ];
        for (input, stored, kind) in table {
            let phone = Phone::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(phone.as_str(), stored, "{input:?}");
            assert_eq!(phone.kind(), kind, "{input:?}");
        }
    }

    #[test]
    fn rejects_the_rest() {
        let table = [
            ("12812345678", PhoneError::BadMobile),
            ("1381234567", PhoneError::BadMobile),
            ("138123456789", PhoneError::BadMobile),
            ("1234567", PhoneError::BadMobile),
            ("2345678", PhoneError::BadLandline),
            ("0359-123456", PhoneError::BadLandline),
            ("0359-123456789", PhoneError::BadLandline),
            ("138abc", PhoneError::BadCharacter('a')),
            ("", PhoneError::BadLandline),
        ];
        for (input, expected) in table {
            assert_eq!(Phone::parse(input), Err(expected), "{input:?}");
        }
    }
}
