//! What a copy of the store must keep: every table's row count and a digest of its rows, and
//! the checks that the file is whole (SQLite's structure, and SQLCipher's page authentication).
//! A re-encryption is proven against these.

use std::collections::BTreeMap;

use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use crate::Store;
use crate::error::Result;

/// One table's row count and the SHA-256 of its rows (in a fixed order), hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub rows: u64,
    pub sha256: String,
}

impl Store {
    /// Every table's rows, counted and hashed: equal digests mean equal contents.
    pub fn content_digest(&self) -> Result<BTreeMap<String, TableDigest>> {
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut digests = BTreeMap::new();
        for table in tables {
            let quoted = table.replace('"', "\"\"");
            let mut statement = self.conn.prepare(&format!("SELECT * FROM \"{quoted}\""))?;
            let columns = statement.column_count();
            let mut rows: Vec<Vec<u8>> = Vec::new();
            let mut cursor = statement.query([])?;
            while let Some(row) = cursor.next()? {
                let mut line = Vec::new();
                for i in 0..columns {
                    encode(&mut line, row.get_ref(i)?);
                }
                rows.push(line);
            }
            // Row order is not content: a copy may lay the rows out differently.
            rows.sort();
            let mut hasher = Sha256::new();
            for row in &rows {
                hasher.update((row.len() as u64).to_le_bytes());
                hasher.update(row);
            }
            digests.insert(
                table,
                TableDigest {
                    rows: rows.len() as u64,
                    sha256: hex::encode(hasher.finalize()),
                },
            );
        }
        Ok(digests)
    }

    /// SQLite's integrity check and, for an encrypted file, SQLCipher's check of every page's
    /// authentication code.
    pub fn fully_intact(&self) -> Result<bool> {
        if !self.integrity_ok()? {
            return Ok(false);
        }
        if self.key.is_none() {
            return Ok(true);
        }
        let problems: Vec<String> = self
            .conn
            .prepare("PRAGMA cipher_integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(problems.is_empty())
    }
}

fn encode(out: &mut Vec<u8>, value: ValueRef<'_>) {
    let (tag, bytes): (u8, Vec<u8>) = match value {
        ValueRef::Null => (0, Vec::new()),
        ValueRef::Integer(i) => (1, i.to_le_bytes().to_vec()),
        ValueRef::Real(f) => (2, f.to_bits().to_le_bytes().to_vec()),
        ValueRef::Text(t) => (3, t.to_vec()),
        ValueRef::Blob(b) => (4, b.to_vec()),
    };
    out.push(tag);
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(&bytes);
}
