//! The residents and households of the demo as its steps (history, changes, visits, feedback)
//! share them.

use chrono::NaiveDate;
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use uuid::Uuid;

/// A resident as the later steps need them.
pub(crate) struct Person {
    pub id: Uuid,
    pub home: usize,
    pub head: bool,
    pub sex: Sex,
    pub relation: Relation,
    pub birth: Option<NaiveDate>,
    /// Groups recorded at registration (age groups excluded).
    pub groups: Vec<PopulationGroup>,
    /// Chronic groups diagnosed during the history, from their day.
    pub diagnosed: Vec<(PopulationGroup, NaiveDate)>,
    /// The day they stopped being a member (died or moved away).
    pub left_on: Option<NaiveDate>,
    /// Follows the doctor's advice: comes to most follow-ups.
    pub regular: bool,
}

impl Person {
    pub fn age_on(&self, day: NaiveDate) -> Option<i64> {
        self.birth
            .map(|b| i64::from(day.years_since(b).unwrap_or(0)))
    }

    /// A chronic group in force on a day (recorded at registration, or diagnosed by then).
    pub fn has_on(&self, group: PopulationGroup, day: NaiveDate) -> bool {
        self.groups.contains(&group) || self.diagnosed.iter().any(|(g, d)| *g == group && *d <= day)
    }

    /// Since when a chronic group holds, within the history.
    pub fn chronic_since(&self, group: PopulationGroup) -> Option<NaiveDate> {
        if self.groups.contains(&group) {
            return Some(NaiveDate::MIN);
        }
        self.diagnosed
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, d)| *d)
    }

    pub fn member_on(&self, day: NaiveDate) -> bool {
        self.birth.is_none_or(|b| b <= day) && self.left_on.is_none_or(|l| day < l)
    }
}

/// A registered household.
pub(crate) struct Home {
    pub id: Uuid,
    /// Seeds the household's own generator (who serves it, whether it moves): from the demo's
    /// seed and the household's place in the township, never from its id, which the store
    /// draws at random.
    pub life_seed: u64,
    pub village: usize,
    pub surname: String,
    pub members: Vec<usize>,
    pub contract: Option<Uuid>,
}
