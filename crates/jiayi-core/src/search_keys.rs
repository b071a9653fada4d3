//! Keys that let a resident be found as the doctor types: Chinese characters of the name (one
//! and two at a time, because names of one or two characters are too short for trigrams), full
//! pinyin and pinyin initials (`zhangsan`, `zs` for 张三), and the digits of the ID number and
//! phone for prefix search.

use pinyin::{ToPinyin, ToPinyinMulti};

/// How a typed query is matched against the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// Chinese text: matched exactly against one- and two-character keys, then filtered.
    Chinese(String),
    /// Latin letters: a prefix of full pinyin or of the initials.
    Pinyin(String),
    /// Digits (and a final X): a prefix of an ID number or a phone number.
    Digits(String),
    Empty,
}

pub fn classify_query(input: &str) -> SearchQuery {
    let q: String = input.split_whitespace().collect::<String>();
    if q.is_empty() {
        return SearchQuery::Empty;
    }
    let folded: String = q
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            c => c,
        })
        .collect();
    if folded.chars().all(|c| c.is_ascii_digit() || c == 'X')
        && folded.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        return SearchQuery::Digits(folded);
    }
    if q.chars().all(|c| c.is_ascii_alphabetic()) {
        return SearchQuery::Pinyin(q.to_ascii_lowercase());
    }
    SearchQuery::Chinese(q.chars().filter(|c| !c.is_ascii_punctuation()).collect())
}

/// The keys of a name: its characters, its character pairs, and its pinyin spellings.
pub fn name_keys(name: &str) -> Vec<String> {
    let chars: Vec<char> = name
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '·')
        .collect();
    let mut keys: Vec<String> = Vec::new();
    for c in &chars {
        keys.push(c.to_string());
    }
    for pair in chars.windows(2) {
        keys.push(pair.iter().collect());
    }
    for spelling in pinyin_spellings(&chars) {
        keys.push(spelling.full);
        keys.push(spelling.initials);
    }
    keys.sort();
    keys.dedup();
    keys.retain(|k| !k.is_empty());
    keys
}

struct Spelling {
    full: String,
    initials: String,
}

/// Pinyin of a name. The surname's other readings are kept too (曾 zeng/ceng, 单 shan/dan),
/// because people type the one they say; other characters take their common reading.
fn pinyin_spellings(chars: &[char]) -> Vec<Spelling> {
    let Some(first) = chars.first() else {
        return Vec::new();
    };
    let mut first_readings: Vec<String> = match first.to_pinyin_multi() {
        Some(multi) => multi.into_iter().map(|p| p.plain().to_string()).collect(),
        None if first.is_ascii_alphabetic() => vec![first.to_ascii_lowercase().to_string()],
        None => Vec::new(),
    };
    first_readings.dedup();
    let mut rest_full = String::new();
    let mut rest_initials = String::new();
    for c in &chars[1..] {
        match c.to_pinyin() {
            Some(p) => {
                rest_full.push_str(p.plain());
                rest_initials.push_str(p.first_letter());
            }
            None if c.is_ascii_alphabetic() => {
                rest_full.push(c.to_ascii_lowercase());
                rest_initials.push(c.to_ascii_lowercase());
            }
            None => {}
        }
    }
    first_readings
        .into_iter()
        .take(3)
        .map(|reading| Spelling {
            initials: format!("{}{}", &reading[..1], rest_initials),
            full: format!("{reading}{rest_full}"),
        })
        .collect()
}

/// The upper bound of a prefix range over ASCII keys: "zs" covers ["zs", "zt").
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < 0x7f {
            bytes.push(last + 1);
            return String::from_utf8(bytes).unwrap_or_default();
        }
    }
    "\u{7f}".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_characters_pairs_and_pinyin() {
        let keys = name_keys("张三");
        for k in ["张", "三", "张三", "zhangsan", "zs"] {
            assert!(keys.contains(&k.to_string()), "{k} missing from {keys:?}");
        }
        let keys = name_keys("曾小红");
        assert!(keys.contains(&"zengxiaohong".to_string()), "{keys:?}");
        assert!(keys.contains(&"cengxiaohong".to_string()), "{keys:?}");
        assert!(keys.contains(&"小红".to_string()));
        let minority = name_keys("阿依古丽·买买提");
        assert!(minority.iter().all(|k| !k.contains('·')));
    }

    #[test]
    fn queries_are_classified() {
        let table = [
            ("张", SearchQuery::Chinese("张".into())),
            (" zs ", SearchQuery::Pinyin("zs".into())),
            ("ZhangSan", SearchQuery::Pinyin("zhangsan".into())),
            ("1408", SearchQuery::Digits("1408".into())),
            ("１３８", SearchQuery::Digits("138".into())),
            (
                "14082219580506131x",
                SearchQuery::Digits("14082219580506131X".into()),
            ),
            ("", SearchQuery::Empty),
        ];
        for (input, expected) in table {
            assert_eq!(classify_query(input), expected, "{input:?}");
        }
    }

    #[test]
    fn prefix_bounds() {
        assert_eq!(prefix_upper_bound("zs"), "zt");
        assert_eq!(prefix_upper_bound("1409"), "140:");
        assert!("zsa" < prefix_upper_bound("zs").as_str());
    }
}
