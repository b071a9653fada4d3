//! One line per household for lists that walk a village: its group (村民小组), address and
//! head, read in one query.

use std::collections::HashMap;

use uuid::Uuid;

use crate::Store;
use crate::error::Result;
use crate::reference::parse_uuid;

/// A household as a round of visits names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdLine {
    /// Villager group (村民小组), as registered.
    pub group: String,
    pub address: String,
    /// The head's name (户主); empty when the household has no head on the register.
    pub head: String,
}

impl Store {
    /// Every household the device shows, by id.
    pub fn household_lines(&self) -> Result<HashMap<Uuid, HouseholdLine>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT h.id, h.grp, h.address,
                    (SELECT r.name FROM residents r
                     WHERE r.household_id = h.id AND r.deleted_at IS NULL AND r.relation = 'head'
                     LIMIT 1)
             FROM households h WHERE h.deleted_at IS NULL AND {}",
            crate::scope::in_scope("h")
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut lines = HashMap::new();
        for row in rows {
            let (id, group, address, head) = row?;
            lines.insert(
                parse_uuid(&id)?,
                HouseholdLine {
                    group,
                    address,
                    head: head.unwrap_or_default(),
                },
            );
        }
        Ok(lines)
    }
}
