//! How the devices of one village share its serial range of health-record numbers without
//! a network: the township hands each device its own block of the range, and a device issues
//! only from its block. Two laptops in one village (the village doctor's and a team member's)
//! can then never issue the same number offline.
//!
//! A device asks for a new block when the one it holds runs low ([`is_running_low`]); the
//! township gives the next free part of the range ([`next_block`]). Blocks are never taken
//! back or given to another device, so a number a device issued stays its own even if its
//! records reach the township late.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::record_number::SerialRange;

/// Serials in a device's block unless the township chose another size: enough for a doctor
/// to register a village's newcomers for months between syncs, small enough that a range of
/// a few thousand serves several devices.
pub const DEFAULT_BLOCK_SIZE: u32 = 500;

/// The request header a device states its blocks running low in: `village:first`, comma
/// separated.
pub const BLOCKS_RUNNING_LOW_HEADER: &str = "x-jiayi-record-blocks-low";

/// The least a block may hold.
pub const MIN_BLOCK_SIZE: u32 = 10;

/// One block of a village's range, handed to one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceBlock {
    pub device_id: Uuid,
    pub first: u32,
    pub last: u32,
}

impl DeviceBlock {
    pub fn serials(&self) -> SerialRange {
        SerialRange {
            first: self.first,
            last: self.last,
        }
    }
}

/// A device's word that its block of a village starting at `first` runs low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRunningLow {
    pub village_id: Uuid,
    pub first: u32,
}

impl BlockRunningLow {
    /// `village:first`, as a request header carries it.
    pub fn to_text(&self) -> String {
        format!("{}:{}", self.village_id, self.first)
    }

    /// The inverse of [`BlockRunningLow::to_text`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<BlockRunningLow> {
        let (village, first) = text.trim().split_once(':')?;
        Some(BlockRunningLow {
            village_id: Uuid::parse_str(village).ok()?,
            first: first.parse().ok()?,
        })
    }
}

/// The header value for `words` (empty when there are none).
pub fn header_value(words: &[BlockRunningLow]) -> String {
    words
        .iter()
        .map(BlockRunningLow::to_text)
        .collect::<Vec<_>>()
        .join(",")
}

/// The words of a header value; parts that do not read are ignored (they only ask).
pub fn parse_header(value: &str) -> Vec<BlockRunningLow> {
    value
        .split(',')
        .filter_map(BlockRunningLow::parse)
        .collect()
}

/// Whether a block with `used` of its serials issued should be followed by a new one: when a
/// fifth or less is left (at least one serial).
pub fn is_running_low(block: SerialRange, used: u32) -> bool {
    let size = block.size();
    let left = size.saturating_sub(used);
    left <= (size / 5).max(1)
}

/// The next block of `size` serials in `range` that overlaps none of `given`: the lowest
/// free stretch long enough, else the longest free stretch left, else `None` (the range is
/// all given out).
pub fn next_block(range: SerialRange, given: &[SerialRange], size: u32) -> Option<SerialRange> {
    let size = size.max(MIN_BLOCK_SIZE);
    let mut taken: Vec<SerialRange> = given
        .iter()
        .filter(|b| b.last >= range.first && b.first <= range.last)
        .copied()
        .collect();
    taken.sort_by_key(|b| b.first);
    let mut gaps = Vec::new();
    let mut next = range.first;
    for b in &taken {
        if b.first > next {
            gaps.push(SerialRange {
                first: next,
                last: b.first - 1,
            });
        }
        next = next.max(b.last.saturating_add(1));
    }
    if next <= range.last {
        gaps.push(SerialRange {
            first: next,
            last: range.last,
        });
    }
    if let Some(gap) = gaps.iter().find(|g| g.size() >= size) {
        return Some(SerialRange {
            first: gap.first,
            last: gap.first + size - 1,
        });
    }
    gaps.into_iter()
        .max_by_key(|g| (g.size(), std::cmp::Reverse(g.first)))
}

/// What a device holds of a village's range after asking: its newest block inside `range`,
/// or a new one when it has none there, or when it said its newest runs low. Returns the
/// block it holds and whether that block is new (to be kept by the township).
pub fn block_for_device(
    range: SerialRange,
    blocks: &[DeviceBlock],
    device_id: Uuid,
    running_low_from: Option<u32>,
    size: u32,
) -> Option<(SerialRange, bool)> {
    let newest = blocks
        .iter()
        .rfind(|b| b.device_id == device_id && range.contains(b.first) && range.contains(b.last))
        .map(DeviceBlock::serials);
    // A repeated word about an older block (its answer was lost) is not a new need.
    let wants_new = match newest {
        None => true,
        Some(b) => running_low_from == Some(b.first),
    };
    if !wants_new {
        return newest.map(|b| (b, false));
    }
    let given: Vec<SerialRange> = blocks.iter().map(DeviceBlock::serials).collect();
    match next_block(range, &given, size) {
        Some(b) => Some((b, true)),
        // Nothing left to give: the device keeps issuing from what it has.
        None => newest.map(|b| (b, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Uuid = Uuid::from_u128(0xa);
    const B: Uuid = Uuid::from_u128(0xb);

    fn r(first: u32, last: u32) -> SerialRange {
        SerialRange { first, last }
    }

    fn block(device_id: Uuid, first: u32, last: u32) -> DeviceBlock {
        DeviceBlock {
            device_id,
            first,
            last,
        }
    }

    #[test]
    fn a_block_runs_low_when_a_fifth_or_less_is_left() {
        let cases = [
            (r(1, 500), 0, false),
            (r(1, 500), 399, false),
            (r(1, 500), 400, true),
            (r(1, 500), 500, true),
            (r(1, 500), 900, true),
            (r(1, 3), 1, false),
            (r(1, 3), 2, true),
            (r(7, 7), 0, true),
        ];
        for (block, used, low) in cases {
            assert_eq!(is_running_low(block, used), low, "{block:?} used {used}");
        }
    }

    #[test]
    fn the_next_block_is_the_lowest_free_stretch_long_enough() {
        let cases: &[(SerialRange, &[SerialRange], u32, Option<SerialRange>)] = &[
            (r(1, 2000), &[], 500, Some(r(1, 500))),
            (r(1, 2000), &[r(1, 500)], 500, Some(r(501, 1000))),
            (
                r(1, 2000),
                &[r(501, 1000), r(1, 500)],
                500,
                Some(r(1001, 1500)),
            ),
            // a stretch too short is passed over for a long enough one further on
            (r(1, 2000), &[r(100, 500)], 500, Some(r(501, 1000))),
            // nothing long enough: the longest stretch left, the lowest of equals
            (r(1, 1000), &[r(101, 900)], 500, Some(r(1, 100))),
            (r(1, 1000), &[r(51, 900)], 500, Some(r(901, 1000))),
            (r(1, 1000), &[r(1, 1000)], 500, None),
            // blocks outside the range do not count, those across its edge do
            (
                r(1001, 3000),
                &[r(1, 1000), r(900, 1100)],
                500,
                Some(r(1101, 1600)),
            ),
            // a size below the least is raised to it
            (r(1, 100), &[], 1, Some(r(1, 10))),
            (r(99_990, 99_999), &[], 500, Some(r(99_990, 99_999))),
        ];
        for (range, given, size, want) in cases {
            assert_eq!(
                next_block(*range, given, *size),
                *want,
                "{range:?} {given:?}"
            );
        }
    }

    #[test]
    fn two_devices_never_hold_the_same_serial() {
        let range = r(1, 2000);
        let mut blocks = Vec::new();
        for device in [A, B, A, B, A] {
            let low = blocks
                .iter()
                .rfind(|b: &&DeviceBlock| b.device_id == device)
                .map(|b| b.first);
            let (got, new) = block_for_device(range, &blocks, device, low, 500).unwrap();
            if new {
                blocks.push(block(device, got.first, got.last));
            } else {
                assert_eq!(Some(got.first), low, "nothing left: it keeps its newest");
            }
        }
        for (i, x) in blocks.iter().enumerate() {
            for y in &blocks[i + 1..] {
                assert!(x.last < y.first || y.last < x.first, "{x:?} meets {y:?}");
            }
        }
        assert_eq!(blocks.len(), 4, "the fifth ask found the range given out");
    }

    #[test]
    fn a_device_keeps_its_block_until_it_says_it_runs_low() {
        let range = r(1, 2000);
        let blocks = [block(A, 1, 500), block(B, 501, 1000)];
        assert_eq!(
            block_for_device(range, &blocks, A, None, 500),
            Some((r(1, 500), false))
        );
        assert_eq!(
            block_for_device(range, &blocks, A, Some(1), 500),
            Some((r(1001, 1500), true))
        );
        // word about a block that is not its newest: the answer to it was lost, nothing new
        let later = [block(A, 1, 500), block(B, 501, 1000), block(A, 1001, 1500)];
        assert_eq!(
            block_for_device(range, &later, A, Some(1), 500),
            Some((r(1001, 1500), false))
        );
        // a device new to the village gets its first block
        assert_eq!(
            block_for_device(range, &later, Uuid::from_u128(0xc), None, 500),
            Some((r(1501, 2000), true))
        );
    }

    #[test]
    fn a_block_outside_a_changed_range_is_replaced() {
        let blocks = [block(A, 1, 500)];
        assert_eq!(
            block_for_device(r(1001, 5000), &blocks, A, None, 500),
            Some((r(1001, 1500), true))
        );
    }

    #[test]
    fn with_the_range_given_out_a_device_keeps_what_it_has() {
        let blocks = [block(A, 1, 50), block(B, 51, 100)];
        assert_eq!(
            block_for_device(r(1, 100), &blocks, A, Some(1), 50),
            Some((r(1, 50), false))
        );
        assert_eq!(
            block_for_device(r(1, 100), &blocks, Uuid::from_u128(0xc), None, 50),
            None
        );
    }

    #[test]
    fn the_word_reads_back() {
        let w = BlockRunningLow {
            village_id: A,
            first: 1001,
        };
        assert_eq!(BlockRunningLow::parse(&w.to_text()), Some(w));
        let v = BlockRunningLow {
            village_id: B,
            first: 1,
        };
        assert_eq!(parse_header(&header_value(&[w, v])), vec![w, v]);
        assert_eq!(parse_header(&format!("junk,{}", v.to_text())), vec![v]);
        assert_eq!(parse_header(""), vec![]);
        for bad in [
            "",
            "x:1",
            &format!("{A}"),
            &format!("{A}:-1"),
            &format!("{A}:a"),
        ] {
            assert_eq!(BlockRunningLow::parse(bad), None, "{bad}");
        }
    }
}
