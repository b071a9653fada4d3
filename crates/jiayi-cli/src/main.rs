//! `jiayi`: every operation of the app from the command line, over the same API crate.
//!
//! Exit status: 0 done; 2 refused input (nothing saved), with the reason on stderr in Chinese
//! or, with `--lang en`, English; 1 when the store itself failed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use jiayi_api::{
    Api, ApiError, ChangeDoctorRequest, DeclineRenewalRequest, GuardianSignatory, MemberChoice,
    RegisterRequest, SignRequest, TerminateRequest, VaultState, VisitRequest, create_vault,
    open_vault, protect_plain_vault, vault_status,
};
use jiayi_core::Lang;
use jiayi_core::contract::TerminationReason;
use jiayi_core::visit::{VisitKind, VisitMode, Vitals};
use jiayi_demo::{DemoSize, build_demo};
use jiayi_store::DbFile;
use serde::Serialize;
use uuid::Uuid;

mod backup;
mod passwd;
mod print;
mod render;
mod reports;
mod services;
mod year;
mod year_render;

#[derive(Parser)]
#[command(
    name = "jiayi",
    version,
    about = "家医签约 — family doctor contract service, from the command line"
)]
struct Cli {
    /// The local database file. A missing one is created encrypted with --passphrase-stdin, or
    /// unencrypted with --unencrypted (tests and demos only).
    #[arg(long, global = true, default_value = "jiayi.sqlite3")]
    db: PathBuf,
    /// Language of messages: zh (default) or en.
    #[arg(long, global = true, default_value = "zh")]
    lang: String,
    /// Read the database's passphrase from the first line of standard input. Needed for an
    /// encrypted database; with a new one, creates it encrypted.
    #[arg(long, global = true)]
    passphrase_stdin: bool,
    /// Create a missing database WITHOUT encryption (residents' details in the clear: for tests
    /// and demos only). Without it, a missing database needs --passphrase-stdin.
    #[arg(long, global = true, conflicts_with = "passphrase_stdin")]
    unencrypted: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Size {
    Full,
    Small,
}

#[derive(Subcommand)]
enum Command {
    /// Make a fresh backup of the store and copy it into DIR (a USB stick), read back to check.
    Backup {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup as this store. Standard input: the backup's passphrase; over an
    /// existing store, first that store's passphrase, then the backup's.
    Restore {
        file: PathBuf,
        /// When the existing store has unsynced work: back it up first, then restore.
        #[arg(long)]
        back_up_current_first: bool,
        #[arg(long)]
        json: bool,
    },
    /// Encrypt a database made before encryption, in place, under the passphrase read from
    /// standard input (with --passphrase-stdin).
    Protect,
    /// Change the passphrase: the old one, the new one and the new one again on the first
    /// three lines of standard input. The data is re-encrypted under a new key.
    Passwd,
    /// Build the demo township into the database.
    Demo {
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = Size::Full)]
        size: Size,
        /// The day the demo is built as of (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Register a household from a JSON file ("-" for standard input).
    Register {
        file: PathBuf,
        /// Register even when members look like people already registered.
        #[arg(long)]
        confirm_duplicates: bool,
        #[arg(long)]
        json: bool,
    },
    /// Find residents by name, pinyin, initials, ID number or phone.
    Search {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Show a household with its members and contracts; or move, split, change its head,
    /// show its year.
    Household(year::HouseholdArgs),
    /// Correct a resident's details; groups that start and end on dates.
    Resident {
        #[command(subcommand)]
        action: year::ResidentCommand,
    },
    /// Members joining and leaving a household.
    Member {
        #[command(subcommand)]
        action: year::MemberCommand,
    },
    /// A contract's history, and amendments to it.
    Contract {
        #[command(subcommand)]
        action: year::ContractCommand,
    },
    /// Due and overdue service items.
    Due {
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// The work list: due items, renewals within 30 days, unsigned priority residents.
    Worklist {
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Sign a contract for a household.
    Sign {
        /// A JSON sign request instead of the options below.
        #[arg(long, conflicts_with_all = ["household", "member"])]
        request: Option<PathBuf>,
        #[arg(long)]
        household: Option<Uuid>,
        /// A covered member: RESIDENT_ID, or RESIDENT_ID:paid_pkg,paid_pkg. Repeat per member.
        #[arg(long)]
        member: Vec<String>,
        #[arg(long)]
        representative: Option<Uuid>,
        /// A guardian (监护人) who signs for the household instead of a member.
        #[arg(long, requires = "guardian_relation")]
        guardian: Option<String>,
        /// The guardian's relation, e.g. 祖母 or 村委会指定.
        #[arg(long, requires = "guardian")]
        guardian_relation: Option<String>,
        /// The guardian's ID number, when they have one.
        #[arg(long, requires = "guardian")]
        guardian_id_number: Option<String>,
        #[arg(long)]
        doctor: Option<Uuid>,
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Show the agreement that would be signed, without signing.
        #[arg(long)]
        preview: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record a visit.
    Visit {
        #[arg(long)]
        resident: Uuid,
        /// The service item fulfilled (e.g. hypertension_follow_up).
        #[arg(long)]
        item: Option<String>,
        /// The kind of visit when no item is given (e.g. consultation).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value = "home")]
        mode: String,
        #[arg(long)]
        systolic: Option<u16>,
        #[arg(long)]
        diastolic: Option<u16>,
        #[arg(long)]
        heart_rate: Option<u16>,
        #[arg(long)]
        glucose: Option<f64>,
        #[arg(long)]
        height: Option<f64>,
        #[arg(long)]
        weight: Option<f64>,
        #[arg(long)]
        waist: Option<f64>,
        #[arg(long, default_value = "")]
        notes: String,
        /// The team member who served (their id): a member of the team answering for the
        /// resident that day. By default the doctor enrolled on this device when in that team,
        /// else the contract's family doctor of the day.
        #[arg(long, value_name = "MEMBER_ID")]
        served_by: Option<Uuid>,
        #[arg(long)]
        json: bool,
    },
    /// Renew a contract for the next term (by id or agreement number).
    Renew {
        contract: String,
        #[arg(long)]
        json: bool,
    },
    /// List the contracts that renewed by themselves up to a day (renewal is automatic: this
    /// writes nothing).
    RenewDue {
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Change the family doctor within the team.
    ChangeDoctor {
        contract: String,
        #[arg(long)]
        doctor: Uuid,
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// Terminate a contract, or decline its renewal; both parties must confirm.
    Terminate {
        contract: String,
        /// moved_out, unreachable_for_a_year, refused_service_for_a_year, on_request, death, other
        #[arg(long, required_unless_present = "decline_renewal")]
        reason: Option<String>,
        /// Decline the renewal: terminated on request from the day after the term in force ends.
        #[arg(long, conflicts_with_all = ["reason", "date"])]
        decline_renewal: bool,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        resident_confirmed: bool,
        #[arg(long)]
        doctor_confirmed: bool,
        #[arg(long)]
        json: bool,
    },
    /// Device status: pending changes, last sync, counts, reference data held.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Print a document as PDF: agreement, termination, card (one household) or cards (a village).
    Print {
        #[command(subcommand)]
        document: print::PrintCommand,
    },
    /// Show the township settings, or change them (e.g. the term policy of new agreements).
    Settings {
        /// rolling_year (one year from signing) or calendar_year (to 31 December).
        #[arg(long)]
        term_policy: Option<String>,
        #[arg(long)]
        township: Option<String>,
        #[arg(long)]
        health_center: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Teams and their members.
    Teams {
        #[arg(long)]
        json: bool,
    },
    /// Keep the township server's address and this device's token (checked against the server).
    Enroll {
        /// The enrollment file the health center wrote (`jiayi-server enroll --out`): address,
        /// token and the township CA. Needed for a server on https.
        #[arg(long, conflicts_with_all = ["server", "token"], required_unless_present = "server")]
        file: Option<PathBuf>,
        /// A loopback server over plain http (development), e.g. http://127.0.0.1:8470.
        #[arg(long, requires = "token")]
        server: Option<String>,
        /// The token the health center printed when enrolling this device.
        #[arg(long, requires = "server")]
        token: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Forget the server address and token (records and unsent changes stay).
    Unenroll,
    /// Sync with the township server now: push, pull, reference data.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Enrollment, pending changes, last sync, last error, reference versions held.
    SyncStatus {
        #[arg(long)]
        json: bool,
    },
    /// Changes the server refused, with the reason.
    Refusals {
        /// Include the settled ones.
        #[arg(long)]
        all: bool,
        /// Mark this refusal settled.
        #[arg(long)]
        settle: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// The device's audit log: who read or changed which record, when.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Offline sync through a file: export for the health center, import its reply.
    Bundle {
        #[command(subcommand)]
        action: BundleCommand,
    },
    /// The township's indicators for a period, by village, team or doctor; lists; Excel.
    Report(reports::ReportArgs),
    /// Show or set the township's indicator targets.
    Targets(reports::TargetsArgs),
    /// Import a household roster (台账) from Excel: preview and checks, then --yes to import.
    Import(reports::ImportArgs),
    /// Two-way referral (双向转诊): refer out, record the return, list a household's.
    Referral {
        #[command(subcommand)]
        action: services::ReferralCommand,
    },
    /// The yearly satisfaction survey (满意度调查): the questions, record one, list a household's.
    Survey {
        #[command(subcommand)]
        action: services::SurveyCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits with an error when an entry was changed or removed.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// The newest entries.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Remove entries older than six months (the rest stays checkable).
    Prune,
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Write the unsent changes into an encrypted file.
    Export {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Import the reply file the health center's server wrote.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::from_tag(&cli.lang);
    match run(cli, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let label = lang.pick("错误", "error");
            eprintln!("{label}：{}", e.message);
            if e.code == "store_error" || e.code == "store_corrupt" {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

/// The passphrase from standard input's first line (never from the command line, where other
/// users of the machine could read it).
fn read_passphrase(lang: Lang) -> Result<zeroize::Zeroizing<String>, ApiError> {
    jiayi_api::read_passphrase(&mut std::io::stdin().lock()).map_err(|e| {
        ApiError::invalid(
            "invalid_input",
            &format!("无法读取口令：{e}"),
            &format!("cannot read the passphrase: {e}"),
        )
        .localised(lang)
    })
}

/// Opens the database: unlocked with the passphrase (the unlock noted in its audit log, like
/// the app's), created encrypted with one, or plain where that was asked for or already so.
fn open_store(cli: &Cli, lang: Lang) -> Result<(Api, DbFile), ApiError> {
    let state = vault_status(&cli.db, Utc::now(), lang)?.state;
    let protect = matches!(cli.command, Command::Protect);
    let plain = |db: DbFile| Api::open_file(&db, lang).map(|api| (api, db));
    if !cli.passphrase_stdin {
        return match state {
            VaultState::Encrypted => Err(needs_passphrase(lang)),
            VaultState::Plain if protect => Err(needs_passphrase(lang)),
            // A store made before encryption: still opened as it is.
            VaultState::Plain => plain(DbFile::plain(&cli.db)),
            VaultState::New if cli.unencrypted && !protect => {
                eprintln!("{}", unencrypted_warning(cli, lang));
                plain(DbFile::plain(&cli.db))
            }
            VaultState::New => Err(no_store(cli, lang)),
        };
    }
    let passphrase = read_passphrase(lang)?;
    match state {
        VaultState::New => plain(create_vault(&cli.db, &passphrase, &passphrase, lang)?),
        VaultState::Plain if protect => plain(protect_plain_vault(
            &cli.db,
            &passphrase,
            &passphrase,
            lang,
        )?),
        VaultState::Plain => Err(ApiError::invalid(
            "not_encrypted",
            "该数据库尚未加密，请先运行 jiayi protect --passphrase-stdin",
            "this database is not encrypted yet: run jiayi protect --passphrase-stdin first",
        )
        .localised(lang)),
        VaultState::Encrypted => {
            let opened = open_vault(&cli.db, &passphrase, Utc::now(), lang)?;
            if let Some(notice) = &opened.notice {
                eprintln!("{notice}");
            }
            Ok((opened.api, opened.db))
        }
    }
}

fn no_store(cli: &Cli, lang: Lang) -> ApiError {
    let path = cli.db.display();
    ApiError::invalid(
        "no_store",
        &format!(
            "{path} 处还没有数据库。新建数据库需要口令：请加 --passphrase-stdin 并从标准输入提供口令，将建立加密的数据库；仅供测试或演示时，可加 --unencrypted 建立不加密的数据库"
        ),
        &format!(
            "there is no database at {path}. A new database needs a passphrase: add --passphrase-stdin and give it on standard input to create an encrypted one; for tests or demos only, --unencrypted creates one without encryption"
        ),
    )
    .localised(lang)
}

fn unencrypted_warning(cli: &Cli, lang: Lang) -> String {
    let path = cli.db.display();
    match lang {
        Lang::Zh => format!(
            "注意：正在建立不加密的数据库 {path}，其中居民的姓名、身份证号等以明文保存，只可用于测试或演示"
        ),
        Lang::En => format!(
            "warning: creating the UNENCRYPTED database {path}; residents' names and ID numbers are stored in the clear: for tests or demos only"
        ),
    }
}

fn needs_passphrase(lang: Lang) -> ApiError {
    ApiError::invalid(
        "locked",
        "该数据库已加密（或要加密）：请加 --passphrase-stdin 并从标准输入提供口令",
        "this database is encrypted (or is to be): add --passphrase-stdin and give the passphrase on standard input",
    )
    .localised(lang)
}

fn run(cli: Cli, lang: Lang) -> Result<(), ApiError> {
    if let Command::Restore {
        file,
        back_up_current_first,
        json,
    } = &cli.command
    {
        return backup::restore(&cli.db, file, *back_up_current_first, *json, lang);
    }
    if matches!(cli.command, Command::Passwd) {
        return passwd::run(&cli.db, lang);
    }
    let (mut api, db) = open_store(&cli, lang)?;
    match cli.command {
        Command::Backup { out, json } => backup::backup(&mut api, &db, &out, json),
        // Handled before the database is opened.
        Command::Restore { .. } | Command::Passwd => Ok(()),
        Command::Protect => {
            println!(
                "{}",
                lang.pick(
                    "数据库已加密，每条记录都已核对",
                    "the database is encrypted; every row was counted across"
                )
            );
            Ok(())
        }
        Command::Demo {
            seed,
            size,
            date,
            json,
        } => {
            let size = match size {
                Size::Full => DemoSize::FULL,
                Size::Small => DemoSize::SMALL,
            };
            if api.status()?.households > 0 {
                return Err(ApiError::invalid(
                    "not_empty",
                    "数据库中已有数据，示范乡镇只能建在空库中",
                    "the database already holds data; the demo is built into an empty one",
                )
                .localised(lang));
            }
            let today = date.unwrap_or(api.today());
            let summary = build_demo(&mut api, seed, size, today)?;
            output(json, &summary, || render::demo(&summary, lang))
        }
        Command::Register {
            file,
            confirm_duplicates,
            json,
        } => {
            let text = read_input(&file, lang)?;
            let household = serde_json::from_str(&text).map_err(|e| bad_json(&e, lang))?;
            let outcome = api.register_household(&RegisterRequest {
                household,
                confirm_duplicates,
            })?;
            if !outcome.saved {
                if json {
                    print_json(&outcome);
                } else {
                    println!("{}", render::duplicates(&outcome.duplicates, lang));
                }
                return Err(ApiError::invalid(
                    "duplicate_warning",
                    "发现可能重复的居民，未保存。核实后如确需登记，请加 --confirm-duplicates",
                    "possible duplicates found; nothing saved. Add --confirm-duplicates to register anyway",
                )
                .localised(lang));
            }
            output(json, &outcome, || render::registered(&outcome, lang))
        }
        Command::Search { text, limit, json } => {
            let hits = api.search(&text, limit)?;
            output(json, &hits, || render::hits(&hits, lang))
        }
        Command::Household(args) => year::household(&mut api, args, lang),
        Command::Resident { action } => year::resident(&mut api, action, lang),
        Command::Member { action } => year::member(&mut api, action, lang),
        Command::Contract { action } => year::contract(&mut api, action, lang),
        Command::Due { date, json } => {
            let due = api.due(date)?;
            output(json, &due, || render::due(&due, lang))
        }
        Command::Worklist { date, json } => {
            let list = api.work_list(date)?;
            output(json, &list, || render::work_list(&list, lang))
        }
        Command::Sign {
            request,
            household,
            member,
            representative,
            guardian,
            guardian_relation,
            guardian_id_number,
            doctor,
            date,
            preview,
            json,
        } => {
            let request = match request {
                Some(path) => serde_json::from_str(&read_input(&path, lang)?)
                    .map_err(|e| bad_json(&e, lang))?,
                None => SignRequest {
                    household_id: household.ok_or_else(|| missing("--household", lang))?,
                    guardian: guardian.map(|name| GuardianSignatory {
                        name,
                        relation: guardian_relation.unwrap_or_default(),
                        id_number: guardian_id_number,
                    }),
                    representative_id: representative,
                    members: member
                        .iter()
                        .map(|m| parse_member(m, lang))
                        .collect::<Result<_, _>>()?,
                    team_id: None,
                    doctor_id: doctor,
                    signed_on: date,
                    resident_signature_png: None,
                    doctor_signature_png: None,
                },
            };
            if preview {
                let snapshot = api.preview_agreement(&request)?;
                print_json(&snapshot);
                return Ok(());
            }
            let outcome = api.sign_contract(&request)?;
            output(json, &outcome, || render::signed(&outcome, lang))
        }
        Command::Visit {
            resident,
            item,
            kind,
            mode,
            systolic,
            diastolic,
            heart_rate,
            glucose,
            height,
            weight,
            waist,
            notes,
            served_by,
            json,
        } => {
            let request = VisitRequest {
                resident_id: resident,
                item_code: item,
                kind: kind
                    .map(|k| parse_enum::<VisitKind>(&k, "kind", lang))
                    .transpose()?,
                mode: parse_enum::<VisitMode>(&mode, "mode", lang)?,
                occurred_at: None,
                vitals: Vitals {
                    systolic_mmhg: systolic,
                    diastolic_mmhg: diastolic,
                    heart_rate_bpm: heart_rate,
                    fasting_glucose_mmol_l: glucose,
                    height_cm: height,
                    weight_kg: weight,
                    waist_cm: waist,
                },
                notes,
                served_by,
                answers: Default::default(),
            };
            let outcome = api.record_visit(&request)?;
            output(json, &outcome, || render::visit(&outcome, lang))
        }
        Command::Renew { contract, json } => {
            let id = contract_id(&api, &contract)?;
            let outcome = api.renew(id, false)?;
            output(json, &outcome, || render::signed(&outcome, lang))
        }
        Command::RenewDue { date, json } => {
            let day = date.unwrap_or(api.today());
            let outcome = api.renew_due(day)?;
            output(json, &outcome, || {
                outcome
                    .renewed
                    .iter()
                    .map(|r| render::auto_renewed(r, lang))
                    .chain(std::iter::once(format!(
                        "{} {}",
                        outcome.renewed.len(),
                        lang.pick(
                            "次自动续约（视为自动续约，无需办理）",
                            "automatic renewals (nothing to do: renewal is automatic)"
                        )
                    )))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::ChangeDoctor {
            contract,
            doctor,
            date,
            note,
            json,
        } => {
            let id = contract_id(&api, &contract)?;
            api.change_doctor(&ChangeDoctorRequest {
                contract_id: id,
                doctor_id: doctor,
                effective_on: date,
                note,
            })?;
            let summary = api.contract_summary(id)?;
            output(json, &summary, || {
                lang.pick("已更换签约医生", "family doctor changed")
                    .to_string()
            })
        }
        Command::Terminate {
            contract,
            reason,
            decline_renewal,
            note,
            date,
            resident_confirmed,
            doctor_confirmed,
            json,
        } => {
            let id = contract_id(&api, &contract)?;
            let outcome = if decline_renewal {
                api.decline_renewal(&DeclineRenewalRequest {
                    contract_id: id,
                    note,
                    resident_confirmed,
                    doctor_confirmed,
                    resident_signature_png: None,
                    doctor_signature_png: None,
                })?
            } else {
                let reason = reason.unwrap_or_default();
                api.terminate(&TerminateRequest {
                    contract_id: id,
                    reason: parse_enum::<TerminationReason>(&reason, "reason", lang)?,
                    note,
                    effective_on: date,
                    resident_confirmed,
                    doctor_confirmed,
                    resident_signature_png: None,
                    doctor_signature_png: None,
                })?
            };
            output(json, &outcome, || {
                format!(
                    "{}{}",
                    lang.pick("已解约，生效日期 ", "terminated, effective "),
                    outcome.effective_on
                )
            })
        }
        Command::Status { json } => {
            let status = api.status()?;
            output(json, &status, || render::status(&status, lang))
        }
        Command::Print { document } => print::print(&api, document, lang),
        Command::Settings {
            term_policy,
            township,
            health_center,
            json,
        } => {
            let mut settings = api.settings()?;
            let changed = term_policy.is_some() || township.is_some() || health_center.is_some();
            if let Some(policy) = term_policy {
                settings.term_policy = parse_enum(&policy, "term-policy", lang)?;
            }
            if let Some(township) = township {
                settings.township = township.trim().to_string();
            }
            if let Some(center) = health_center {
                settings.health_center = center.trim().to_string();
            }
            if changed {
                api.put_settings(&settings)?;
            }
            output(json, &settings, || render::settings(&settings, lang))
        }
        Command::Teams { json } => {
            let teams = api.teams()?;
            output(json, &teams, || render::teams(&teams, lang))
        }
        Command::Enroll {
            file,
            server,
            token,
            json,
        } => {
            let outcome = match (file, server, token) {
                (Some(file), _, _) => {
                    let text = std::fs::read_to_string(&file).map_err(|e| {
                        ApiError::invalid(
                            "invalid_input",
                            &format!("无法读取 {}：{e}", file.display()),
                            &format!("cannot read {}: {e}", file.display()),
                        )
                        .localised(lang)
                    })?;
                    api.enroll_from_file(&text)?
                }
                (None, Some(server), Some(token)) => api.enroll_device(&server, &token)?,
                _ => {
                    return Err(ApiError::invalid(
                        "invalid_input",
                        "请用 --file 指定登记文件，或同时给出 --server 和 --token",
                        "give --file, or both --server and --token",
                    )
                    .localised(lang));
                }
            };
            for w in &outcome.warnings {
                eprintln!("{}：{}", lang.pick("注意", "note"), w.message);
            }
            output(json, &outcome.settings, || {
                render::sync_settings(&outcome.settings, lang)
            })
        }
        Command::Unenroll => {
            let had = api.forget_enrollment()?;
            println!(
                "{}",
                if had {
                    lang.pick(
                        "已取消登记，本机记录和未同步的修改都已保留",
                        "enrollment forgotten; records and unsent changes are kept",
                    )
                } else {
                    lang.pick("本设备未登记", "this device is not enrolled")
                }
            );
            Ok(())
        }
        Command::Sync { json } => {
            let summary = api.sync_now(&|e| {
                if let jiayi_api::SyncEvent::Progress(p) = e {
                    eprintln!("{}", render::sync_progress(&p, lang));
                }
            })?;
            for w in &summary.warnings {
                eprintln!("{}：{}", lang.pick("注意", "note"), w.message);
            }
            if let Some(offer) = api.update_offer()? {
                eprintln!(
                    "{}",
                    lang.pick(
                        &format!(
                            "有新版本 {} 可以安装：请在 Jiayi 应用的同步页面安装。{}",
                            offer.version, offer.notes
                        ),
                        &format!(
                            "A new version {} can be installed from the app's sync page. {}",
                            offer.version, offer.notes
                        ),
                    )
                );
            }
            output(json, &summary, || render::sync_summary(&summary, lang))
        }
        Command::SyncStatus { json } => {
            let status = api.sync_status()?;
            output(json, &status, || render::sync_status(&status, lang))
        }
        Command::Refusals { all, settle, json } => {
            if let Some(id) = settle {
                api.settle_refusal(id)?;
            }
            let refusals = api.refusals(all)?;
            output(json, &refusals, || render::refusals(&refusals, lang))
        }
        Command::Audit { action } => match action {
            AuditCommand::Verify { json } => {
                let check = api.verify_audit()?;
                output(json, &check, || match (check.broken_at, lang) {
                    (None, Lang::Zh) => {
                        format!("审计日志完整：{} 条记录，哈希链无断点。", check.entries)
                    }
                    (None, Lang::En) => format!(
                        "Audit log intact: {} entries, the hash chain holds.",
                        check.entries
                    ),
                    (Some(seq), Lang::Zh) => format!(
                        "审计日志被改动：第 {seq} 条起哈希链断开（共 {} 条）。",
                        check.entries
                    ),
                    (Some(seq), Lang::En) => format!(
                        "Audit log tampered with: the hash chain breaks at entry {seq} ({} entries).",
                        check.entries
                    ),
                })?;
                if check.broken_at.is_some() {
                    return Err(ApiError::new(
                        "audit_chain_broken",
                        "审计日志的哈希链断开",
                        "the audit log's hash chain is broken",
                    )
                    .localised(lang));
                }
                Ok(())
            }
            AuditCommand::List { limit, json } => {
                let entries = api.audit_log(limit)?;
                output(json, &entries, || {
                    entries
                        .iter()
                        .map(|e| {
                            format!(
                                "{:>6}  {}  {}  {}  {} {}",
                                e.seq,
                                e.entry.at,
                                e.entry.actor,
                                e.entry.action,
                                e.entry.entity,
                                e.entry.entity_id
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            }
            AuditCommand::Prune => {
                let removed = api.prune_audit()?;
                output(false, &removed, || {
                    lang.pick(
                        &format!("已清理 {removed} 条半年以前的审计记录。"),
                        &format!("Removed {removed} audit entries older than six months."),
                    )
                    .to_string()
                })
            }
        },
        Command::Bundle { action } => match action {
            BundleCommand::Export { file, json } => {
                let exported = api.export_bundle(&file)?;
                output(json, &exported, || match lang {
                    Lang::Zh => format!(
                        "已写入 {}：{} 条修改（{} 字节）。请带到卫生院导入，再把回执文件导回本机。",
                        exported.path, exported.changes, exported.bytes
                    ),
                    Lang::En => format!(
                        "wrote {}: {} changes ({} bytes). Import it at the health center, then import the reply here.",
                        exported.path, exported.changes, exported.bytes
                    ),
                })
            }
            BundleCommand::Import { file, json } => {
                let summary = api.import_reply_bundle(&file)?;
                output(json, &summary, || render::sync_summary(&summary, lang))
            }
        },
        Command::Report(args) => reports::report(&api, args, lang),
        Command::Targets(args) => reports::targets(&mut api, args, lang),
        Command::Import(args) => reports::import(&mut api, args, lang),
        Command::Referral { action } => services::referral(&mut api, action, lang),
        Command::Survey { action } => services::survey(&mut api, action, lang),
    }
}

fn output<T: Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    if json {
        print_json(value);
    } else {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = writeln!(out, "{}", text());
    }
    Ok(())
}

fn print_json<T: Serialize>(value: &T) {
    let text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

fn read_input(path: &PathBuf, lang: Lang) -> Result<String, ApiError> {
    let result = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    result.map_err(|e| {
        ApiError::invalid(
            "unreadable_file",
            &format!("无法读取文件 {}：{e}", path.display()),
            &format!("cannot read {}: {e}", path.display()),
        )
        .localised(lang)
    })
}

fn bad_json(e: &serde_json::Error, lang: Lang) -> ApiError {
    ApiError::invalid(
        "invalid_json",
        &format!("JSON 格式有误（第{}行第{}列）：{e}", e.line(), e.column()),
        &format!(
            "invalid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ),
    )
    .localised(lang)
}

fn missing(option: &str, lang: Lang) -> ApiError {
    ApiError::invalid(
        "required",
        &format!("缺少 {option}"),
        &format!("{option} is required"),
    )
    .localised(lang)
}

fn parse_enum<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
    lang: Lang,
) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_string())).map_err(|_| {
        ApiError::invalid(
            "invalid_value",
            &format!("{what} 的取值“{text}”无效"),
            &format!("'{text}' is not a valid {what}"),
        )
        .localised(lang)
    })
}

fn parse_member(text: &str, lang: Lang) -> Result<MemberChoice, ApiError> {
    let (id, packages) = text.split_once(':').unwrap_or((text, ""));
    let resident_id = Uuid::parse_str(id.trim()).map_err(|_| {
        ApiError::invalid(
            "invalid_value",
            &format!("成员编号“{id}”无效"),
            &format!("'{id}' is not a resident id"),
        )
        .localised(lang)
    })?;
    let paid_packages = packages
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    Ok(MemberChoice {
        resident_id,
        paid_packages,
    })
}

/// A contract named by its id or its agreement number.
fn contract_id(api: &Api, text: &str) -> Result<Uuid, ApiError> {
    if let Ok(id) = Uuid::parse_str(text.trim()) {
        return Ok(id);
    }
    api.store()
        .contract_by_number(text)
        .map(|r| r.contract.id)
        .map_err(|e| ApiError::from_store(e, api.lang()))
}
