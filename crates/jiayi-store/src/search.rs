//! Search as you type over residents: name characters, pinyin, ID number and phone prefixes.

use jiayi_core::search_keys::{SearchQuery, classify_query, prefix_upper_bound};
use rusqlite::{OptionalExtension, params};
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

/// One page of residents matching what was typed, with how many match in all.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    /// Exact matches (the whole name, ID number, phone or record number) first and all of
    /// them, then the others up to the limit.
    pub hits: Vec<ResidentHit>,
    /// How many residents match; when `total_capped`, at least this many.
    pub total: u64,
    /// The count stopped at [`COUNT_CAP`]: counting every resident behind one typed letter
    /// would cost more than the search itself.
    pub total_capped: bool,
}

/// Matches are counted up to this many.
pub const COUNT_CAP: u64 = 1000;

impl Store {
    /// Residents matching what was typed, at most `limit` besides the exact matches.
    pub fn search_residents(&self, text: &str, limit: usize) -> Result<Vec<ResidentHit>> {
        Ok(self.search_page(text, limit)?.hits)
    }

    /// A page of residents matching what was typed: every exact match first, never cut, then
    /// names beginning with the text, then the rest, up to `limit`; with the count of all.
    pub fn search_page(&self, text: &str, limit: usize) -> Result<SearchPage> {
        let limit = limit.clamp(1, 500);
        let query = classify_query(text);
        let exact = self.exact_ids(&query)?;
        // The exact matches come again among the others: fetch enough to fill the page anyway.
        let fetch = limit + exact.len();
        let others: Vec<String> = match &query {
            SearchQuery::Empty => Vec::new(),
            SearchQuery::Chinese(q) => match long_name_pair(q) {
                None => self.exact_key(q, fetch)?,
                Some(pair) => {
                    let mut stmt = self.conn.prepare_cached(
                        "SELECT k.resident_id FROM search_keys k JOIN residents r ON r.id = k.resident_id
                         WHERE k.key = ?1 AND instr(r.name, ?2) > 0 LIMIT ?3",
                    )?;
                    stmt.query_map(params![pair, q, fetch as i64], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?
                }
            },
            SearchQuery::Pinyin(q) | SearchQuery::Digits(q) => self.prefix_keys(q, fetch)?,
        };
        let cut = others.len() >= fetch;
        let exact_set: std::collections::HashSet<&String> = exact.iter().collect();
        let rest: Vec<String> = others
            .iter()
            .filter(|id| !exact_set.contains(id))
            .take(limit.saturating_sub(exact.len()))
            .cloned()
            .collect();
        let cut = cut || rest.len() + exact.len() < others.len();
        let exact_hits = self.hits(&exact)?;
        let mut rest_hits = self.hits(&rest)?;
        if let SearchQuery::Chinese(q) = &query {
            rest_hits.sort_by_key(|h| !h.name.starts_with(q.as_str()));
        }
        let shown = (exact_hits.len() + rest_hits.len()) as u64;
        let (total, total_capped) = if cut {
            self.count_matches(&query)?
        } else {
            (shown, false)
        };
        let mut hits = exact_hits;
        hits.extend(rest_hits);
        Ok(SearchPage {
            hits,
            total: total.max(shown),
            total_capped,
        })
    }

    /// Residents the text names exactly: the whole name, or a whole ID, phone or record
    /// number. Not limited: namesakes are the ones a doctor must choose between.
    fn exact_ids(&self, query: &SearchQuery) -> Result<Vec<String>> {
        let (sql, key) = match query {
            SearchQuery::Chinese(q) => (
                "SELECT id FROM residents WHERE name = ?1 AND deleted_at IS NULL ORDER BY id LIMIT 500",
                q,
            ),
            SearchQuery::Digits(q) => (
                "SELECT resident_id FROM search_keys WHERE key = ?1 LIMIT 500",
                q,
            ),
            SearchQuery::Pinyin(_) | SearchQuery::Empty => return Ok(Vec::new()),
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt
            .query_map(params![key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// How many residents in the device's scope match, counted up to [`COUNT_CAP`].
    fn count_matches(&self, query: &SearchQuery) -> Result<(u64, bool)> {
        let scoped = self.shown_villages()?.is_some();
        let (condition, a, b): (&str, String, String) = match query {
            SearchQuery::Empty => return Ok((0, false)),
            SearchQuery::Chinese(q) => match long_name_pair(q) {
                None => ("k.key = ?1 AND ?2 = ?2", q.clone(), String::new()),
                Some(pair) => ("k.key = ?1 AND instr(r.name, ?2) > 0", pair, q.clone()),
            },
            SearchQuery::Pinyin(q) | SearchQuery::Digits(q) => (
                "k.key >= ?1 AND k.key < ?2",
                q.clone(),
                prefix_upper_bound(q),
            ),
        };
        // Without a scope and without the name, the key index alone answers.
        let needs_rows = scoped || condition.contains("r.name");
        let from = if needs_rows {
            format!(
                "search_keys k JOIN residents r ON r.id = k.resident_id
                 JOIN households h ON h.id = r.household_id WHERE {condition} AND {}",
                crate::scope::in_scope("h")
            )
        } else {
            format!("search_keys k WHERE {condition}")
        };
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT DISTINCT k.resident_id FROM {from} LIMIT {})",
            COUNT_CAP + 1
        );
        let n: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![a, b], |r| r.get(0))?;
        let n = n.max(0) as u64;
        Ok((n.min(COUNT_CAP), n > COUNT_CAP))
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

    /// Makes every live resident's search keys again when they were made by other rules than
    /// the core's (`KEYS_VERSION`), so a rule added later finds residents saved before it.
    /// The keys are an index, not a record: nothing is synced or audited.
    pub fn refresh_search_keys(&mut self) -> Result<bool> {
        let current = jiayi_core::search_keys::KEYS_VERSION.to_string();
        let stored = |conn: &rusqlite::Connection| -> Result<Option<String>> {
            Ok(conn
                .query_row(
                    "SELECT value FROM settings WHERE key = 'search_keys_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()?)
        };
        if stored(&self.conn)?.as_deref() == Some(current.as_str()) {
            return Ok(false);
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another connection may have done it while this one waited for the lock.
        if stored(&tx)?.as_deref() == Some(current.as_str()) {
            return Ok(false);
        }
        let rows: Vec<crate::households::ResidentRow> = tx
            .prepare(&format!(
                "SELECT {} FROM residents WHERE deleted_at IS NULL",
                crate::households::RESIDENT_COLUMNS
            ))?
            .query_map([], crate::households::read_resident)?
            .collect::<rusqlite::Result<_>>()?;
        for row in rows {
            // A row the rules cannot read keeps the keys it has.
            let Ok(resident) = row.into_resident() else {
                continue;
            };
            tx.execute(
                "DELETE FROM search_keys WHERE resident_id = ?1",
                params![resident.id.to_string()],
            )?;
            crate::households::write_search_keys(&tx, &resident)?;
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('search_keys_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![current],
        )?;
        tx.commit()?;
        Ok(true)
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

/// A Chinese query of three or more characters is narrowed by its first pair; shorter ones are
/// keys themselves.
fn long_name_pair(q: &str) -> Option<String> {
    let chars: Vec<char> = q.chars().collect();
    (chars.len() > 2).then(|| chars[..2].iter().collect())
}
