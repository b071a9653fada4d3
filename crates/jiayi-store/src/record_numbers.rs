//! Health-record numbers: the serial ranges the township assigned each village (from the
//! reference download) and the numbers already used, from which the device issues the next.

use jiayi_core::record_number::VillageRecordRange;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::Store;
use crate::error::Result;
use crate::reference::parse_uuid;

impl Store {
    /// Replaces the ranges held with the township's current ones: a village the township no
    /// longer gives a range has none.
    pub fn put_record_ranges(&mut self, ranges: &[VillageRecordRange]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM record_ranges", [])?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO record_ranges (village_id, village_code, first_serial, last_serial)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for r in ranges {
                stmt.execute(params![
                    r.village_id.to_string(),
                    r.village_code,
                    r.first,
                    r.last
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every range held, by village code.
    pub fn record_ranges(&self) -> Result<Vec<VillageRecordRange>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT village_id, village_code, first_serial, last_serial FROM record_ranges
             ORDER BY village_code",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.map(|row| {
            let (id, village_code, first, last) = row?;
            Ok(VillageRecordRange {
                village_id: parse_uuid(&id)?,
                village_code,
                first,
                last,
            })
        })
        .collect()
    }

    /// The range the township assigned a village, if any.
    pub fn record_range(&self, village_id: Uuid) -> Result<Option<VillageRecordRange>> {
        Ok(self
            .record_ranges()?
            .into_iter()
            .find(|r| r.village_id == village_id))
    }

    /// Every number starting with a village code that any resident of the store carries,
    /// removed residents included: a number once used is never issued again.
    pub fn record_numbers_with_prefix(&self, village_code: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT record_number FROM residents
             WHERE record_number >= ?1 AND record_number < ?2 ORDER BY record_number",
        )?;
        let upper = format!("{village_code}:");
        Ok(stmt
            .query_map(params![village_code, upper], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The live resident who carries a number, if any.
    pub fn resident_with_record_number(&self, number: &str) -> Result<Option<Uuid>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM residents WHERE record_number = ?1 AND deleted_at IS NULL LIMIT 1",
                params![number],
                |r| r.get(0),
            )
            .optional()?;
        id.as_deref().map(parse_uuid).transpose()
    }
}
