//! The database: connected (and migrated), and a pool of connections to lease.

use postgres::{Client, NoTls};
use uuid::Uuid;

use super::pool::{self, Pool};
use crate::error::Result;

mod embedded {
    refinery::embed_migrations!("../../migrations/server-postgres");
}

pub struct PgStorage {
    pool: Pool,
}

impl PgStorage {
    pub fn connect(url: &str) -> Result<PgStorage> {
        let mut client = Client::connect(url, NoTls)?;
        embedded::migrations::runner()
            .set_grouped(false)
            .run(&mut client)?;
        client.execute(
            "INSERT INTO meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING",
            &[&Uuid::new_v4().to_string()],
        )?;
        super::incarnation::notice_a_restore(&mut client)?;
        Ok(PgStorage {
            pool: Pool::new(url, client),
        })
    }

    pub(super) fn client(&self) -> Result<pool::Lease<'_>> {
        self.pool.lease()
    }
}
