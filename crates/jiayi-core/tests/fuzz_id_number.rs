//! Property fuzzing of the resident ID parser: hostile input never panics, and whatever is
//! accepted is a valid 18-character number that parses again to itself.
//!
//! `JIAYI_FUZZ_CASES` sets the number of cases per property (default 3,000); see
//! `docs/security-testing.md` for runs at scale.

use chrono::NaiveDate;
use jiayi_core::id_number::{IdNumber, check_character, compose};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("JIAYI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(3_000)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

/// Whatever the parser accepts must be a well-formed number that survives a second parse and
/// serde, and whose accessors do not panic.
fn check_accepted(input: &str) {
    let Ok(id) = IdNumber::parse(input, today()) else {
        return;
    };
    let s = id.as_str();
    assert_eq!(s.len(), 18, "accepted {input:?} as {s:?}");
    assert!(s[..17].bytes().all(|b| b.is_ascii_digit()), "{s:?}");
    assert_eq!(s.chars().last(), Some(check_character(&s[..17])), "{s:?}");
    let again = IdNumber::parse(s, today()).expect("an accepted number parses again");
    assert_eq!(again, id);
    assert!(id.birth_date() <= today());
    let _ = (id.sex(), id.masked(), id.region_code());
    let json = serde_json::to_string(&id).expect("serialise");
    let back: IdNumber = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, id);
}

const REGIONS: [&str; 7] = [
    "110105", "310104", "440305", "510107", "530102", "650102", "820000",
];

/// A number to mutate: well-formed, and valid unless its region is the unknown `999999`.
fn valid_number() -> impl Strategy<Value = String> {
    let mut regions = REGIONS.to_vec();
    regions.push("999999");
    number_in(regions)
}

fn number_in(regions: Vec<&'static str>) -> impl Strategy<Value = String> {
    (prop::sample::select(regions), 0u64..(120 * 366), 0u16..1000).prop_map(
        |(region, days, seq)| {
            let birth =
                NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") + chrono::Days::new(days);
            compose(region, birth.min(today()), seq)
        },
    )
}

/// Characters a person or a hostile file might put into the field.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('0', '9'),
        2 => prop::char::range('０', '９'),
        1 => prop::sample::select(vec![
            'X', 'x', 'ｘ', 'Ｘ', ' ', '\u{3000}', '\t', '-', '\n', '\0', '零', '一', '٣', '߃',
            '𝟘', '\u{200b}', '\u{feff}', 'é', 'Ⅸ', '\u{10ffff}',
        ]),
        1 => any::<char>(),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Insert(usize, char),
    Remove(usize),
    Swap(usize, usize),
    FullWidth(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), nasty_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
        (any::<usize>(), nasty_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::Swap(i, j)),
        any::<usize>().prop_map(Edit::FullWidth),
    ]
}

fn apply(number: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = number.chars().collect();
    for e in edits {
        let n = chars.len();
        match *e {
            Edit::Replace(i, c) if n > 0 => chars[i % n] = c,
            Edit::Insert(i, c) => chars.insert(i % (n + 1), c),
            Edit::Remove(i) if n > 0 => {
                chars.remove(i % n);
            }
            Edit::Swap(i, j) if n > 0 => chars.swap(i % n, j % n),
            Edit::FullWidth(i) if n > 0 => {
                let c = chars[i % n];
                if let Some(d) = c.to_digit(10) {
                    chars[i % n] = char::from_u32('０' as u32 + d).unwrap_or(c);
                }
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        check_accepted(&input);
    }

    #[test]
    fn strings_of_id_characters_never_panic(input in prop::collection::vec(nasty_char(), 0..24)) {
        let s: String = input.into_iter().collect();
        check_accepted(&s);
    }

    #[test]
    fn mutated_valid_numbers_never_panic(number in valid_number(), edits in prop::collection::vec(edit(), 1..5)) {
        check_accepted(&apply(&number, &edits));
    }

    #[test]
    fn numbers_of_15_to_19_digits_never_panic(
        digits in prop::collection::vec(prop::char::range('0', '9'), 15..=19),
        tail in prop::option::of(prop::sample::select(vec!['X', 'x', 'Ｘ', '0'])),
    ) {
        let mut s: String = digits.into_iter().collect();
        if let Some(t) = tail {
            s.pop();
            s.push(t);
        }
        check_accepted(&s);
    }

    #[test]
    fn every_valid_number_is_accepted_in_any_typed_form(number in number_in(REGIONS.to_vec()), spaced in any::<bool>(), wide in any::<bool>()) {
        let typed: String = number
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let c = match c.to_digit(10) {
                    Some(d) if wide => char::from_u32('０' as u32 + d).unwrap_or(c),
                    _ if c == 'X' && wide => 'ｘ',
                    _ => c,
                };
                if spaced && (i == 6 || i == 14) { vec![' ', c] } else { vec![c] }
            })
            .collect();
        let id = IdNumber::parse(&typed, today());
        prop_assert!(id.is_ok(), "{typed:?}: {id:?}");
        prop_assert_eq!(id.map(|i| i.as_str().to_string()).unwrap_or_default(), number);
    }

    #[test]
    fn legacy_numbers_convert_to_valid_18_character_ones(
        region in prop::sample::select(vec!["110105", "310104", "440305", "650102"]),
        days in 0u64..(99 * 365),
        seq in 0u16..1000,
    ) {
        let birth = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") + chrono::Days::new(days);
        let number = compose(region, birth, seq);
        let legacy = format!("{}{}", &number[..6], &number[8..17]);
        let id = IdNumber::parse(&legacy, today());
        prop_assert_eq!(id.map(|i| i.as_str().to_string()), Ok(number));
        check_accepted(&legacy);
    }
}
