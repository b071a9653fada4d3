//! `jiayi-server`: the township server and its admin tasks.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Parser, Subcommand};
use jiayi_core::data_kind::DataKind;
use jiayi_core::household::Village;
use jiayi_core::indicators::Targets;
use jiayi_server::indicators;
use jiayi_server::storage::{AuditEvent, Enrollment};
use jiayi_server::{ServerState, serve, serve_tls};
use jiayi_sync::enrollment::EnrollmentFile;
use jiayi_sync::protocol::{DeviceRole, Limits, ReferenceKind};
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
    /// Where hosted app updates are kept (default: beside a SQLite file, `<file>.updates`;
    /// `updates` in the working folder with PostgreSQL).
    #[arg(long, global = true, env = "JIAYI_UPDATES_DIR")]
    updates_dir: Option<PathBuf>,
    /// The updater public key (.pub) packages must be signed for (default: the one shipped).
    #[arg(long, global = true, env = "JIAYI_UPDATE_KEY")]
    update_key: Option<PathBuf>,
    /// The township key file (offline bundles, audit checkpoints), made owner-only on first
    /// need (default: beside a SQLite file, `<file>.township-key`; `township-key` in the working
    /// folder with PostgreSQL). Keep it out of the database's backups; a copy goes in the safe.
    #[arg(long, global = true, env = "JIAYI_KEY_FILE")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| jiayi_server::township_key::default_path(&self.db))
    }

    fn update_shelf(&self) -> anyhow::Result<jiayi_server::updates::UpdateShelf> {
        let key = match &self.update_key {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
            None => jiayi_server::updates::signature::SHIPPED_PUBLIC_KEY.to_string(),
        };
        let dir = self
            .updates_dir
            .clone()
            .unwrap_or_else(|| jiayi_server::updates::default_dir(&self.db));
        Ok(jiayi_server::updates::UpdateShelf::open(&dir, &key)?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API, the OpenAPI document and the dashboard.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8470")]
        listen: String,
        /// The server certificate (PEM), e.g. from `ca init`; with --tls-key, serves HTTPS.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The server certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// No longer used: the dashboard needs a login (`user add`). Accepted and ignored so
        /// existing start-up scripts keep working.
        #[arg(long, env = "JIAYI_ADMIN_KEY", hide = true)]
        admin_key: Option<String>,
        /// Serve plain HTTP on an address other than loopback (health records and tokens in
        /// clear text on the network: only behind a TLS-terminating proxy on the same host).
        #[arg(long)]
        insecure_http: bool,
        #[arg(long, default_value_t = Limits::default().max_changes)]
        max_changes: u32,
        #[arg(long, default_value_t = Limits::default().max_bytes)]
        max_bytes: u64,
        #[arg(long, default_value_t = Limits::default().max_pull)]
        max_pull: u32,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// The township certificate authority.
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// Bind a device to a doctor, a team and villages; prints its token once.
    Enroll {
        /// The device's 登记码 as its doctor reads it from the sync screen (`K7PQ-M3XZ`), or its
        /// full id. A code the server has not met is bound to the laptop when it first connects
        /// with the token. Enrolling a device again replaces its token and villages. Omitted:
        /// the server makes an id (development).
        #[arg(long, visible_alias = "device")]
        device_id: Option<String>,
        #[arg(long)]
        doctor: String,
        #[arg(long)]
        team: String,
        /// Village id (repeat for several). Required for a doctor; a team leader reaches every
        /// village enrolled for its team, plus these.
        #[arg(long = "village")]
        villages: Vec<Uuid>,
        /// `doctor` or `team-leader`.
        #[arg(long, default_value = "doctor")]
        role: String,
        #[arg(long, default_value = "")]
        label: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// The server's address as devices reach it (for the enrollment file), e.g.
        /// https://192.168.1.10:8470.
        #[arg(long)]
        server: Option<String>,
        /// The township CA certificate (PEM) devices pin (for the enrollment file).
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Write the enrollment file the device imports (it holds the token: hand it over on a
        /// USB stick and delete it afterwards).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Health-center users of the dashboard.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The server's audit log.
    Audit {
        #[command(subcommand)]
        command: jiayi_server::audit_command::AuditCommand,
    },
    /// Revoke a device's token.
    Revoke {
        /// The device's full id or its 登记码.
        #[arg(long)]
        device: String,
    },
    /// List enrolled devices with their 登记码.
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
    /// Assign a named village the serial range its devices issue health-record numbers from
    /// (`--first 1 --last 5000`), or withdraw it (`--clear`); then list every range. Devices
    /// receive the ranges with the reference data at their next sync, each device its own
    /// block of a range (`--block-size`, 500 unless set) so that no two issue the same number.
    RecordRange {
        #[arg(long)]
        village: Option<Uuid>,
        #[arg(long, requires = "village", conflicts_with = "clear")]
        first: Option<u32>,
        #[arg(long, requires = "first")]
        last: Option<u32>,
        #[arg(long, requires = "village")]
        clear: bool,
        /// Serials in each block handed to a device from now on.
        #[arg(long)]
        block_size: Option<u32>,
    },
    /// App updates hosted for the devices: add (signed packages only), list, remove.
    Update {
        #[command(subcommand)]
        command: jiayi_server::updates::command::UpdateCommand,
    },
    /// After restoring the database from a backup: give it a new epoch so every device uploads
    /// what the backup lacks and pulls again.
    NewEpoch,
    /// Whether this server is a demo (training) township: `demo on` on a new, empty server for
    /// training; `demo off` makes an empty server the real township's again; `demo` alone says
    /// which it is. A demo server takes only demo stores, a real one only real stores.
    Demo {
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        switch: Option<String>,
    },
    /// The township's recovery key for forgotten passphrases.
    RecoveryKey {
        #[command(subcommand)]
        command: RecoveryKeyCommand,
    },
    /// Give a doctor's store a new passphrase with the recovery private key (in person, at the
    /// health center). The new passphrase is read twice from standard input.
    Recover {
        /// The store's database file (`jiayi.sqlite3` in the app's data folder).
        #[arg(long)]
        store: PathBuf,
        /// The recovery private key file from `recovery-key init`.
        #[arg(long)]
        recovery_key: PathBuf,
    },
}

#[derive(Subcommand)]
enum RecoveryKeyCommand {
    /// Make the key pair: the private half into FILE (0600; move it to a USB stick kept in the
    /// safe), the public half into this server, for devices to seal their data key to.
    Init {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CaCommand {
    /// Make the township CA and a server certificate signed by it (PEM files; keys 0600).
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// A name or IP address devices use to reach the server (repeat for several).
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// The township's name, shown in the certificates.
        #[arg(long, default_value = "乡镇卫生院")]
        township: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user, or set a user's password; the password is read from the first line of
    /// standard input.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

/// Whether a listening address is reachable from this machine only.
fn is_loopback(addr: std::net::SocketAddr) -> bool {
    addr.ip().is_loopback()
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Ca {
        command:
            CaCommand::Init {
                dir,
                hosts,
                township,
            },
    } = &cli.command
    {
        let files = jiayi_server::tls::ca_init(dir, hosts, township)?;
        println!("township CA      {}", files.ca_cert.display());
        println!(
            "CA key (0600)    {}  (keep it offline)",
            files.ca_key.display()
        );
        println!("server cert      {}", files.server_cert.display());
        println!("server key       {}", files.server_key.display());
        return Ok(());
    }
    if let Command::Recover {
        store,
        recovery_key,
    } = &cli.command
    {
        jiayi_server::recovery::recover(store, recovery_key, &mut std::io::stdin().lock())?;
        println!("the store has a new passphrase; the recovery is noted in its audit log");
        return Ok(());
    }
    let store =
        jiayi_server::open_storage(&cli.db).with_context(|| format!("opening {}", cli.db))?;
    let shelf = cli.update_shelf()?;
    let key_path = cli.key_path();
    let township_key = || {
        jiayi_server::township_key::TownshipKey::load_or_create(&key_path)
            .with_context(|| format!("the township key file {}", key_path.display()))
    };
    match cli.command {
        Command::Ca { .. } | Command::Recover { .. } => {}
        Command::RecoveryKey {
            command: RecoveryKeyCommand::Init { out },
        } => {
            let public = jiayi_server::recovery::init(store.as_ref(), &out)?;
            println!(
                "recovery private key (0600)  {}  (keep it offline, never on this server)",
                out.display()
            );
            println!("recovery public key          {public}");
        }
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            admin_key,
            insecure_http,
            max_changes,
            max_bytes,
            max_pull,
        } => {
            if max_changes == 0 || max_bytes < 4096 || max_pull == 0 {
                bail!("limits too small: max-changes and max-pull must be > 0, max-bytes >= 4096");
            }
            if admin_key.is_some() {
                eprintln!(
                    "note: --admin-key is ignored; the dashboard needs a login (jiayi-server user add)"
                );
            }
            let tls = match (&tls_cert, &tls_key) {
                (Some(cert), Some(key)) => Some(jiayi_server::tls::server_config(cert, key)?),
                _ => None,
            };
            let state = ServerState::new(
                store.clone(),
                Limits {
                    max_changes,
                    max_bytes,
                    max_pull,
                },
            )
            .with_updates(std::sync::Arc::new(shelf))
            .with_township_key(std::sync::Arc::new(township_key()?));
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let listener = jiayi_server::bind(&listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                let local = listener.local_addr()?;
                if tls.is_none() && !is_loopback(local) && !insecure_http {
                    bail!(
                        "refusing plain HTTP on {local}: tokens and health records would cross the network in clear text. \
                         Give --tls-cert and --tls-key (see `jiayi-server ca init`), or --insecure-http behind a TLS proxy."
                    );
                }
                let stopped = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                match tls {
                    Some(tls) => {
                        println!("listening on https://{local}");
                        serve_tls(listener, tls, state, stopped).await?;
                    }
                    None => {
                        println!("listening on http://{local}");
                        serve(listener, state, stopped).await?;
                    }
                }
                anyhow::Ok(())
            })?;
        }
        Command::Migrate => println!("schema up to date; epoch {}", store.epoch()?),
        Command::Enroll {
            device_id,
            doctor,
            team,
            villages,
            role,
            label,
            json,
            server,
            ca,
            out,
        } => {
            let Some(role) = DeviceRole::parse(&role) else {
                bail!("role must be doctor or team-leader");
            };
            let ca_pem = match &ca {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?,
                ),
                None => None,
            };
            if out.is_some() && server.is_none() {
                bail!("--out needs --server (the address devices use)");
            }
            // Check the file's address and CA before the device is enrolled, so a wrong one
            // does not leave a token nobody can use.
            if let Some(server) = &server {
                jiayi_sync::enrollment::check_address(server, ca_pem.as_deref())
                    .map_err(|e| anyhow::anyhow!("--server/--ca: {e}"))?;
            }
            if let Some(out) = &out {
                jiayi_server::private_file::refuse_link(out)?;
            }
            let enrollment = Enrollment {
                device_id: None,
                doctor_name: doctor,
                team_name: team,
                villages,
                label,
                awaiting_code: None,
            };
            let device = jiayi_server::enrollment::enroll(
                &*store,
                device_id.as_deref(),
                enrollment.clone(),
                role,
                Utc::now(),
            )?;
            if let (Some(out), Some(server)) = (&out, &server) {
                let file = EnrollmentFile {
                    server: server.trim_end_matches('/').to_string(),
                    device_id: device.enrolled.device_id,
                    device_code: device.awaiting_first_contact.then(|| device.code.clone()),
                    token: device.enrolled.token.clone(),
                    ca_pem: ca_pem.clone(),
                    doctor: enrollment.doctor_name.clone(),
                    team: enrollment.team_name.clone(),
                    villages: enrollment.villages.clone(),
                    role,
                    township_keys: Some(township_key()?.public()),
                };
                jiayi_server::private_file::write(out, file.to_json().as_bytes())
                    .with_context(|| format!("writing {}", out.display()))?;
                eprintln!("enrollment file written to {}", out.display());
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&device)?);
            } else {
                if device.awaiting_first_contact {
                    println!(
                        "code    {} (bound to the laptop when it first connects)",
                        device.code
                    );
                } else {
                    println!("device  {}", device.enrolled.device_id);
                    println!("code    {}", device.code);
                }
                println!("token   {}", device.enrolled.token);
                println!("(the token is shown only now; keep it on the device)");
            }
        }
        Command::Revoke { device } => {
            let device = jiayi_server::device_code::resolve(&*store, &device)?;
            let now = Utc::now();
            if !store.revoke(device, now)? {
                bail!("no active device {device}");
            }
            store.append_audit(
                &AuditEvent::operator("revoke").with_record("device", device),
                now,
            )?;
            println!("revoked {device}");
        }
        Command::Devices => {
            let listed = jiayi_server::device_code::listed(store.devices()?);
            println!("{}", serde_json::to_string_pretty(&listed)?)
        }
        Command::Publish { kind, name, file } => {
            let Some(kind) = ReferenceKind::parse(&kind) else {
                bail!("kind must be one of catalog, term_policy, register, teams");
            };
            let content = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let now = Utc::now();
            let doc = store.publish(kind, &name, &content, now)?;
            // Records in the log are separated by spaces; a document's name may hold some.
            let named: String = doc
                .name
                .chars()
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect();
            store.append_audit(
                &AuditEvent::operator("publish")
                    .with_record(doc.kind.as_str(), format!("{named}@{}", doc.version)),
                now,
            )?;
            println!(
                "published {} {} version {}",
                doc.kind.as_str(),
                doc.name,
                doc.version
            );
        }
        Command::Conflicts { all } => {
            let conflicts = store.conflicts(!all)?;
            // The listing shows losing and winning values: a view of records, so it is logged.
            store.append_audit(
                &AuditEvent::operator("conflicts-view").with_records(
                    conflicts
                        .iter()
                        .map(|c| format!("{}:{}", c.entity, c.entity_id)),
                ),
                Utc::now(),
            )?;
            println!("{}", serde_json::to_string_pretty(&conflicts)?)
        }
        Command::Resolve { id, note } => {
            let now = Utc::now();
            if !store.resolve_conflict(id, &note, now)? {
                bail!("no open conflict {id}");
            }
            store.append_audit(
                &AuditEvent::operator("resolve").with_record("conflict", id),
                now,
            )?;
            println!("conflict {id} settled");
        }
        Command::Bundle { input, output } => {
            let bytes =
                std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            let reply = jiayi_server::bundle::answer(
                store.as_ref(),
                &township_key()?,
                &Limits::default(),
                &bytes,
                Utc::now(),
            )?;
            jiayi_server::private_file::write(&output, &reply)
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
        Command::RecordRange {
            village,
            first,
            last,
            clear,
            block_size,
        } => {
            if let Some(village) = village {
                let range = match (first, last, clear) {
                    (_, _, true) => None,
                    (Some(first), Some(last), false) => {
                        Some(jiayi_core::record_number::SerialRange { first, last })
                    }
                    _ => bail!("give --first and --last, or --clear"),
                };
                jiayi_server::record_ranges::set_record_range(&*store, village, range)?;
            }
            if let Some(size) = block_size {
                jiayi_server::record_ranges::set_block_size(&*store, size)?;
            }
            print!("{}", jiayi_server::record_ranges::listing(&*store)?);
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
        Command::Demo { switch } => {
            if let Some(switch) = switch {
                let kind = match switch.as_str() {
                    "on" => DataKind::Demo,
                    _ => DataKind::Real,
                };
                jiayi_server::data_kind::set_server_kind(store.as_ref(), kind)?;
            }
            match jiayi_server::data_kind::server_kind(store.as_ref())? {
                DataKind::Demo => println!("演示（培训）服务器：只接受演示数据 / a demo township"),
                DataKind::Real => println!("正式服务器：不接受演示数据 / the real township"),
            }
        }
        Command::Update { command } => {
            println!(
                "{}",
                jiayi_server::updates::command::run(command, &shelf, store.as_ref())?
            );
        }
        Command::NewEpoch => {
            let epoch = store.renew_epoch()?;
            store.append_audit(
                &AuditEvent::operator("new-epoch").with_record("epoch", epoch),
                Utc::now(),
            )?;
            println!("new epoch {epoch}");
        }
        Command::User {
            command: UserCommand::Add { name, role },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            jiayi_server::web::auth::add_user(store.as_ref(), &name, &role, password)?;
            println!("user {} ({role}) saved", name.trim());
        }
        Command::Audit { command } => {
            let out = jiayi_server::audit_command::run(command, store.as_ref(), &key_path)?;
            println!("{out}");
        }
    }
    // What this command logged is chained before it ends (a running server chains its own).
    store.seal_audit()?;
    Ok(())
}
