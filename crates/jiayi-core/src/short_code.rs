//! Codes people read aloud and type: a device's 登记码 and the middle of an agreement number.
//!
//! Crockford's base32 alphabet (digits and capitals without I, L, O, U), grouped by four
//! (`K7PQ-M3XZ`), the last character a check character. The check is Damm's algorithm over
//! GF(32) (x ∘ y = 2·x + y), a quasigroup without fixed weak points: every single wrong
//! character and every swap of two neighbours changes it, and it needs no symbol outside the
//! alphabet (a mod-37 check would need `*`, `~`, `$`, `=`, which nobody reads aloud well).
//! Reading is forgiving where a person is likely to be: any case, spaces or dashes anywhere,
//! `I`/`L` read as `1` and `O` as `0`. Ids stay inside: a code names, it never replaces one.

use crate::Lang;
use uuid::Uuid;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of a device code before its check character: 35 bits of the id's random tail.
pub const DEVICE_DATA_CHARS: usize = 7;

/// Why a typed code was not accepted, with the place it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    Empty,
    /// A character outside the alphabet (`U`, punctuation, a Chinese character), 1-based.
    BadCharacter {
        position: usize,
        character: char,
    },
    /// Too few or too many characters.
    WrongLength {
        expected: usize,
        found: usize,
    },
    /// Every character is readable but they do not agree with the check character.
    WrongCheck,
}

impl CodeError {
    /// What went wrong, for the person who typed it.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (CodeError::Empty, Lang::Zh) => "请填写编码。".into(),
            (CodeError::Empty, Lang::En) => "Enter the code.".into(),
            (CodeError::BadCharacter { position, character }, Lang::Zh) => {
                format!("第 {position} 个字符“{character}”不在编码用字之内（数字和字母，不含 U），请核对。")
            }
            (CodeError::BadCharacter { position, character }, Lang::En) => format!(
                "Character {position} ('{character}') is not used in codes (digits and letters without U); check it."
            ),
            (CodeError::WrongLength { expected, found }, Lang::Zh) => {
                format!("编码应有 {expected} 个字符，填写的是 {found} 个，请核对。")
            }
            (CodeError::WrongLength { expected, found }, Lang::En) => {
                format!("The code has {expected} characters; {found} were entered. Check it.")
            }
            (CodeError::WrongCheck, Lang::Zh) => {
                "编码的校验位不符：有字符读错、写错或前后颠倒，请逐个字符核对。".into()
            }
            (CodeError::WrongCheck, Lang::En) => {
                "The code's check character does not match: a character was misread, mistyped or swapped with its neighbour. Check each one.".into()
            }
        }
    }
}

/// The value of one typed character, confusable letters read as the digit they look like.
fn value_of(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// Multiplication by 2 in GF(32) with the primitive polynomial x⁵ + x² + 1.
fn times_two(x: u8) -> u8 {
    let doubled = x << 1;
    if doubled & 0x20 != 0 {
        (doubled ^ 0x25) & 0x1f
    } else {
        doubled
    }
}

/// Damm's interim after the given values; zero for a code whose last value is its check.
fn interim(values: impl IntoIterator<Item = u8>) -> u8 {
    values
        .into_iter()
        .fold(0, |acc, value| times_two(acc) ^ value)
}

/// The check value that makes the interim zero.
fn check_value(data: &[u8]) -> u8 {
    times_two(interim(data.iter().copied()))
}

fn group_by_four(chars: &[u8]) -> String {
    let mut out = String::with_capacity(chars.len() + chars.len() / 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c as char);
    }
    out
}

/// The code of a number: `data_chars` base32 characters of its lowest bits (most significant
/// first) and the check character, grouped by four.
pub fn encode(value: u64, data_chars: usize) -> String {
    let mut values: Vec<u8> = (0..data_chars)
        .rev()
        .map(|i| {
            let shift = 5 * i;
            if shift >= 64 {
                0
            } else {
                ((value >> shift) & 0x1f) as u8
            }
        })
        .collect();
    values.push(check_value(&values));
    let chars: Vec<u8> = values.iter().map(|&v| ALPHABET[v as usize]).collect();
    group_by_four(&chars)
}

/// The number a typed code names, checked: `data_chars` characters and the check character,
/// any case, spaces and dashes ignored, `I`/`L`/`O` read as `1`/`1`/`0`.
pub fn decode(text: &str, data_chars: usize) -> Result<u64, CodeError> {
    let mut values = Vec::with_capacity(data_chars + 1);
    for character in text
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
    {
        match value_of(character) {
            Some(v) => values.push(v),
            None => {
                return Err(CodeError::BadCharacter {
                    position: values.len() + 1,
                    character,
                });
            }
        }
    }
    if values.is_empty() {
        return Err(CodeError::Empty);
    }
    if values.len() != data_chars + 1 {
        return Err(CodeError::WrongLength {
            expected: data_chars + 1,
            found: values.len(),
        });
    }
    if interim(values.iter().copied()) != 0 {
        return Err(CodeError::WrongCheck);
    }
    Ok(values[..data_chars]
        .iter()
        .fold(0u64, |acc, &v| (acc << 5) | u64::from(v)))
}

/// A code as people write it: upper case, grouped by four. `None` for one that does not read.
pub fn normalise(text: &str, data_chars: usize) -> Option<String> {
    decode(text, data_chars)
        .ok()
        .map(|value| encode(value, data_chars))
}

/// The bits of a device's id its code carries: the lowest 35 of its random tail.
fn device_bits(device_id: Uuid) -> u64 {
    (device_id.as_u128() as u64) & ((1u64 << (5 * DEVICE_DATA_CHARS)) - 1)
}

/// The device's 登记码, e.g. `K7PQ-M3XZ`: what the health center is read at enrollment and
/// what new agreement numbers carry.
pub fn device_code(device_id: Uuid) -> String {
    encode(device_bits(device_id), DEVICE_DATA_CHARS)
}

/// Whether a typed device code names this device.
pub fn names_device(text: &str, device_id: Uuid) -> Result<bool, CodeError> {
    decode(text, DEVICE_DATA_CHARS).map(|bits| bits == device_bits(device_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<u64> {
        let mut v = vec![0, 1, 31, 32, (1 << 35) - 1, 0x5_5555_5555 & ((1 << 35) - 1)];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.push(x & ((1 << 35) - 1));
        }
        v
    }

    fn chars_of(code: &str) -> Vec<char> {
        code.chars().filter(|&c| c != '-').collect()
    }

    #[test]
    fn round_trips() {
        for value in samples() {
            let code = encode(value, DEVICE_DATA_CHARS);
            assert_eq!(code.len(), 9, "{code}: 4-4 with a dash");
            assert_eq!(&code[4..5], "-");
            assert_eq!(decode(&code, DEVICE_DATA_CHARS), Ok(value), "{code}");
        }
        for (value, chars) in [(0u64, 3), (12345, 5), (u64::MAX >> 4, 12)] {
            assert_eq!(decode(&encode(value, chars), chars), Ok(value));
        }
    }

    #[test]
    fn every_single_wrong_character_is_caught() {
        for value in samples() {
            let code = chars_of(&encode(value, DEVICE_DATA_CHARS));
            for position in 0..code.len() {
                for &wrong in ALPHABET {
                    let wrong = wrong as char;
                    if wrong == code[position] {
                        continue;
                    }
                    let mut typed = code.clone();
                    typed[position] = wrong;
                    let typed: String = typed.into_iter().collect();
                    assert_eq!(
                        decode(&typed, DEVICE_DATA_CHARS),
                        Err(CodeError::WrongCheck),
                        "{typed} differs from its code in one character"
                    );
                }
            }
        }
    }

    #[test]
    fn every_swap_of_neighbours_is_caught() {
        for value in samples() {
            let code = chars_of(&encode(value, DEVICE_DATA_CHARS));
            for i in 0..code.len() - 1 {
                if code[i] == code[i + 1] {
                    continue;
                }
                let mut typed = code.clone();
                typed.swap(i, i + 1);
                let typed: String = typed.into_iter().collect();
                assert_eq!(
                    decode(&typed, DEVICE_DATA_CHARS),
                    Err(CodeError::WrongCheck),
                    "{typed} swaps characters {i} and {}",
                    i + 1
                );
            }
        }
    }

    #[test]
    fn confusables_case_and_spacing_are_accepted() {
        // A code holding 0s and 1s, so the look-alike letters have something to stand for.
        let value = 0b00001_00000_00001_00000_10101_00001_00000;
        let code = encode(value, DEVICE_DATA_CHARS);
        assert!(code.contains('0') && code.contains('1'), "{code}");
        let confused: String = code
            .chars()
            .enumerate()
            .map(|(i, c)| match c {
                '0' => 'o',
                '1' if i % 2 == 0 => 'l',
                '1' => 'I',
                other => other.to_ascii_lowercase(),
            })
            .collect();
        for typed in [
            confused.clone(),
            confused.replace('-', " "),
            confused.replace('-', ""),
            format!(" {} ", confused.replace('-', "　")),
        ] {
            assert_eq!(decode(&typed, DEVICE_DATA_CHARS), Ok(value), "{typed}");
            assert_eq!(normalise(&typed, DEVICE_DATA_CHARS), Some(code.clone()));
        }
    }

    #[test]
    fn refusals_name_the_problem_in_chinese() {
        let code = encode(123_456, DEVICE_DATA_CHARS);
        let cases = [
            ("", CodeError::Empty, "请填写"),
            (
                "K7PU-M3XZ",
                CodeError::BadCharacter {
                    position: 4,
                    character: 'U',
                },
                "第 4 个字符",
            ),
            (
                &code[..7],
                CodeError::WrongLength {
                    expected: 8,
                    found: 6,
                },
                "应有 8 个字符",
            ),
        ];
        for (typed, error, words) in cases {
            let got = decode(typed, DEVICE_DATA_CHARS).unwrap_err();
            assert_eq!(got, error, "{typed:?}");
            assert!(
                got.message(Lang::Zh).contains(words),
                "{}",
                got.message(Lang::Zh)
            );
            assert!(!got.message(Lang::En).is_empty());
        }
        let mut wrong = chars_of(&code);
        wrong[7] = if wrong[7] == 'A' { 'B' } else { 'A' };
        let wrong: String = wrong.into_iter().collect();
        let got = decode(&wrong, DEVICE_DATA_CHARS).unwrap_err();
        assert_eq!(got, CodeError::WrongCheck);
        assert!(got.message(Lang::Zh).contains("校验位"));
    }

    #[test]
    fn a_device_code_names_its_device() {
        let device = Uuid::parse_str("01a24c70-7a5d-72a9-a677-1c8d41538de6").unwrap();
        let code = device_code(device);
        assert_eq!(code.len(), 9);
        assert_eq!(names_device(&code, device), Ok(true));
        assert_eq!(names_device(&code.to_lowercase(), device), Ok(true));
        let other = Uuid::parse_str("01a24c70-7a5d-72a9-a677-1c8d41538de7").unwrap();
        assert_eq!(names_device(&code, other), Ok(false));
        assert_ne!(device_code(other), code);
    }
}
