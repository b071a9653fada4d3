//! `jiayi resident`, `member`, `household` and `contract`: a household's year after signing —
//! corrections, groups with dates, members joining and leaving, moves, splits, a new head,
//! amendments and the contract's history. Each command parses, calls the API and prints.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use jiayi_api::{
    AmendRequest, AmendmentSigning, Api, ApiError, GroupEnd, GroupStart, HeadChange, HouseholdMove,
    HouseholdSplit, LeaveKind, MemberAdd, MemberLeave, ResidentEdit, SplitMember,
};
use jiayi_core::Lang;
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use jiayi_core::year::amendment::{AmendmentKind, CoverageEndReason};
use uuid::Uuid;

use crate::year_render as render;
use crate::{bad_json, contract_id, missing, output, parse_enum, read_input};

#[derive(Subcommand)]
pub enum ResidentCommand {
    /// Correct a resident's details; only the options given change.
    Edit {
        resident: String,
        #[arg(long)]
        name: Option<String>,
        /// An empty value clears the phone number.
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        id_number: Option<String>,
        #[arg(long)]
        birth_date: Option<String>,
        /// male or female
        #[arg(long)]
        sex: Option<String>,
        /// Relation to the head (head, spouse, child, ...).
        #[arg(long)]
        relation: Option<String>,
        /// The county's 17-digit health-record number (健康档案编号); empty clears it.
        #[arg(long)]
        record_number: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Give a resident the next health-record number of their village's serial range.
    IssueRecordNumber {
        resident: String,
        #[arg(long)]
        json: bool,
    },
    /// A population group starts (--add) or ends (--end), or a pregnancy ends in a delivery.
    Group {
        resident: String,
        /// The group that starts (e.g. hypertension, pregnant).
        #[arg(long)]
        add: Option<String>,
        /// The group that ends.
        #[arg(long)]
        end: Option<String>,
        /// The day a pregnancy ended in a delivery (she enters the postpartum group).
        #[arg(long)]
        delivered: Option<String>,
        /// With --add: the day of diagnosis, treatment start, registration or last period.
        #[arg(long)]
        since: Option<String>,
        /// With --add pregnant: the expected delivery date, when the last period is unknown.
        #[arg(long)]
        edd: Option<String>,
        /// With --add: --since is the start of treatment, not the diagnosis.
        #[arg(long)]
        treatment_started: bool,
        /// With --end: the group's last day (default: today).
        #[arg(long)]
        on: Option<String>,
        /// With --add: the household's signature (PNG) for the amendment the group brings.
        #[arg(long)]
        signature: Option<PathBuf>,
        /// The doctor's signature (PNG) for that amendment.
        #[arg(long)]
        doctor_signature: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum MemberCommand {
    /// A member joins a household (birth, marriage, adoption, moved in) from a JSON file.
    Add {
        household: String,
        /// The member ("-" for standard input): a member-add request without household_id,
        /// or the member's fields with "reason" (and "mother_id", "on", "from").
        file: PathBuf,
        /// Extend the household's contract to the member now: the household's signature (PNG).
        #[arg(long)]
        signature: Option<PathBuf>,
        #[arg(long)]
        doctor_signature: Option<PathBuf>,
        /// Paid packages for the member when the contract is extended, comma-separated.
        #[arg(long, value_delimiter = ',')]
        paid: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// A member leaves: died, moved out of the area, or moved to another household.
    Leave {
        resident: String,
        /// moved, died or household
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        on: Option<String>,
        /// Where to (reason moved).
        #[arg(long)]
        to: Option<String>,
        /// The household joined (reason household).
        #[arg(long)]
        household: Option<String>,
        /// The relation to the head of the household joined (reason household).
        #[arg(long)]
        relation: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HouseholdArgs {
    /// The household to show (id).
    id: Option<String>,
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    action: Option<HouseholdCommand>,
}

#[derive(Subcommand)]
pub enum HouseholdCommand {
    /// The whole household moves to another village or group of the township.
    Move {
        household: String,
        /// Village name or code.
        #[arg(long)]
        village: Option<String>,
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        on: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Some members become a household of their own (分户).
    Split {
        household: String,
        /// The members who leave, with their relation to the new head: ID:relation,ID:relation
        #[arg(long)]
        members: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        village: Option<String>,
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        on: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A new head of household, and the others' relation to them.
    Head {
        household: String,
        #[arg(long)]
        new_head: Option<String>,
        /// ID:relation of another member to the new head; repeat or separate with commas.
        #[arg(long, value_delimiter = ',')]
        relation: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Everyone who belonged to the household, with their groups' periods and their leaving.
    Year {
        household: String,
        #[arg(long)]
        json: bool,
    },
    /// Who changed which detail of the household and its members, when, from what to what.
    Changes {
        household: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ContractCommand {
    /// The contract's timeline: signed, events, amendments, renewals; who is covered today.
    History {
        contract: String,
        #[arg(long)]
        json: bool,
    },
    /// Amend a contract: extend it to a member, add what a group brings, or end one
    /// member's coverage.
    Amend(Box<AmendArgs>),
}

#[derive(Args)]
pub struct AmendArgs {
    contract: String,
    #[arg(long)]
    add_member: Option<String>,
    /// With --add-member: paid packages, comma-separated.
    #[arg(long, value_delimiter = ',')]
    paid: Vec<String>,
    #[arg(long)]
    end_member: Option<String>,
    /// A covered member owed more: the packages a new group brings (--packages, --group).
    #[arg(long)]
    obligation: Option<String>,
    /// With --obligation: the package codes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    packages: Vec<String>,
    /// With --obligation: the group that brings them.
    #[arg(long)]
    group: Option<String>,
    /// With --end-member: death, moved or request.
    #[arg(long)]
    reason: Option<String>,
    /// The day it takes effect (default: today).
    #[arg(long)]
    on: Option<String>,
    /// The household's signature (PNG), for a member added or an end on request.
    #[arg(long)]
    signature: Option<PathBuf>,
    #[arg(long)]
    doctor_signature: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn resident(api: &mut Api, command: ResidentCommand, lang: Lang) -> Result<(), ApiError> {
    match command {
        ResidentCommand::Edit {
            resident,
            name,
            phone,
            id_number,
            birth_date,
            sex,
            relation,
            record_number,
            json,
        } => {
            let edit = ResidentEdit {
                resident_id: resident_arg(&resident, lang)?,
                sex: sex
                    .map(|s| parse_enum::<Sex>(&s, "--sex", lang))
                    .transpose()?,
                relation: relation
                    .map(|r| parse_enum::<Relation>(&r, "--relation", lang))
                    .transpose()?,
                name,
                birth_date,
                phone,
                id_number,
                record_number,
            };
            if edit.name.is_none()
                && edit.sex.is_none()
                && edit.relation.is_none()
                && edit.birth_date.is_none()
                && edit.phone.is_none()
                && edit.id_number.is_none()
                && edit.record_number.is_none()
            {
                return Err(invalid(
                    "nothing_to_change",
                    "请至少给出一项要修改的内容（--name、--phone、--id-number、--birth-date、--sex、--relation、--record-number）",
                    "give at least one change (--name, --phone, --id-number, --birth-date, --sex, --relation, --record-number)",
                    lang,
                ));
            }
            let updated = api.edit_resident(&edit)?;
            output(json, &updated, || render::edited(&updated, lang))
        }
        ResidentCommand::IssueRecordNumber { resident, json } => {
            let updated = api.issue_record_number(resident_arg(&resident, lang)?)?;
            output(json, &updated, || render::edited(&updated, lang))
        }
        ResidentCommand::Group {
            resident,
            add,
            end,
            delivered,
            since,
            edd,
            treatment_started,
            on,
            signature,
            doctor_signature,
            json,
        } => {
            let resident_id = resident_arg(&resident, lang)?;
            let chosen = [add.is_some(), end.is_some(), delivered.is_some()];
            if chosen.iter().filter(|c| **c).count() != 1 {
                return Err(invalid(
                    "invalid_input",
                    "请给出 --add 人群、--end 人群 或 --delivered 日期 三者之一",
                    "give one of --add GROUP, --end GROUP or --delivered DATE",
                    lang,
                ));
            }
            let outcome = if let Some(group) = add {
                let signing = signing(signature, doctor_signature, Vec::new(), lang)?;
                api.start_group(&GroupStart {
                    resident_id,
                    group: group_arg(&group, lang)?,
                    since: date_opt(since, "--since", lang)?,
                    expected_delivery: date_opt(edd, "--edd", lang)?,
                    treatment_started,
                    amend: signing,
                })?
            } else if let Some(group) = end {
                api.end_group(&GroupEnd {
                    resident_id,
                    group: group_arg(&group, lang)?,
                    on: date_opt(on, "--on", lang)?,
                    delivered: None,
                })?
            } else {
                api.end_group(&GroupEnd {
                    resident_id,
                    group: PopulationGroup::Pregnant,
                    on: None,
                    delivered: date_opt(delivered, "--delivered", lang)?,
                })?
            };
            output(json, &outcome, || render::group(&outcome, lang))
        }
    }
}

pub fn member(api: &mut Api, command: MemberCommand, lang: Lang) -> Result<(), ApiError> {
    match command {
        MemberCommand::Add {
            household,
            file,
            signature,
            doctor_signature,
            paid,
            json,
        } => {
            let household_id = household_arg(&household, lang)?;
            let mut add = member_file(household_id, &read_input(&file, lang)?, lang)?;
            if let Some(extend) = signing(signature, doctor_signature, paid, lang)? {
                add.extend = Some(extend);
            }
            let outcome = api.add_member(&add)?;
            output(json, &outcome, || render::member_added(&outcome, lang))
        }
        MemberCommand::Leave {
            resident,
            reason,
            on,
            to,
            household,
            relation,
            json,
        } => {
            let resident_id = resident_arg(&resident, lang)?;
            let reason = match reason.as_deref().map(str::trim) {
                None => return Err(missing("--reason", lang)),
                Some("died") => LeaveKind::Died,
                Some("moved") => LeaveKind::MovedOut,
                Some("household") => LeaveKind::MovedToHousehold,
                Some(other) => {
                    return Err(invalid(
                        "invalid_value",
                        &format!("--reason 的取值“{other}”无效，应为 died、moved 或 household"),
                        &format!("'{other}' is not a valid --reason: died, moved or household"),
                        lang,
                    ));
                }
            };
            // Name the options this command takes rather than the request's fields.
            if reason == LeaveKind::MovedOut && to.as_deref().is_none_or(|t| t.trim().is_empty()) {
                return Err(missing("--to", lang));
            }
            if reason == LeaveKind::MovedToHousehold && household.is_none() {
                return Err(missing("--household", lang));
            }
            let leave = MemberLeave {
                resident_id,
                reason,
                on: date_required(on, "--on", lang)?,
                destination: to,
                to_household_id: household.map(|h| household_arg(&h, lang)).transpose()?,
                relation: relation
                    .map(|r| parse_enum::<Relation>(&r, "--relation", lang))
                    .transpose()?,
            };
            let outcome = api.member_leave(&leave)?;
            output(json, &outcome, || render::member_left(&outcome, lang))
        }
    }
}

pub fn household(api: &mut Api, args: HouseholdArgs, lang: Lang) -> Result<(), ApiError> {
    let Some(action) = args.action else {
        let id = args.id.ok_or_else(|| missing("HOUSEHOLD", lang))?;
        let view = api.household(household_arg(&id, lang)?)?;
        return output(args.json, &view, || crate::render::household(&view, lang));
    };
    match action {
        HouseholdCommand::Move {
            household,
            village,
            group,
            address,
            on,
            json,
        } => {
            let request = HouseholdMove {
                household_id: household_arg(&household, lang)?,
                village: village.ok_or_else(|| missing("--village", lang))?,
                group,
                address,
                on: date_required(on, "--on", lang)?,
            };
            let outcome = api.move_household(&request)?;
            output(json, &outcome, || render::moved(&outcome, lang))
        }
        HouseholdCommand::Split {
            household,
            members,
            address,
            village,
            group,
            on,
            json,
        } => {
            let members = members.ok_or_else(|| missing("--members", lang))?;
            let request = HouseholdSplit {
                household_id: household_arg(&household, lang)?,
                members: members
                    .split(',')
                    .filter(|m| !m.trim().is_empty())
                    .map(|m| relation_pair(m, lang))
                    .collect::<Result<_, _>>()?,
                village,
                group,
                address: address.ok_or_else(|| missing("--address", lang))?,
                on: date_required(on, "--on", lang)?,
            };
            let outcome = api.split_household(&request)?;
            output(json, &outcome, || render::split(&outcome, lang))
        }
        HouseholdCommand::Head {
            household,
            new_head,
            relation,
            json,
        } => {
            let household_id = household_arg(&household, lang)?;
            let change = HeadChange {
                household_id,
                new_head_id: resident_arg(
                    &new_head.ok_or_else(|| missing("--new-head", lang))?,
                    lang,
                )?,
                relations: relation
                    .iter()
                    .filter(|r| !r.trim().is_empty())
                    .map(|r| relation_pair(r, lang))
                    .collect::<Result<_, _>>()?,
            };
            api.change_head(&change)?;
            let view = api.household(household_id)?;
            output(json, &view, || crate::render::household(&view, lang))
        }
        HouseholdCommand::Year { household, json } => {
            let household_id = household_arg(&household, lang)?;
            let year = api.household_year(household_id)?;
            output(json, &year, || {
                render::household_year(household_id, &year, lang)
            })
        }
        HouseholdCommand::Changes { household, json } => {
            let changes = api.field_history(household_arg(&household, lang)?)?;
            output(json, &changes, || render::field_changes(&changes, lang))
        }
    }
}

pub fn contract(api: &mut Api, command: ContractCommand, lang: Lang) -> Result<(), ApiError> {
    match command {
        ContractCommand::History { contract, json } => {
            let history = api.contract_history(contract_id(api, &contract)?)?;
            output(json, &history, || render::history(&history, lang))
        }
        ContractCommand::Amend(args) => {
            let AmendArgs {
                contract,
                add_member,
                paid,
                end_member,
                obligation,
                packages,
                group,
                reason,
                on,
                signature,
                doctor_signature,
                json,
            } = *args;
            let contract_id = contract_id(api, &contract)?;
            let kind = match (add_member, end_member, obligation) {
                (Some(resident), None, None) => AmendmentKind::MemberAdded {
                    resident_id: resident_arg(&resident, lang)?,
                    package_codes: Vec::new(),
                },
                (None, None, Some(resident)) => AmendmentKind::ObligationAdded {
                    resident_id: resident_arg(&resident, lang)?,
                    group: group.map(|g| group_arg(&g, lang)).transpose()?,
                    package_codes: packages
                        .iter()
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect(),
                },
                (None, Some(resident), None) => AmendmentKind::CoverageEnded {
                    resident_id: resident_arg(&resident, lang)?,
                    reason: match reason.as_deref().map(str::trim) {
                        None => return Err(missing("--reason", lang)),
                        Some("death") => CoverageEndReason::Death,
                        Some("moved") => CoverageEndReason::MovedOut,
                        Some("request") => CoverageEndReason::OnRequest,
                        Some(other) => {
                            return Err(invalid(
                                "invalid_value",
                                &format!(
                                    "--reason 的取值“{other}”无效，应为 death、moved 或 request"
                                ),
                                &format!(
                                    "'{other}' is not a valid --reason: death, moved or request"
                                ),
                                lang,
                            ));
                        }
                    },
                },
                _ => {
                    return Err(invalid(
                        "invalid_input",
                        "请给出 --add-member、--end-member 或 --obligation（居民编号）三者之一",
                        "give one of --add-member, --end-member or --obligation (a resident id)",
                        lang,
                    ));
                }
            };
            let request = AmendRequest {
                contract_id,
                kind,
                effective_on: date_opt(on, "--on", lang)?,
                signing: signing(signature, doctor_signature, paid, lang)?.unwrap_or_default(),
            };
            let id = api.amend_contract(&request)?;
            let snapshot = api.amendment_snapshot(id)?;
            output(json, &snapshot, || render::amended(&snapshot, lang))
        }
    }
}

/// `MemberAdd` from the file: the request itself without `household_id`, or the member's
/// fields with `reason` (and `on`, `mother_id`, `from`, `extend`) beside them.
fn member_file(household_id: Uuid, text: &str, lang: Lang) -> Result<MemberAdd, ApiError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad_json(&e, lang))?;
    let serde_json::Value::Object(mut fields) = value else {
        return Err(invalid(
            "invalid_json",
            "成员文件应为一个 JSON 对象",
            "the member file must hold one JSON object",
            lang,
        ));
    };
    if !fields.contains_key("member") {
        let mut request = serde_json::Map::new();
        for key in ["reason", "on", "mother_id", "from", "extend"] {
            if let Some(v) = fields.remove(key) {
                request.insert(key.to_string(), v);
            }
        }
        request.insert("member".into(), serde_json::Value::Object(fields));
        fields = request;
    }
    fields.insert(
        "household_id".into(),
        serde_json::Value::String(household_id.to_string()),
    );
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
        invalid(
            "invalid_json",
            &format!("成员文件内容有误：{e}"),
            &format!("the member file is not valid: {e}"),
            lang,
        )
    })
}

/// The signatures (and paid packages) of an amendment signed now; `None` when none is given.
fn signing(
    household: Option<PathBuf>,
    doctor: Option<PathBuf>,
    paid: Vec<String>,
    lang: Lang,
) -> Result<Option<AmendmentSigning>, ApiError> {
    let paid: Vec<String> = paid
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if household.is_none() && doctor.is_none() && paid.is_empty() {
        return Ok(None);
    }
    Ok(Some(AmendmentSigning {
        resident_signature_png: household.map(|p| png_base64(&p, lang)).transpose()?,
        doctor_signature_png: doctor.map(|p| png_base64(&p, lang)).transpose()?,
        paid_packages: paid,
    }))
}

fn png_base64(path: &Path, lang: Lang) -> Result<String, ApiError> {
    let bytes = std::fs::read(path).map_err(|e| {
        invalid(
            "unreadable_file",
            &format!("无法读取文件 {}：{e}", path.display()),
            &format!("cannot read {}: {e}", path.display()),
            lang,
        )
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn invalid(code: &str, zh: &str, en: &str, lang: Lang) -> ApiError {
    ApiError::invalid(code, zh, en).localised(lang)
}

fn id_arg(text: &str, zh: &str, en: &str, lang: Lang) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        invalid(
            "invalid_value",
            &format!("{zh}编号“{text}”无效"),
            &format!("'{text}' is not a {en} id"),
            lang,
        )
    })
}

fn resident_arg(text: &str, lang: Lang) -> Result<Uuid, ApiError> {
    id_arg(text, "居民", "resident", lang)
}

fn household_arg(text: &str, lang: Lang) -> Result<Uuid, ApiError> {
    id_arg(text, "家庭", "household", lang)
}

fn group_arg(code: &str, lang: Lang) -> Result<PopulationGroup, ApiError> {
    PopulationGroup::from_code(code).ok_or_else(|| {
        let codes: Vec<&str> = PopulationGroup::ALL.iter().map(|g| g.code()).collect();
        invalid(
            "unknown_group",
            &format!("没有“{code}”这个人群；可用：{}", codes.join("、")),
            &format!("unknown group '{code}'; one of: {}", codes.join(", ")),
            lang,
        )
    })
}

fn date_arg(text: &str, option: &str, lang: Lang) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            "invalid_date",
            &format!("{option} 的日期“{text}”无效，请写成 YYYY-MM-DD"),
            &format!("{option}: '{text}' is not a date; write YYYY-MM-DD"),
            lang,
        )
    })
}

fn date_opt(text: Option<String>, option: &str, lang: Lang) -> Result<Option<NaiveDate>, ApiError> {
    text.map(|t| date_arg(&t, option, lang)).transpose()
}

fn date_required(text: Option<String>, option: &str, lang: Lang) -> Result<NaiveDate, ApiError> {
    date_arg(&text.ok_or_else(|| missing(option, lang))?, option, lang)
}

/// `ID:relation`, e.g. `0193…:spouse`.
fn relation_pair(text: &str, lang: Lang) -> Result<SplitMember, ApiError> {
    let (id, relation) = text.trim().split_once(':').ok_or_else(|| {
        invalid(
            "invalid_value",
            &format!("“{text}”应写成 居民编号:关系，例如 ID:spouse"),
            &format!("'{text}' should be RESIDENT_ID:relation, e.g. ID:spouse"),
            lang,
        )
    })?;
    Ok(SplitMember {
        resident_id: resident_arg(id, lang)?,
        relation: parse_enum::<Relation>(relation, "relation", lang)?,
    })
}
