//! The home screen's work list: what is due, which contracts renewed by themselves lately or end
//! soon, who is not signed yet.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use jiayi_core::person::PopulationGroup;
use jiayi_core::schedule::{DueStatus, RENEWAL_REMINDER_DAYS, UPCOMING_DAYS};
use jiayi_core::year::groups::{GroupPeriod, resident_groups_on};
use jiayi_core::year::membership::{MembershipEvent, member_on};
use jiayi_core::year::renewal::{ending_within, renewed_within};
use jiayi_store::{ContractRecord, DueEntry, HouseholdLine, WriteMark};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::rounds::{HouseholdRound, household_rounds};
use crate::{Api, ApiResult, Lang};

/// Groups signed first (优先签约): the elderly, the chronic, and the families policy says must
/// all be covered.
pub const PRIORITY_GROUPS: [PopulationGroup; 5] = [
    PopulationGroup::Elderly65,
    PopulationGroup::Hypertension,
    PopulationGroup::Diabetes,
    PopulationGroup::PovertyRegistered,
    PopulationGroup::FamilyPlanningSpecial,
];

/// Why a contract is on the renewal list.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenewalKind {
    /// It renewed by itself in the last 30 days (视为自动续约).
    Renewed,
    /// Its term in force ends in the next 30 days.
    Ending,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RenewalEntry {
    pub kind: RenewalKind,
    pub contract_id: Uuid,
    pub agreement_number: String,
    pub household_id: Uuid,
    pub representative: String,
    pub village_id: Uuid,
    pub village: String,
    /// The term in force: its first day, its last day, and which renewal it is (0 = signed).
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub renewal: u32,
    /// The last day covered in this term (before `term_end` when a termination takes effect).
    pub last_day: NaiveDate,
    /// Whether the next term follows by itself after `last_day`.
    pub renews: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UnsignedEntry {
    pub resident_id: Uuid,
    pub name: String,
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub village: String,
    pub groups: Vec<PopulationGroup>,
}

/// A village the work list can be narrowed to, with how much work waits there.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VillageWork {
    pub id: Uuid,
    pub name: String,
    pub due: usize,
    pub overdue: usize,
    pub renewals: usize,
    pub unsigned_priority: usize,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct WorkList {
    pub day: NaiveDate,
    /// The village the lists are narrowed to, if any.
    pub village_id: Option<Uuid>,
    pub overdue_count: usize,
    pub due_count: usize,
    /// Items whose window opens within the next 14 days (`UPCOMING_DAYS`).
    pub upcoming_count: usize,
    /// The most urgent items: overdue first, then by deadline; at most `limit` of them.
    pub due: Vec<DueEntry>,
    /// Households with something overdue, due or upcoming, each with all its members' items:
    /// a round's stops, most urgent first, a village's groups together; at most `limit`.
    pub households: Vec<HouseholdRound>,
    pub household_count: usize,
    pub renewal_count: usize,
    /// Contracts whose term ends within 30 days (soonest first), then those that renewed by
    /// themselves in the last 30 days (latest first); at most `limit` of them.
    pub renewals: Vec<RenewalEntry>,
    pub unsigned_priority_count: usize,
    /// The first of them (the list can be long in a new township).
    pub unsigned_priority: Vec<UnsignedEntry>,
    /// Every village with work waiting, for the village selector.
    pub villages: Vec<VillageWork>,
}

/// What the work list is asked for: a day, one village or all, and how many rows per list.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct WorkListQuery {
    pub day: Option<NaiveDate>,
    pub village_id: Option<Uuid>,
    /// Rows per list; `None` means [`ROWS_SHOWN`].
    pub limit: Option<usize>,
}

/// The township's work on one day before it is narrowed to a village and cut to rows: the
/// costly part of a work list, kept by the API until the store is written to.
pub(crate) struct TownshipWork {
    /// Every item owed, in the order the schedule gives them (a round keeps it).
    due: Vec<DueEntry>,
    /// Endings soonest first, then renewals latest first.
    renewals: Vec<RenewalEntry>,
    unsigned: Vec<UnsignedEntry>,
    villages: Vec<VillageWork>,
    lines: HashMap<Uuid, HouseholdLine>,
}

/// What a [`TownshipWork`] was read at: it stands while none of these moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WorkKey {
    mark: WriteMark,
    day: NaiveDate,
    lang: Lang,
}

/// The work list last read, kept in the API (one per connection).
pub(crate) type WorkMemo = RefCell<Option<(WorkKey, Arc<TownshipWork>)>>;

/// A township has thousands of due items; the screen shows the most urgent, the counts show all.
pub const ROWS_SHOWN: usize = 100;

impl Api {
    /// The work list of every village on `day` (today when `None`).
    pub fn work_list(&self, day: Option<NaiveDate>) -> ApiResult<WorkList> {
        self.work_list_for(&WorkListQuery {
            day,
            ..WorkListQuery::default()
        })
    }

    /// The work list as asked: narrowed to a village, cut to the most urgent rows.
    pub fn work_list_for(&self, query: &WorkListQuery) -> ApiResult<WorkList> {
        let day = query.day.unwrap_or(self.today());
        let limit = query.limit.unwrap_or(ROWS_SHOWN);
        let work = self.township_work(day)?;
        let in_village = |village: Uuid| query.village_id.is_none_or(|v| v == village);
        let mut due: Vec<&DueEntry> = work
            .due
            .iter()
            .filter(|d| in_village(d.village_id))
            .collect();
        let renewals: Vec<&RenewalEntry> = work
            .renewals
            .iter()
            .filter(|r| in_village(r.village_id))
            .collect();
        let unsigned: Vec<&UnsignedEntry> = work
            .unsigned
            .iter()
            .filter(|u| in_village(u.village_id))
            .collect();
        let mut households = household_rounds(due.iter().copied(), &work.lines);
        let household_count = households.len();
        households.truncate(limit);
        let count = |status: DueStatus| due.iter().filter(|d| d.item.status == status).count();
        let (overdue_count, due_count, upcoming_count) = (
            count(DueStatus::Overdue),
            count(DueStatus::Due),
            count(DueStatus::Upcoming),
        );
        due.retain(|d| d.item.status != DueStatus::Upcoming);
        // Overdue first, then by deadline, then by name so the order is the same every time.
        due.sort_by(|a, b| {
            let rank = |d: &DueEntry| u8::from(d.item.status != DueStatus::Overdue);
            (
                rank(a),
                a.item.due_by,
                &a.village,
                &a.resident_name,
                &a.item_name,
            )
                .cmp(&(
                    rank(b),
                    b.item.due_by,
                    &b.village,
                    &b.resident_name,
                    &b.item_name,
                ))
        });
        Ok(WorkList {
            day,
            village_id: query.village_id,
            overdue_count,
            due_count,
            upcoming_count,
            due: due.into_iter().take(limit).cloned().collect(),
            households,
            household_count,
            renewal_count: renewals.len(),
            renewals: renewals.into_iter().take(limit).cloned().collect(),
            unsigned_priority_count: unsigned.len(),
            unsigned_priority: unsigned.into_iter().take(limit).cloned().collect(),
            villages: work.villages.clone(),
        })
    }

    /// Reads today's work list ahead of the screen asking for it (just after an unlock, while
    /// the window is still starting): the screen then finds it read.
    pub fn prepare_work_list(&self) -> ApiResult<()> {
        self.township_work(self.today()).map(|_| ())
    }

    /// The township's work on `day`, read again only when the store has been written to since
    /// it was last read (by this connection or any other), or the day or language changed.
    fn township_work(&self, day: NaiveDate) -> ApiResult<Arc<TownshipWork>> {
        let key = WorkKey {
            mark: self.store.write_mark().map_err(|e| self.fail(e))?,
            day,
            lang: self.lang,
        };
        if let Some((read_at, work)) = &*self.work_memo.borrow()
            && *read_at == key
        {
            return Ok(work.clone());
        }
        let work = Arc::new(self.read_township_work(day)?);
        *self.work_memo.borrow_mut() = Some((key, work.clone()));
        Ok(work)
    }

    /// Every village's work on `day`: the items owed, the renewals, who is not signed yet.
    fn read_township_work(&self, day: NaiveDate) -> ApiResult<TownshipWork> {
        // Every contract, read once: for the year's coverage, for planning and for renewals.
        let contracts = self.store.all_contracts().map_err(|e| self.fail(e))?;
        // Who the year's records say each touched contract covers: read once, for planning the
        // items and for finding who is not covered.
        let by_year = self
            .store
            .coverage_by_year_among(day, &contracts)
            .map_err(|e| self.fail(e))?;
        let due = self
            .store
            .work_among(day, UPCOMING_DAYS, &by_year, &contracts)
            .map_err(|e| self.fail(e))?;
        let shown = self.store.shown_villages().map_err(|e| self.fail(e))?;
        let mut covered: HashSet<Uuid> = HashSet::new();
        let mut renewals = Vec::new();
        for record in &contracts {
            let Some(in_force) = record.term_on(day) else {
                continue;
            };
            match by_year.get(&record.contract.id) {
                Some(year) => covered.extend(year.iter().map(|m| m.resident_id)),
                None => covered.extend(record.contract.members.iter().map(|m| m.resident_id)),
            }
            let (c, events) = (&record.contract, &record.events);
            let listed = match ending_within(c, events, day, RENEWAL_REMINDER_DAYS) {
                Some(ending) => Some((RenewalKind::Ending, ending.renews)),
                None => renewed_within(c, events, day, RENEWAL_REMINDER_DAYS)
                    .map(|_| (RenewalKind::Renewed, true)),
            };
            if let Some((kind, renews)) = listed {
                let (representative, village_id, village) = self.named(record)?;
                if shown.as_ref().is_some_and(|v| !v.contains(&village_id)) {
                    continue; // moved to a village another device serves
                }
                renewals.push(RenewalEntry {
                    kind,
                    contract_id: c.id,
                    agreement_number: c.agreement_number.clone(),
                    household_id: c.household_id,
                    representative,
                    village_id,
                    village,
                    term_start: in_force.term.start,
                    term_end: in_force.term.end,
                    renewal: in_force.renewal,
                    last_day: in_force.last_day,
                    renews,
                });
            }
        }
        // Endings first, soonest first; then renewals, latest first.
        renewals.sort_by_key(|r| match r.kind {
            RenewalKind::Ending => (0, r.last_day, std::cmp::Reverse(NaiveDate::MIN)),
            RenewalKind::Renewed => (1, NaiveDate::MIN, std::cmp::Reverse(r.term_start)),
        });
        let mut periods: HashMap<Uuid, Vec<GroupPeriod>> = HashMap::new();
        for p in self.store.all_group_periods().map_err(|e| self.fail(e))? {
            periods.entry(p.resident_id).or_default().push(p);
        }
        let mut membership: HashMap<Uuid, Vec<MembershipEvent>> = HashMap::new();
        for e in self
            .store
            .all_membership_events()
            .map_err(|e| self.fail(e))?
        {
            membership.entry(e.resident_id).or_default().push(e);
        }
        let unsigned: Vec<UnsignedEntry> = self
            .store
            .residents_brief()
            .map_err(|e| self.fail(e))?
            .into_iter()
            .filter(|r| !covered.contains(&r.id))
            // Only members that day: nobody is asked to sign someone who died or moved away.
            .filter(|r| {
                membership
                    .get(&r.id)
                    .is_none_or(|events| member_on(events, day).is_some())
            })
            .filter_map(|r| {
                let own = periods.get(&r.id).map(Vec::as_slice).unwrap_or(&[]);
                let groups: Vec<PopulationGroup> =
                    resident_groups_on(r.id, &r.groups, own, r.birth_date, day)
                        .into_iter()
                        .collect();
                groups
                    .iter()
                    .any(|g| PRIORITY_GROUPS.contains(g))
                    .then_some(UnsignedEntry {
                        resident_id: r.id,
                        name: r.name,
                        household_id: r.household_id,
                        village_id: r.village_id,
                        village: r.village,
                        groups,
                    })
            })
            .collect();
        let mut villages = village_work(&due, &renewals, &unsigned);
        self.own_first(&mut villages, |v| v.id);
        Ok(TownshipWork {
            due,
            renewals,
            unsigned,
            villages,
            lines: self.store.household_lines().map_err(|e| self.fail(e))?,
        })
    }

    /// A contract's representative (or the head), village id and village name.
    fn named(&self, record: &ContractRecord) -> ApiResult<(String, Uuid, String)> {
        let naming = self
            .store
            .household_naming(
                record.contract.household_id,
                record.contract.representative_id,
            )
            .map_err(|e| self.fail(e))?;
        Ok((
            naming.member.or(naming.head).unwrap_or_default(),
            naming.village_id,
            naming.village,
        ))
    }

    /// What one household is owed today: the visit form's choices.
    pub fn due_for_household(&self, household_id: Uuid) -> ApiResult<Vec<DueEntry>> {
        self.store
            .due_of(self.today(), Some(household_id))
            .map_err(|e| self.fail(e))
    }

    /// Due and overdue items only (what `jiayi due` prints).
    pub fn due(&self, day: Option<NaiveDate>) -> ApiResult<Vec<DueEntry>> {
        let day = day.unwrap_or(self.today());
        self.store.due_on(day).map_err(|e| self.fail(e))
    }
}

/// Per-village counts of the three lists, sorted by village name.
fn village_work(
    due: &[DueEntry],
    renewals: &[RenewalEntry],
    unsigned: &[UnsignedEntry],
) -> Vec<VillageWork> {
    let mut by_id: HashMap<Uuid, VillageWork> = HashMap::new();
    fn entry<'a>(
        by_id: &'a mut HashMap<Uuid, VillageWork>,
        id: Uuid,
        name: &str,
    ) -> &'a mut VillageWork {
        by_id.entry(id).or_insert_with(|| VillageWork {
            id,
            name: name.to_string(),
            due: 0,
            overdue: 0,
            renewals: 0,
            unsigned_priority: 0,
        })
    }
    for d in due {
        let v = entry(&mut by_id, d.village_id, &d.village);
        match d.item.status {
            DueStatus::Overdue => v.overdue += 1,
            DueStatus::Due => v.due += 1,
            DueStatus::Upcoming => {}
        }
    }
    for r in renewals {
        entry(&mut by_id, r.village_id, &r.village).renewals += 1;
    }
    for u in unsigned {
        entry(&mut by_id, u.village_id, &u.village).unsigned_priority += 1;
    }
    let mut villages: Vec<VillageWork> = by_id.into_values().collect();
    villages.sort_by(|a, b| a.name.cmp(&b.name));
    villages
}
