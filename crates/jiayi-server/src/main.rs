//! `jiayi-server`: the township server and its admin tasks.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Parser, Subcommand};
use jiayi_core::household::Village;
use jiayi_core::indicators::Targets;
use jiayi_server::indicators;
use jiayi_server::storage::{self, Enrollment};
use jiayi_server::{AppState, serve};
use jiayi_sync::protocol::{Limits, ReferenceKind};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "jiayi-server",
    version,
    about = "Township server for family doctor contract sync"
)]
struct Cli {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db
    #[arg(
        long,
        global = true,
        env = "JIAYI_DB",
        default_value = "sqlite://jiayi-server.db"
    )]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API, the OpenAPI document and the dashboard.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8470")]
        listen: String,
        /// Key for the staff dashboard (/dashboard?key=…); without it the dashboard is off.
        #[arg(long, env = "JIAYI_ADMIN_KEY")]
        admin_key: Option<String>,
        #[arg(long, default_value_t = Limits::default().max_changes)]
        max_changes: u32,
        #[arg(long, default_value_t = Limits::default().max_bytes)]
        max_bytes: u64,
        #[arg(long, default_value_t = Limits::default().max_pull)]
        max_pull: u32,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Bind a device to a doctor, a team and villages; prints its token once.
    Enroll {
        /// The device's id as its app shows it (a new one is made when omitted). Enrolling a
        /// device again replaces its token and villages.
        #[arg(long)]
        device_id: Option<Uuid>,
        #[arg(long)]
        doctor: String,
        #[arg(long)]
        team: String,
        /// Village id (repeat for several).
        #[arg(long = "village", required = true)]
        villages: Vec<Uuid>,
        #[arg(long, default_value = "")]
        label: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device's token.
    Revoke {
        #[arg(long)]
        device: Uuid,
    },
    /// List enrolled devices.
    Devices,
    /// Publish a new version of a reference document (catalog, term_policy, register, teams).
    Publish {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// List conflicts (open ones unless --all).
    Conflicts {
        #[arg(long)]
        all: bool,
    },
    /// Mark a conflict settled, with a note on the decision.
    Resolve {
        #[arg(long)]
        id: i64,
        #[arg(long)]
        note: String,
    },
    /// Import a device's offline bundle and write the reply bundle for it.
    Bundle {
        /// The file the device wrote.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the reply the device imports.
        #[arg(long = "out")]
        output: PathBuf,
    },
    /// Show the indicator targets, or set some: `--set fulfilment=0.92 --set signing=35%`
    /// (`none` removes a target). The dashboard judges every figure against them.
    Targets {
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// List the villages (id, code, name) for enrollment; `--file` first adds or renames the
    /// villages of a JSON array of {id, code, name, township}.
    Villages {
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// After restoring the database from a backup: give it a new epoch so every device uploads
    /// what the backup lacks and pulls again.
    NewEpoch,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let store = storage::open(&cli.db).with_context(|| format!("opening {}", cli.db))?;
    match cli.command {
        Command::Serve {
            listen,
            admin_key,
            max_changes,
            max_bytes,
            max_pull,
        } => {
            if max_changes == 0 || max_bytes < 4096 || max_pull == 0 {
                bail!("limits too small: max-changes and max-pull must be > 0, max-bytes >= 4096");
            }
            let state = AppState {
                storage: store,
                limits: Limits {
                    max_changes,
                    max_bytes,
                    max_pull,
                },
                admin_key,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                println!("listening on http://{}", listener.local_addr()?);
                serve(listener, state, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
                anyhow::Ok(())
            })?;
        }
        Command::Migrate => println!("schema up to date; epoch {}", store.epoch()?),
        Command::Enroll {
            device_id,
            doctor,
            team,
            villages,
            label,
            json,
        } => {
            let enrolled = store.enroll(
                &Enrollment {
                    device_id,
                    doctor_name: doctor,
                    team_name: team,
                    villages,
                    label,
                },
                Utc::now(),
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&enrolled)?);
            } else {
                println!("device  {}", enrolled.device_id);
                println!("token   {}", enrolled.token);
                println!("(the token is shown only now; keep it on the device)");
            }
        }
        Command::Revoke { device } => {
            if !store.revoke(device, Utc::now())? {
                bail!("no active device {device}");
            }
            println!("revoked {device}");
        }
        Command::Devices => println!("{}", serde_json::to_string_pretty(&store.devices()?)?),
        Command::Publish { kind, name, file } => {
            let Some(kind) = ReferenceKind::parse(&kind) else {
                bail!("kind must be one of catalog, term_policy, register, teams");
            };
            let content = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let doc = store.publish(kind, &name, &content, Utc::now())?;
            println!(
                "published {} {} version {}",
                doc.kind.as_str(),
                doc.name,
                doc.version
            );
        }
        Command::Conflicts { all } => {
            println!("{}", serde_json::to_string_pretty(&store.conflicts(!all)?)?)
        }
        Command::Resolve { id, note } => {
            if !store.resolve_conflict(id, &note, Utc::now())? {
                bail!("no open conflict {id}");
            }
            println!("conflict {id} settled");
        }
        Command::Bundle { input, output } => {
            let bytes =
                std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            let reply = jiayi_server::bundle::answer(
                store.as_ref(),
                &Limits::default(),
                &bytes,
                Utc::now(),
            )?;
            std::fs::write(&output, reply)
                .with_context(|| format!("writing {}", output.display()))?;
            println!("reply written to {}", output.display());
        }
        Command::Targets { set } => {
            let targets = if set.is_empty() {
                indicators::targets(store.as_ref())?
            } else {
                indicators::set_targets(store.as_ref(), &set)?
            };
            for key in Targets::KEYS {
                let value = targets
                    .get(key)
                    .flatten()
                    .map(|v| format!("{:.1}%", v * 100.0))
                    .unwrap_or_else(|| "none".into());
                println!("{key:<26} {value}");
            }
        }
        Command::Villages { file } => {
            if let Some(file) = file {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let villages: Vec<Village> = serde_json::from_str(&text)
                    .with_context(|| format!("reading villages from {}", file.display()))?;
                store.put_villages(&villages)?;
            }
            let named = store.villages()?;
            for v in &named {
                println!("{}  {:<12}  {}", v.id, v.code, v.name);
            }
            // Villages devices have sent records for that the township has not named yet.
            for p in store.village_progress()? {
                if !named.iter().any(|v| v.id == p.village_id) {
                    println!("{}  {:<12}  (no name yet)", p.village_id, "");
                }
            }
        }
        Command::NewEpoch => println!("new epoch {}", store.renew_epoch()?),
    }
    Ok(())
}
