//! What a sync request reads before anything else, each in one statement: the device holding
//! the token with a server setting beside it, and what `info` tells the device.

use uuid::Uuid;

use super::PgStorage;
use super::reads::{scope_from_row, scope_select};
use crate::error::Result;
use crate::storage::shared::parse_uuid;
use crate::storage::token::token_hash;
use crate::storage::{DeviceInfo, DeviceScope, DeviceStatus};

/// The epoch, the change log's high-water mark and what it holds from device `$1`: a device's
/// status, the first columns of what `info` reads.
macro_rules! status_columns {
    () => {
        "SELECT (SELECT value FROM meta WHERE key = 'epoch'),
                (SELECT COALESCE(MAX(cursor), 0) FROM changes),
                (SELECT COALESCE(MAX(seq), 0) FROM changes WHERE device_id = $1)"
    };
}

impl PgStorage {
    /// [`Storage::authenticate_with_setting`](crate::storage::Storage::authenticate_with_setting).
    pub(super) fn token_with_setting(
        &self,
        token: &str,
        key: &str,
    ) -> Result<Option<(DeviceScope, Option<String>)>> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let query = statements.get(
            client,
            concat!(
                scope_select!(", (SELECT value FROM settings WHERE key = $2)"),
                " WHERE d.token_hash = $1 AND d.revoked_at IS NULL"
            ),
        )?;
        let row = client.query_opt(&query, &[&token_hash(token), &key])?;
        row.map(|r| Ok((scope_from_row(&r)?, r.get(6)))).transpose()
    }

    /// [`Storage::status`](crate::storage::Storage::status).
    pub(super) fn status_of(&self, device_id: Uuid) -> Result<DeviceStatus> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let query = statements.get(client, status_columns!())?;
        status_from(&client.query_one(&query, &[&device_id.to_string()])?)
    }

    /// [`Storage::device_info`](crate::storage::Storage::device_info).
    pub(super) fn info_of(&self, device_id: Uuid, key: &str) -> Result<DeviceInfo> {
        let mut lease = self.client()?;
        let (client, statements) = lease.parts();
        let query = statements.get(
            client,
            concat!(
                status_columns!(),
                ", (SELECT code FROM awaiting_devices WHERE placeholder_id = $1),
                   (SELECT value FROM settings WHERE key = $2)"
            ),
        )?;
        let row = client.query_one(&query, &[&device_id.to_string(), &key])?;
        Ok(DeviceInfo {
            status: status_from(&row)?,
            awaiting_code: row.get(3),
            setting: row.get(4),
        })
    }
}

/// The status columns of [`status_columns`].
fn status_from(row: &postgres::Row) -> Result<DeviceStatus> {
    Ok(DeviceStatus {
        epoch: parse_uuid(row.get(0))?,
        high_water: row.get::<_, i64>(1) as u64,
        stored_through: row.get::<_, i64>(2) as u64,
    })
}
