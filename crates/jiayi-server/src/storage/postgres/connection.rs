//! The database: connected (and migrated), a pool of connections to lease, and the change
//! log's writer.

use postgres::{Client, NoTls};
use uuid::Uuid;

use super::group_commit::GroupCommit;
use super::pool::{self, Pool};
use crate::error::Result;

mod embedded {
    refinery::embed_migrations!("../../migrations/server-postgres");
}

pub struct PgStorage {
    pub(super) pool: Pool,
    /// The change log's writer: every push batch is stored through it.
    pub(super) writer: GroupCommit,
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
            writer: GroupCommit::start(url)?,
        })
    }

    pub(super) fn client(&self) -> Result<pool::Lease<'_>> {
        self.pool.lease()
    }
}
