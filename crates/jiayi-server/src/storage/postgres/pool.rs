//! A small pool of PostgreSQL connections, each with the statements it has prepared.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use postgres::{Client, GenericClient, NoTls, Statement};

use crate::error::Result;

/// Connections kept open.
const POOL_SIZE: usize = 8;

/// The statements a connection has prepared, by their text. A hot statement is parsed and
/// planned once per connection; each later use is one round trip instead of three (prepare,
/// execute, close), which is most of a request's time when the machine is busy.
#[derive(Default)]
pub(super) struct Statements(HashMap<&'static str, Statement>);

impl Statements {
    pub(super) fn get(
        &mut self,
        client: &mut impl GenericClient,
        sql: &'static str,
    ) -> Result<Statement> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = client.prepare(sql)?;
        self.0.insert(sql, statement.clone());
        Ok(statement)
    }
}

/// An open connection and what it has prepared.
pub(super) struct Pooled {
    pub(super) client: Client,
    pub(super) statements: Statements,
}

/// A new connection to `url`. A connection opened anew may find the database restored under
/// the running server (a restore drops the old connections).
pub(super) fn connect(url: &str) -> Result<Pooled> {
    let mut client = Client::connect(url, NoTls)?;
    super::incarnation::notice_a_restore(&mut client)?;
    Ok(Pooled {
        client,
        statements: Statements::default(),
    })
}

pub(super) struct Pool {
    url: String,
    idle: Mutex<Vec<Pooled>>,
    returned: Condvar,
    open: Mutex<usize>,
}

impl Pool {
    /// A pool that starts with `first` (the connection that ran the migrations).
    pub(super) fn new(url: &str, first: Client) -> Pool {
        Pool {
            url: url.to_string(),
            idle: Mutex::new(vec![Pooled {
                client: first,
                statements: Statements::default(),
            }]),
            returned: Condvar::new(),
            open: Mutex::new(1),
        }
    }

    /// Opens connections until [`POOL_SIZE`] are, all left idle.
    pub(super) fn fill(&self) -> Result<()> {
        let leases = (0..POOL_SIZE)
            .map(|_| self.lease())
            .collect::<Result<Vec<_>>>()?;
        drop(leases);
        Ok(())
    }

    /// An idle connection, a new one while fewer than [`POOL_SIZE`] are open, or the next one
    /// handed back.
    pub(super) fn lease(&self) -> Result<Lease<'_>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = idle.pop() {
                if c.client.is_closed() {
                    *self.open.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
                    continue;
                }
                return Ok(Lease {
                    pool: self,
                    pooled: Some(c),
                });
            }
            {
                let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
                if *open < POOL_SIZE {
                    *open += 1;
                    drop(open);
                    drop(idle);
                    return match connect(&self.url) {
                        Ok(pooled) => Ok(Lease {
                            pool: self,
                            pooled: Some(pooled),
                        }),
                        Err(e) => {
                            *self.open.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
                            Err(e)
                        }
                    };
                }
            }
            idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// A connection on loan; handed back (or, when closed, counted out) on drop.
pub(super) struct Lease<'a> {
    pool: &'a Pool,
    pooled: Option<Pooled>,
}

impl Lease<'_> {
    /// The connection and its prepared statements, borrowed apart so that a transaction on
    /// the one can use the other.
    pub(super) fn parts(&mut self) -> (&mut Client, &mut Statements) {
        let pooled = self.pooled.as_mut().expect("connection present until drop");
        (&mut pooled.client, &mut pooled.statements)
    }
}

impl std::ops::Deref for Lease<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self
            .pooled
            .as_ref()
            .expect("connection present until drop")
            .client
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.parts().0
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.pooled.take() {
            if c.client.is_closed() {
                *self.pool.open.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
            } else {
                self.pool
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(c);
            }
            self.pool.returned.notify_one();
        }
    }
}
