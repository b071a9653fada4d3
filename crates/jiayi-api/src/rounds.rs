//! The work list by household: a door-to-door day visits households, not items, so what every
//! member of a household is owed is put together, the most urgent first, and the households
//! come in the order a round takes them.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiayi_core::schedule::DueStatus;
use jiayi_core::villager_group::group_order;
use jiayi_store::{DueEntry, HouseholdLine};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One household's stop on a round: everything its members are owed on the day.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdRound {
    pub household_id: Uuid,
    /// The head's name (户主), or the first member owed something when there is no head.
    pub head: String,
    pub village_id: Uuid,
    pub village: String,
    /// Villager group (村民小组).
    pub group: String,
    pub address: String,
    pub overdue: usize,
    pub due: usize,
    pub upcoming: usize,
    /// Overdue first, then due, then upcoming; by deadline within each.
    pub items: Vec<DueEntry>,
}

impl HouseholdRound {
    /// Where the household stands: its most urgent item's status, then that item's deadline.
    fn urgency(&self) -> (u8, NaiveDate) {
        self.items.first().map_or((u8::MAX, NaiveDate::MAX), |i| {
            (i.item.status.urgency(), i.item.due_by)
        })
    }
}

/// Groups the items by household. Households with something overdue come first, then those
/// with something due, then those with only upcoming items; within each, by village, group
/// (as counted: 二组 before 十组) and address (so one group's households are visited together), then by the most urgent
/// deadline.
pub fn household_rounds<'a>(
    entries: impl IntoIterator<Item = &'a DueEntry>,
    lines: &HashMap<Uuid, HouseholdLine>,
) -> Vec<HouseholdRound> {
    let mut by_household: HashMap<Uuid, HouseholdRound> = HashMap::new();
    for entry in entries {
        let round = by_household.entry(entry.household_id).or_insert_with(|| {
            let line = lines.get(&entry.household_id);
            HouseholdRound {
                household_id: entry.household_id,
                head: line
                    .map(|l| l.head.clone())
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| entry.resident_name.clone()),
                village_id: entry.village_id,
                village: entry.village.clone(),
                group: line.map(|l| l.group.clone()).unwrap_or_default(),
                address: line.map(|l| l.address.clone()).unwrap_or_default(),
                overdue: 0,
                due: 0,
                upcoming: 0,
                items: Vec::new(),
            }
        });
        match entry.item.status {
            DueStatus::Overdue => round.overdue += 1,
            DueStatus::Due => round.due += 1,
            DueStatus::Upcoming => round.upcoming += 1,
        }
        round.items.push(entry.clone());
    }
    let mut rounds: Vec<HouseholdRound> = by_household.into_values().collect();
    for round in &mut rounds {
        round.items.sort_by(|a, b| {
            (
                a.item.status.urgency(),
                a.item.due_by,
                &a.resident_name,
                &a.item_name,
            )
                .cmp(&(
                    b.item.status.urgency(),
                    b.item.due_by,
                    &b.resident_name,
                    &b.item_name,
                ))
        });
    }
    rounds.sort_by(|a, b| {
        let (rank_a, day_a) = a.urgency();
        let (rank_b, day_b) = b.urgency();
        (
            rank_a,
            &a.village,
            group_order(&a.group),
            &a.address,
            day_a,
            &a.head,
            a.household_id,
        )
            .cmp(&(
                rank_b,
                &b.village,
                group_order(&b.group),
                &b.address,
                day_b,
                &b.head,
                b.household_id,
            ))
    });
    rounds
}

#[cfg(test)]
mod tests {
    use jiayi_core::schedule::DueItem;
    use jiayi_core::schedule::window::Anchor;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn entry(household: u128, name: &str, status: DueStatus, due_by: u32) -> DueEntry {
        DueEntry {
            item: DueItem {
                contract_id: Uuid::from_u128(900 + household),
                resident_id: Uuid::from_u128(household * 10),
                package_code: "basic_general".into(),
                item_code: format!("item-{due_by}"),
                status,
                occurrence: 1,
                times_per_year: 1,
                delivered: 0,
                missed: 0,
                opens_on: day(1),
                due_by: day(due_by),
                anchor: Anchor::Term,
                anchored_on: None,
            },
            resident_name: name.into(),
            household_id: Uuid::from_u128(household),
            village_id: Uuid::from_u128(1),
            village: "东庄村".into(),
            package_name: "基础包".into(),
            item_name: format!("项目{due_by}"),
        }
    }

    fn line(group: &str, head: &str) -> HouseholdLine {
        HouseholdLine {
            group: group.into(),
            address: format!("东庄村{group}"),
            head: head.into(),
        }
    }

    #[test]
    fn households_come_overdue_first_then_by_group_with_their_items_together() {
        use DueStatus::*;
        let entries = vec![
            entry(1, "张一", Due, 20),
            entry(2, "李二", Upcoming, 25),
            entry(3, "王三", Due, 10),
            entry(1, "张一妻", Overdue, 2),
            entry(4, "赵四", Due, 5),
            entry(1, "张一", Upcoming, 28),
            entry(5, "钱五", Due, 3),
        ];
        let lines = HashMap::from([
            (Uuid::from_u128(1), line("二组", "张一")),
            (Uuid::from_u128(2), line("一组", "李二")),
            (Uuid::from_u128(3), line("一组", "王三")),
            (Uuid::from_u128(4), line("二组", "")),
            (Uuid::from_u128(5), line("三组", "钱五")),
        ]);
        let rounds = household_rounds(&entries, &lines);
        let order: Vec<&str> = rounds.iter().map(|r| r.head.as_str()).collect();
        // 张一 has something overdue; then the households with something due, 一组 before
        // 二组 before 三组 (though 钱五's deadline is the soonest, and 三 sorts before 二 by
        // character code); 李二 has only an upcoming
        // item. 赵四's household has no head on the register: it is named by its member.
        assert_eq!(order, ["张一", "王三", "赵四", "钱五", "李二"]);
        let first = &rounds[0];
        assert_eq!((first.overdue, first.due, first.upcoming), (1, 1, 1));
        let statuses: Vec<DueStatus> = first.items.iter().map(|i| i.item.status).collect();
        assert_eq!(statuses, [Overdue, Due, Upcoming]);
        assert_eq!(first.group, "二组");
    }
}
