//! Keys that let a resident be found as the doctor types: Chinese characters of the name (one
//! and two at a time, because names of one or two characters are too short for trigrams), full
//! pinyin and pinyin initials (`zhangsan`, `zs` for 张三), and the digits of the ID number and
//! phone for prefix search.
//!
//! A name is spelled every way people say it: each reading of a polyphonic character
//! (`readings.rs`: 陈长生 is `chenchangsheng` and `chenzhangsheng`, a surname its surname way,
//! 单 `shan`), and ü written as `ü`, `v` and `u` (吕 `lü`, `lv`, `lu`), as pinyin keyboards and
//! ID card romanisation do.

mod readings;

use pinyin::ToPinyin;

/// The version of the key rules: a store whose keys were made by another version makes them
/// again, so residents saved before a rule changed are found by it too.
pub const KEYS_VERSION: u32 = 2;

/// At most this many spellings of one name, so a name of many polyphonic characters cannot
/// flood the index.
const MAX_SPELLINGS: usize = 16;

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
    if q.chars().all(is_pinyin_letter) {
        return SearchQuery::Pinyin(q.to_lowercase());
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

fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == 'ü' || c == 'Ü'
}

struct Spelling {
    full: String,
    initials: String,
}

/// The readings of one character of a name; the first character is read as a surname.
fn readings_of(c: char, is_surname: bool) -> Vec<String> {
    let table = if is_surname {
        readings::listed(readings::SURNAMES, c).or_else(|| readings::listed(readings::GIVEN, c))
    } else {
        readings::listed(readings::GIVEN, c)
    };
    if let Some(listed) = table {
        return listed.iter().map(|r| r.to_string()).collect();
    }
    match c.to_pinyin() {
        Some(p) => vec![p.plain().to_string()],
        None if c.is_ascii_alphabetic() => vec![c.to_ascii_lowercase().to_string()],
        None => Vec::new(),
    }
}

/// Every spelling of a name: one reading per character, each combination, capped.
fn pinyin_spellings(chars: &[char]) -> Vec<Spelling> {
    let mut spellings = vec![Spelling {
        full: String::new(),
        initials: String::new(),
    }];
    for (i, c) in chars.iter().enumerate() {
        let readings = readings_of(*c, i == 0);
        if readings.is_empty() {
            continue;
        }
        let mut next = Vec::new();
        for s in &spellings {
            for r in &readings {
                if next.len() == MAX_SPELLINGS {
                    break;
                }
                next.push(Spelling {
                    full: format!("{}{r}", s.full),
                    initials: format!("{}{}", s.initials, r.chars().next().unwrap_or_default()),
                });
            }
        }
        spellings = next;
    }
    // ü as typed on a pinyin keyboard (v), on an ID card (u), and as written (ü).
    let mut all = Vec::with_capacity(spellings.len() * 3);
    for s in spellings {
        if s.full.contains('ü') {
            for typed in ["v", "u"] {
                all.push(Spelling {
                    full: s.full.replace('ü', typed),
                    initials: s.initials.clone(),
                });
            }
        }
        all.push(s);
    }
    all
}

/// The upper bound of a prefix range: "zs" covers ["zs", "zt"), "lü" ["lü", "lý"). Keys
/// compare as UTF-8 bytes, which order as code points do.
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    char::MAX.to_string()
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
    fn u_umlaut_is_spelled_three_ways() {
        for name in ["吕秀兰", "绿叶", "女娃"] {
            let keys = name_keys(name);
            let umlaut = keys.iter().find(|k| k.contains('ü')).expect(name);
            for typed in ["v", "u"] {
                let variant = umlaut.replace('ü', typed);
                assert!(keys.contains(&variant), "{variant} missing from {keys:?}");
            }
        }
        let keys = name_keys("吕秀兰");
        for k in ["lüxiulan", "lvxiulan", "luxiulan", "lxl"] {
            assert!(keys.contains(&k.to_string()), "{k} missing from {keys:?}");
        }
        for name in ["张律", "李旅", "王略", "赵虑", "孙驴"] {
            let keys = name_keys(name);
            assert!(keys.iter().any(|k| k.contains('v')), "{name}: {keys:?}");
        }
    }

    #[test]
    fn polyphones_are_spelled_each_way() {
        let cases = [
            (
                "陈长生",
                &["chenchangsheng", "chenzhangsheng", "ccs", "czs"][..],
            ),
            ("李重阳", &["lizhongyang", "lichongyang"]),
            ("王都", &["wangdu", "wangdou"]),
            ("张乐", &["zhangle", "zhangyue"]),
            ("刘行", &["liuxing", "liuhang"]),
            ("周朝阳", &["zhouchaoyang", "zhouzhaoyang"]),
            ("单田芳", &["shantianfang", "stf"]),
            ("曾小红", &["zengxiaohong", "cengxiaohong"]),
            ("解缙", &["xiejin"]),
            ("仇英", &["qiuying"]),
            ("区伟", &["ouwei"]),
            ("朴树", &["piaoshu"]),
            ("查良镛", &["zhaliangyong"]),
            ("翟志刚", &["zhaizhigang"]),
            ("盖聂", &["genie"]),
            ("覃晓", &["qinxiao"]),
            ("乐嘉", &["yuejia"]),
        ];
        for (name, wanted) in cases {
            let keys = name_keys(name);
            for k in wanted {
                assert!(
                    keys.contains(&k.to_string()),
                    "{name}: {k} missing from {keys:?}"
                );
            }
        }
        // Readings multiply, but never past the cap.
        let keys = name_keys("长重都乐行朝");
        assert!(keys.iter().filter(|k| k.len() > 6).count() <= MAX_SPELLINGS);
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
            ("LÜxiu", SearchQuery::Pinyin("lüxiu".into())),
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
        let upper = prefix_upper_bound("lü");
        assert!("lüxiulan" < upper.as_str() && "lüxiulan" > "lü");
        assert!("lvxiulan" < "lü" && "lüxiulan" < "m");
    }
}
