//! Which households the device shows: those of the villages it is enrolled for. A household
//! that moved to a village another device serves keeps its records here (its history), but
//! leaves the lists, search, the work list and the device's figures. A device not enrolled, or
//! enrolled without villages of its own (a team leader's), shows every household it holds.

/// A SQL condition true for a household (its table under `alias`) in the device's scope.
/// The subqueries do not depend on the row, so SQLite evaluates them once per statement.
pub(crate) fn in_scope(alias: &str) -> String {
    format!(
        "(NOT EXISTS (SELECT 1 FROM enrollment WHERE villages <> '[]')
          OR {alias}.village_id IN (SELECT value FROM json_each(
               (SELECT villages FROM enrollment WHERE villages <> '[]'))))"
    )
}

impl crate::Store {
    /// The villages whose households the device shows; `None`: every household.
    pub fn shown_villages(&self) -> crate::error::Result<Option<Vec<uuid::Uuid>>> {
        use rusqlite::OptionalExtension;
        let villages: Option<String> = self
            .conn
            .prepare_cached("SELECT villages FROM enrollment WHERE villages <> '[]'")?
            .query_row([], |r| r.get(0))
            .optional()?;
        Ok(villages.map(|v| serde_json::from_str(&v)).transpose()?)
    }
}
