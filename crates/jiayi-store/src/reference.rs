//! Reference data the township distributes: villages, teams, package catalogs, settings,
//! registers. Written by the demo builder and by sync, read everywhere.

use chrono::{DateTime, Utc};
use jiayi_core::catalog::Catalog;
use jiayi_core::contract::TermPolicy;
use jiayi_core::household::{Team, Village};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};

/// Township-wide settings the agreement and the schedule depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TownshipSettings {
    pub township: String,
    pub county: String,
    pub health_center: String,
    pub term_policy: TermPolicy,
}

impl Default for TownshipSettings {
    fn default() -> Self {
        TownshipSettings {
            township: String::new(),
            county: String::new(),
            health_center: String::new(),
            term_policy: TermPolicy::RollingYear,
        }
    }
}

const SETTINGS_KEY: &str = "township";

impl Store {
    pub fn put_village(&mut self, village: &Village) -> Result<()> {
        self.conn.execute(
            "INSERT INTO villages (id, code, name, township) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, township = excluded.township",
            params![village.id.to_string(), village.code, village.name, village.township],
        )?;
        Ok(())
    }

    pub fn villages(&self) -> Result<Vec<Village>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, code, name, township FROM villages ORDER BY code")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.map(|row| {
            let (id, code, name, township) = row?;
            Ok(Village {
                id: parse_uuid(&id)?,
                code,
                name,
                township,
            })
        })
        .collect()
    }

    /// Finds a village by its name or its code.
    pub fn find_village(&self, name_or_code: &str) -> Result<Village> {
        let key = name_or_code.trim();
        self.villages()?
            .into_iter()
            .find(|v| v.name == key || v.code == key)
            .ok_or_else(|| StoreError::NotFound {
                entity: "village",
                id: key.to_string(),
            })
    }

    pub fn village(&self, id: Uuid) -> Result<Village> {
        self.villages()?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or_else(|| StoreError::NotFound {
                entity: "village",
                id: id.to_string(),
            })
    }

    pub fn put_team(&mut self, team: &Team) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO teams (id, name, json) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, json = excluded.json",
            params![team.id.to_string(), team.name, serde_json::to_string(team)?],
        )?;
        tx.execute(
            "DELETE FROM team_villages WHERE team_id = ?1",
            params![team.id.to_string()],
        )?;
        for village in &team.villages {
            tx.execute(
                "INSERT INTO team_villages (team_id, village_id) VALUES (?1, ?2)",
                params![team.id.to_string(), village.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Teams as the township sends them. Teams name villages; only those this device knows
    /// are linked (the rest are not its work). Each team is written as [`Store::put_team`]
    /// writes one.
    pub fn put_teams(&mut self, teams: &[Team]) -> Result<()> {
        let known: Vec<Uuid> = self.villages()?.into_iter().map(|v| v.id).collect();
        for team in teams {
            let mut team = team.clone();
            team.villages.retain(|v| known.contains(v));
            self.put_team(&team)?;
        }
        Ok(())
    }

    pub fn teams(&self) -> Result<Vec<Team>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM teams ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
    }

    pub fn team(&self, id: Uuid) -> Result<Team> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM teams WHERE id = ?1",
                params![id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let json = json.ok_or_else(|| StoreError::NotFound {
            entity: "team",
            id: id.to_string(),
        })?;
        Ok(serde_json::from_str(&json)?)
    }

    /// The team serving a village (each household signs with one team).
    pub fn team_for_village(&self, village_id: Uuid) -> Result<Option<Team>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT team_id FROM team_villages WHERE village_id = ?1 ORDER BY team_id LIMIT 1",
                params![village_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.team(parse_uuid(&id)?)).transpose()
    }

    /// Stores a catalog version and makes it the current one.
    pub fn put_catalog(&mut self, toml: &str, received_at: DateTime<Utc>) -> Result<Catalog> {
        let catalog = Catalog::from_toml(toml)?;
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE catalogs SET is_current = 0", [])?;
        tx.execute(
            "INSERT INTO catalogs (version, toml, received_at, is_current) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (version) DO UPDATE SET toml = excluded.toml, is_current = 1",
            params![catalog.version, toml, received_at.to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(catalog)
    }

    /// The current catalog; the one shipped with the app until the township sends its own.
    pub fn current_catalog(&self) -> Result<Catalog> {
        let version: Option<String> = self
            .conn
            .query_row(
                "SELECT version FROM catalogs WHERE is_current = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match version {
            Some(version) => self.catalog(&version),
            None => Ok(Catalog::default_catalog()),
        }
    }

    /// A specific catalog version (contracts keep the version they were signed under).
    pub fn catalog(&self, version: &str) -> Result<Catalog> {
        if let Some(cached) = self.catalogs.borrow().get(version) {
            return Ok(cached.clone());
        }
        let toml: Option<String> = self
            .conn
            .query_row(
                "SELECT toml FROM catalogs WHERE version = ?1",
                params![version],
                |r| r.get(0),
            )
            .optional()?;
        let catalog = match toml {
            Some(text) => Catalog::from_toml(&text)?,
            None => Catalog::shipped(version).ok_or_else(|| StoreError::NotFound {
                entity: "catalog",
                id: version.to_string(),
            })?,
        };
        self.catalogs
            .borrow_mut()
            .insert(version.to_string(), catalog.clone());
        Ok(catalog)
    }

    pub fn settings(&self) -> Result<TownshipSettings> {
        self.get_setting(SETTINGS_KEY)
            .map(Option::unwrap_or_default)
    }

    pub fn put_settings(&mut self, settings: &TownshipSettings) -> Result<()> {
        self.put_setting(SETTINGS_KEY, settings)
    }

    /// Replaces the township's term policy, keeping the other settings.
    pub fn put_term_policy(&mut self, policy: TermPolicy) -> Result<()> {
        let mut settings = self.settings()?;
        settings.term_policy = policy;
        self.put_settings(&settings)
    }

    pub fn get_setting<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<Option<T>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(StoreError::from))
            .transpose()
    }

    pub fn put_setting<T: Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, serde_json::to_string(value)?],
        )?;
        Ok(())
    }

    /// Stores a version of a reference register (e.g. the poverty-registered list).
    pub fn put_register(
        &mut self,
        name: &str,
        version: &str,
        entries: &[String],
        received_at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO registers (name, version, received_at, entries) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name, version) DO UPDATE SET entries = excluded.entries",
            params![
                name,
                version,
                received_at.to_rfc3339(),
                serde_json::to_string(entries)?
            ],
        )?;
        Ok(())
    }

    /// The newest version held of each register: (name, version, received_at, entry count).
    pub fn registers(&self) -> Result<Vec<(String, String, String, usize)>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, version, received_at, json_array_length(entries) FROM registers r
             WHERE received_at = (SELECT MAX(received_at) FROM registers WHERE name = r.name) ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, i64>(3)? as usize,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Saves a form draft (what the doctor typed so far).
    pub fn put_draft(&mut self, form: &str, json: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO drafts (form, json, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (form) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
            params![form, json, now.to_rfc3339()],
        )?;
        Ok(())
    }

    pub fn draft(&self, form: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT json FROM drafts WHERE form = ?1",
                params![form],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn delete_draft(&mut self, form: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM drafts WHERE form = ?1", params![form])?;
        Ok(())
    }
}

pub(crate) fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("bad id '{text}': {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_link_only_known_villages_and_the_term_policy_keeps_the_rest() {
        let mut store = Store::open_in_memory().unwrap();
        let known = Village {
            id: Uuid::from_u128(1),
            code: "140822100201".into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        };
        store.put_village(&known).unwrap();
        let team = Team {
            id: Uuid::from_u128(10),
            name: "东庄村团队".into(),
            institution: "青山镇卫生院".into(),
            village_clinic: "东庄村卫生室".into(),
            villages: vec![known.id, Uuid::from_u128(2)],
            members: Vec::new(),
            service_hotline: String::new(),
            complaint_phone: String::new(),
            service_hours: String::new(),
        };
        store.put_teams(std::slice::from_ref(&team)).unwrap();
        assert_eq!(store.team(team.id).unwrap().villages, vec![known.id]);

        store
            .put_settings(&TownshipSettings {
                township: "青山镇".into(),
                ..TownshipSettings::default()
            })
            .unwrap();
        store.put_term_policy(TermPolicy::CalendarYear).unwrap();
        let settings = store.settings().unwrap();
        assert_eq!(settings.term_policy, TermPolicy::CalendarYear);
        assert_eq!(settings.township, "青山镇");
    }
}
