//! Search as you type over residents: name characters, pinyin, ID number and phone prefixes.

use jiayi_core::search_keys::{SearchQuery, classify_query, prefix_upper_bound};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::Result;
use crate::reference::parse_uuid;

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidentHit {
    pub id: Uuid,
    pub name: String,
    pub sex: String,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub household_id: Uuid,
    pub village: String,
    pub address: String,
}

impl Store {
    /// Residents matching what was typed, at most `limit`, exact name matches first.
    pub fn search_residents(&self, text: &str, limit: usize) -> Result<Vec<ResidentHit>> {
        let limit = limit.clamp(1, 500);
        let ids: Vec<String> = match classify_query(text) {
            SearchQuery::Empty => return Ok(Vec::new()),
            SearchQuery::Chinese(q) => {
                let chars: Vec<char> = q.chars().collect();
                if chars.len() <= 2 {
                    self.exact_key(&q, limit)?
                } else {
                    // Longer text: narrow by its first pair, then keep names containing it all.
                    let pair: String = chars[..2].iter().collect();
                    let mut stmt = self.conn.prepare_cached(
                        "SELECT k.resident_id FROM search_keys k JOIN residents r ON r.id = k.resident_id
                         WHERE k.key = ?1 AND instr(r.name, ?2) > 0 LIMIT ?3",
                    )?;
                    stmt.query_map(params![pair, q, limit as i64], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?
                }
            }
            SearchQuery::Pinyin(q) | SearchQuery::Digits(q) => self.prefix_keys(&q, limit)?,
        };
        let mut hits = self.hits(&ids)?;
        let wanted = text.trim();
        hits.sort_by_key(|h| (h.name != wanted, !h.name.starts_with(wanted)));
        Ok(hits)
    }

    fn exact_key(&self, key: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT resident_id FROM search_keys WHERE key = ?1 LIMIT ?2")?;
        Ok(stmt
            .query_map(params![key, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn prefix_keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        // Several keys of one resident can match a prefix; DISTINCT over the index order keeps
        // the scan short, stopping once `limit` residents are found.
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT resident_id FROM search_keys WHERE key >= ?1 AND key < ?2 LIMIT ?3",
        )?;
        let upper = prefix_upper_bound(prefix);
        Ok(stmt
            .query_map(params![prefix, upper, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn hits(&self, ids: &[String]) -> Result<Vec<ResidentHit>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.name, r.sex, r.birth_date, r.id_number, r.phone, r.household_id, v.name, h.address
             FROM residents r JOIN households h ON h.id = r.household_id JOIN villages v ON v.id = h.village_id
             WHERE r.id = ?1 AND r.deleted_at IS NULL AND {}",
            crate::scope::in_scope("h")
        ))?;
        let mut hits = Vec::with_capacity(ids.len());
        for id in ids {
            let mut rows = stmt.query(params![id])?;
            if let Some(r) = rows.next()? {
                hits.push(ResidentHit {
                    id: parse_uuid(&r.get::<_, String>(0)?)?,
                    name: r.get(1)?,
                    sex: r.get(2)?,
                    birth_date: r.get(3)?,
                    id_number: r.get(4)?,
                    phone: r.get(5)?,
                    household_id: parse_uuid(&r.get::<_, String>(6)?)?,
                    village: r.get(7)?,
                    address: r.get(8)?,
                });
            }
        }
        Ok(hits)
    }
}
