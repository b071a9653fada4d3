//! Villager groups (村民小组) in the order people count them: 一组, 二组 … 十组, 十一组, or
//! 1组, 2组 … 12组 — not in the order of their characters' codes, which puts 九组 before 二组.

/// The number a group's name starts with, written in digits or Chinese numerals up to 99
/// (一 … 九十九, 两, 〇/零 inside), if it starts with one.
pub fn group_number(name: &str) -> Option<u32> {
    let name = name.trim();
    let digits: String = name.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        return digits.parse().ok();
    }
    let numeral = |c: char| {
        Some(match c {
            '〇' | '零' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut chars = name.chars().peekable();
    let tens = match chars.peek().copied() {
        Some('十') => {
            chars.next();
            Some(1)
        }
        Some(c) => {
            let first = numeral(c)?;
            chars.next();
            if chars.peek() == Some(&'十') {
                chars.next();
                Some(first)
            } else {
                return Some(first);
            }
        }
        None => return None,
    };
    let units = chars.peek().copied().and_then(numeral).unwrap_or(0);
    tens.map(|t| t * 10 + units)
}

/// The key that sorts groups as people count them: numbered groups by their number, then the
/// others by name.
pub fn group_order(name: &str) -> (u32, &str) {
    (group_number(name).unwrap_or(u32::MAX), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_digits_and_chinese_numerals() {
        for (name, n) in [
            ("一组", Some(1)),
            ("二组", Some(2)),
            ("两组", Some(2)),
            ("九组", Some(9)),
            ("十组", Some(10)),
            ("十一组", Some(11)),
            ("二十组", Some(20)),
            ("二十三组", Some(23)),
            ("3组", Some(3)),
            ("12组", Some(12)),
            (" 4组", Some(4)),
            ("东组", None),
            ("", None),
        ] {
            assert_eq!(group_number(name), n, "{name}");
        }
    }

    #[test]
    fn groups_sort_as_counted() {
        let mut groups = vec!["十组", "九组", "二组", "东头", "十一组", "一组", "3组"];
        groups.sort_by_key(|g| group_order(g));
        assert_eq!(
            groups,
            ["一组", "二组", "3组", "九组", "十组", "十一组", "东头"]
        );
    }
}
