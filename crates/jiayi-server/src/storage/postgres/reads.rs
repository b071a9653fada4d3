//! Reads more than one request shares: a device's scope, one record, and a pull page.

use postgres::{Client, GenericClient};
use uuid::Uuid;

use super::pool;
use crate::error::Result;
use crate::merge::RecordState;
use crate::storage::shared::{cursor_param, page, parse_uuid, record_from_text, role_from};
use crate::storage::{DeviceScope, PullPage, StoredChange};

/// A device and the villages it reaches (see [`DeviceScope::villages`]): its own for a doctor;
/// for a team leader also those of every active device of its team. Followed by a `WHERE` on
/// `d`; column 5 is the token's hash.
macro_rules! scope_select {
    () => {
        scope_select!("")
    };
    // Columns read beside the scope, from index 6 on.
    ($more_columns:literal) => {
        concat!(
            "SELECT d.id, d.doctor_id, d.team_id, d.role,
                ARRAY(SELECT village_id FROM device_villages WHERE device_id = d.id
                      UNION
                      SELECT dv.village_id FROM device_villages dv
                      JOIN devices o ON o.id = dv.device_id
                      WHERE d.role <> 'doctor' AND o.team_id = d.team_id AND o.revoked_at IS NULL
                      ORDER BY 1),
                d.token_hash",
            $more_columns,
            " FROM devices d"
        )
    };
}

pub(super) use scope_select;

pub(super) fn scope_from_row(row: &postgres::Row) -> Result<DeviceScope> {
    let villages: Vec<String> = row.get(4);
    Ok(DeviceScope {
        device_id: parse_uuid(row.get(0))?,
        doctor_id: parse_uuid(row.get(1))?,
        team_id: parse_uuid(row.get(2))?,
        role: role_from(row.get(3))?,
        villages: villages
            .iter()
            .map(|v| parse_uuid(v))
            .collect::<Result<_>>()?,
        pull_own: false,
    })
}

/// One page of changes in the device's villages by other devices, with the high-water mark it
/// was read under, in one statement.
pub(super) fn read_page(
    client: &mut Client,
    statements: &mut pool::Statements,
    scope: &DeviceScope,
    after: u64,
    limit: u32,
) -> Result<PullPage> {
    // Read village by village, each along the village's own index in cursor order, then
    // merged: a plan that walks the whole log in cursor order and filters by village is what
    // the planner picks for a small log, and a connection keeps the plan it first chose for a
    // prepared statement (see `write_batches` in `push`), however far the log has grown since.
    let query = statements.get(
        client,
        "WITH mark AS (SELECT COALESCE(MAX(cursor), 0) AS high_water FROM changes)
         SELECT mark.high_water, page.cursor, page.entity, page.entity_id, page.body
         FROM mark LEFT JOIN LATERAL (
           SELECT c.cursor, c.entity, c.entity_id, c.body
           FROM (SELECT DISTINCT v FROM UNNEST($4::text[]) AS v) AS villages(village_id)
           CROSS JOIN LATERAL (
             SELECT c.cursor, c.entity, c.entity_id, c.body FROM changes c
             WHERE c.village_id = villages.village_id AND c.cursor > $2
               AND c.cursor <= mark.high_water AND c.device_id <> $1
             ORDER BY c.cursor LIMIT $3
           ) AS c
           ORDER BY c.cursor LIMIT $3
         ) AS page ON true",
    )?;
    let rows = client.query(
        &query,
        &[
            &scope.left_out_of_pull().to_string(),
            &cursor_param(after),
            &i64::from(limit),
            &scope
                .villages
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>(),
        ],
    )?;
    let high_water = rows.first().map_or(0, |r| r.get::<_, i64>(0));
    let mut changes = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(cursor) = r.get::<_, Option<i64>>(1) {
            changes.push(StoredChange::new(cursor, r.get(2), r.get(3), r.get(4)));
        }
    }
    Ok(page(changes, after, limit, high_water as u64))
}

pub(super) fn load_record(
    client: &mut impl GenericClient,
    entity: &str,
    id: &str,
) -> Result<Option<RecordState>> {
    let row = client.query_opt(
        "SELECT village_id, payload, field_hlc, deleted_hlc FROM records WHERE entity = $1 AND entity_id = $2",
        &[&entity, &id],
    )?;
    row.map(|r| record_from_text(r.get(0), r.get(1), r.get(2), r.get::<_, Option<&str>>(3)))
        .transpose()
}
