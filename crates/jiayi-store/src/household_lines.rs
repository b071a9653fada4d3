//! One line per household for lists that walk a village: its group (村民小组), address and
//! head, read in one query.

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
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

/// A household as a list of contracts names it, read in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdNaming {
    pub village_id: Uuid,
    pub village: String,
    /// The name of the member asked for, when they are on the household's register.
    pub member: Option<String>,
    /// The head's name (the eldest head should the register hold two), if there is one.
    pub head: Option<String>,
}

impl Store {
    /// The village of a household and the names of one of its members and of its head: what
    /// a contract's line shows, without reading the whole household.
    pub fn household_naming(&self, household: Uuid, member: Uuid) -> Result<HouseholdNaming> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT h.village_id, v.name,
                    (SELECT r.name FROM residents r
                     WHERE r.household_id = h.id AND r.deleted_at IS NULL AND r.id = ?2),
                    (SELECT r.name FROM residents r
                     WHERE r.household_id = h.id AND r.deleted_at IS NULL AND r.relation = 'head'
                     ORDER BY r.birth_date LIMIT 1)
             FROM households h JOIN villages v ON v.id = h.village_id
             WHERE h.id = ?1 AND h.deleted_at IS NULL",
        )?;
        let row = stmt
            .query_row(
                rusqlite::params![household.to_string(), member.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "household",
                id: household.to_string(),
            })?;
        Ok(HouseholdNaming {
            village_id: parse_uuid(&row.0)?,
            village: row.1,
            member: row.2,
            head: row.3,
        })
    }

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
