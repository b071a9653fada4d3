//! Text output of the household-year commands (`--json` prints the API's values instead).

use jiayi_api::{
    ChangedRecord, ContractHistory, FieldChangeView, GroupOutcome, HistoryEntry,
    HouseholdMoveOutcome, HouseholdSplitOutcome, MemberAddOutcome, MemberLeaveOutcome, MemberYear,
    leave_label,
};
use jiayi_core::Lang;
use jiayi_core::contract::ContractEventKind;
use jiayi_core::household::Resident;
use jiayi_core::time::china_date;
use jiayi_core::year::amendment::{AmendmentKind, AmendmentSnapshot, CoverageEndReason};
use jiayi_core::year::membership::{JoinReason, LeaveReason, MembershipChange};
use uuid::Uuid;

pub fn edited(r: &Resident, lang: Lang) -> String {
    let record = r
        .record_number
        .as_ref()
        .map(|n| format!(" {}{n}", lang.pick("健康档案编号 ", "health record ")))
        .unwrap_or_default();
    format!(
        "{}{} {} {} {} {}{record}",
        lang.pick("已更新：", "updated: "),
        r.name,
        r.relation.label(lang),
        r.sex.label(lang),
        r.birth_date.map(|d| d.to_string()).unwrap_or("-".into()),
        r.id_number
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_else(|| lang.pick("（无证件号）", "(no ID number)").into()),
    )
}

pub fn group(o: &GroupOutcome, lang: Lang) -> String {
    let mut out = lang
        .pick("已记录人群变化", "group change recorded")
        .to_string();
    if let Some(id) = o.amendment_id {
        out.push_str(&format!(
            "\n{} {id}",
            lang.pick("已签署协议变更", "amendment signed")
        ));
    }
    if !o.packages_to_add.is_empty() {
        out.push_str(&format!(
            "\n{}{}",
            lang.pick(
                "该人群带来协议尚未包含的服务包，需家庭签署协议变更：",
                "the group brings packages the contract does not hold yet; the household signs an amendment: "
            ),
            o.packages_to_add.join(", ")
        ));
    }
    out
}

pub fn member_added(o: &MemberAddOutcome, lang: Lang) -> String {
    let mut out = format!(
        "{} {}",
        lang.pick("已添加成员", "member added"),
        o.resident_id
    );
    match (o.amendment_id, o.contract_id) {
        (Some(a), _) => out.push_str(&format!(
            "\n{} {a}",
            lang.pick("已签署协议变更，纳入签约", "amendment signed, now covered")
        )),
        (None, Some(c)) => out.push_str(&format!(
            "\n{} {c}",
            lang.pick(
                "本户有在约协议，可签署协议变更纳入该成员：",
                "the household has a contract in force the member can be added to:"
            )
        )),
        (None, None) => {}
    }
    out
}

pub fn member_left(o: &MemberLeaveOutcome, lang: Lang) -> String {
    let mut out = lang.pick("已记录离户", "leaving recorded").to_string();
    for id in &o.amendment_ids {
        out.push_str(&format!(
            "\n{} {id}",
            lang.pick("签约服务已终止，协议变更", "coverage ended, amendment")
        ));
    }
    out
}

pub fn moved(o: &HouseholdMoveOutcome, lang: Lang) -> String {
    let mut out = lang.pick("已迁户", "household moved").to_string();
    for number in &o.terminated {
        out.push_str(&format!(
            "\n{} {number}",
            lang.pick(
                "新村由其他团队负责，协议已解约，请与新团队签约：",
                "the new village has another team; contract ended, sign with that team:"
            )
        ));
    }
    out
}

pub fn split(o: &HouseholdSplitOutcome, lang: Lang) -> String {
    let mut out = format!(
        "{} {}",
        lang.pick("已分户，新家庭", "household split, new household"),
        o.new_household_id
    );
    for id in &o.amendment_ids {
        out.push_str(&format!(
            "\n{} {id}",
            lang.pick(
                "原协议对迁出成员的服务已终止，协议变更",
                "coverage under the old contract ended, amendment"
            )
        ));
    }
    out
}

/// Each member's state today, how they came into this household, and their groups' periods.
pub fn household_year(household_id: Uuid, year: &[MemberYear], lang: Lang) -> String {
    let mut out = Vec::new();
    for m in year {
        let state = match &m.left {
            Some(left) => format!(
                "{} {} {}",
                lang.pick("离户", "left"),
                left.on,
                leave_label(&left.reason, lang)
            ),
            None if m.member => lang.pick("在户", "member").to_string(),
            None => lang.pick("不在户", "not a member").to_string(),
        };
        out.push(format!("{}  {state}  {}", m.name, m.resident_id));
        // A registration join is the register's own start (dated by the birth date), not news.
        for e in &m.events {
            let joined = match &e.change {
                MembershipChange::Joined {
                    reason: JoinReason::Registered,
                } => continue,
                MembershipChange::Joined { reason } if e.household_id == household_id => {
                    join_label(reason, lang)
                }
                MembershipChange::Left {
                    reason: LeaveReason::MovedToHousehold { household_id: to },
                } if *to == household_id => lang
                    .pick("从本册另一户迁入", "moved in from another household")
                    .to_string(),
                _ => continue,
            };
            out.push(format!("  {} {joined}", e.effective_on));
        }
        for p in &m.periods {
            // A group recorded at registration, before groups had dates (no id of its own).
            let start = if p.id.is_nil() {
                lang.pick("（登记时）", "(registered)").to_string()
            } else {
                p.start.to_string()
            };
            let end = p.end.map(|d| d.to_string()).unwrap_or_default();
            out.push(format!("  {} {start}~{end}", p.group.label(lang)));
        }
    }
    out.join("\n")
}

fn join_label(reason: &JoinReason, lang: Lang) -> String {
    match reason {
        JoinReason::Registered => lang.pick("登记入户", "registered").into(),
        JoinReason::Birth { .. } => lang.pick("出生入户", "born").into(),
        JoinReason::Marriage => lang.pick("婚入", "married in").into(),
        JoinReason::Adoption => lang.pick("收养入户", "adopted").into(),
        JoinReason::MovedIn { from } => match lang {
            Lang::Zh => format!("迁入（{from}）"),
            Lang::En => format!("moved in ({from})"),
        },
    }
}

pub fn history(h: &ContractHistory, lang: Lang) -> String {
    let mut out = vec![format!(
        "{} {}",
        lang.pick("协议", "agreement"),
        h.agreement_number
    )];
    for entry in &h.entries {
        out.push(match entry {
            HistoryEntry::Signed { on, .. } => format!("{on}  {}", lang.pick("签约", "signed")),
            HistoryEntry::Event { at, kind, .. } => event_line(*at, kind, lang),
            HistoryEntry::Amendment {
                amendment,
                resident_name,
            } => format!(
                "{}  {}{}",
                amendment.effective_on,
                amendment_label(&amendment.kind, resident_name, lang),
                if amendment.household_signed {
                    lang.pick("（家庭已签字）", " (household signed)")
                } else {
                    ""
                }
            ),
            HistoryEntry::Renewed { renewal } => format!(
                "{}  {} {}~{}",
                renewal.term.start,
                lang.pick("自动续约", "renewed automatically"),
                renewal.term.start,
                renewal.term.end
            ),
        });
    }
    out.push(lang.pick("今日签约成员：", "covered today:").to_string());
    for c in &h.covered_today {
        out.push(format!(
            "  {}  {}{}  {}",
            c.name,
            lang.pick("自", "since "),
            c.since,
            c.package_codes.join(", ")
        ));
    }
    out.join("\n")
}

fn event_line(at: chrono::DateTime<chrono::Utc>, kind: &ContractEventKind, lang: Lang) -> String {
    match kind {
        ContractEventKind::DoctorChanged { effective_on, .. } => format!(
            "{effective_on}  {}",
            lang.pick("更换签约医生", "family doctor changed")
        ),
        ContractEventKind::Terminated {
            reason,
            effective_on,
            ..
        } => format!(
            "{effective_on}  {}（{}）",
            lang.pick("解约", "terminated"),
            reason.label(lang)
        ),
        ContractEventKind::Renewed { automatic, .. } => format!(
            "{}  {}",
            china_date(at),
            if *automatic {
                lang.pick(
                    "自动续约（新协议）",
                    "renewed automatically (new agreement)",
                )
            } else {
                lang.pick("续约（新协议）", "renewed (new agreement)")
            }
        ),
    }
}

fn amendment_label(kind: &AmendmentKind, name: &str, lang: Lang) -> String {
    match (kind, lang) {
        (AmendmentKind::MemberAdded { package_codes, .. }, Lang::Zh) => {
            format!("协议变更：新增成员 {name}（{}）", package_codes.join(", "))
        }
        (AmendmentKind::MemberAdded { package_codes, .. }, Lang::En) => {
            format!("amendment: {name} added ({})", package_codes.join(", "))
        }
        (AmendmentKind::ObligationAdded { package_codes, .. }, Lang::Zh) => {
            format!(
                "协议变更：{name} 增加服务包（{}）",
                package_codes.join(", ")
            )
        }
        (AmendmentKind::ObligationAdded { package_codes, .. }, Lang::En) => {
            format!(
                "amendment: packages added for {name} ({})",
                package_codes.join(", ")
            )
        }
        (AmendmentKind::CoverageEnded { reason, .. }, Lang::Zh) => {
            format!("协议变更：{name} 服务终止（{}）", end_reason(*reason, lang))
        }
        (AmendmentKind::CoverageEnded { reason, .. }, Lang::En) => {
            format!(
                "amendment: coverage of {name} ended ({})",
                end_reason(*reason, lang)
            )
        }
    }
}

fn end_reason(reason: CoverageEndReason, lang: Lang) -> &'static str {
    match reason {
        CoverageEndReason::Death => lang.pick("死亡", "death"),
        CoverageEndReason::MovedOut => lang.pick("迁出", "moved"),
        CoverageEndReason::OnRequest => lang.pick("本人申请", "on request"),
    }
}

pub fn amended(s: &AmendmentSnapshot, lang: Lang) -> String {
    format!(
        "{} {}\n{}  {}",
        lang.pick("已记录协议变更", "amendment recorded"),
        s.amendment_id,
        s.effective_on,
        amendment_label(&s.kind, &s.member.name, lang)
    )
}

/// The household's change history, newest first: when (China time), who, whose field, old → new.
pub fn field_changes(changes: &[FieldChangeView], lang: Lang) -> String {
    if changes.is_empty() {
        return lang.pick("没有修改记录", "no changes recorded").to_string();
    }
    let empty = lang.pick("（空）", "(empty)");
    changes
        .iter()
        .map(|c| {
            let who = match (&c.doctor_name, c.this_device) {
                (Some(name), _) => name.clone(),
                (None, true) => lang.pick("本机", "this device").to_string(),
                (None, false) => format!("{}{}", lang.pick("设备 ", "device "), c.device_code),
            };
            let whose = match c.record {
                ChangedRecord::Household => lang.pick("本户", "household").to_string(),
                ChangedRecord::Resident => c.member_name.clone().unwrap_or_default(),
            };
            let old = c.old_value.as_deref().unwrap_or(empty);
            let old = if c.since_registration {
                format!("{}{old}", lang.pick("登记时：", "at registration: "))
            } else {
                old.to_string()
            };
            let lost = if c.took_effect {
                ""
            } else {
                lang.pick("（未采用）", " (not applied)")
            };
            let at =
                c.at.with_timezone(&jiayi_core::time::china_offset())
                    .format("%Y-%m-%d %H:%M");
            format!(
                "{at}  {who}  {whose} {}: {old} → {}{lost}",
                field_label(&c.field, lang),
                c.new_value.as_deref().unwrap_or(empty)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A field's name in the user's language; a field this version does not know shows its key.
fn field_label(field: &str, lang: Lang) -> String {
    let (zh, en) = match field {
        "name" => ("姓名", "name"),
        "sex" => ("性别", "sex"),
        "birth_date" => ("出生日期", "birth date"),
        "phone" => ("电话", "phone"),
        "id_number" => ("身份证号", "ID number"),
        "id_number_missing" => ("暂无身份证号", "no ID number"),
        "relation" => ("与户主关系", "relation to head"),
        "groups" => ("人群分类", "groups"),
        "household_id" => ("所属家庭", "household"),
        "deleted" => ("已删除", "removed"),
        "address" => ("住址", "address"),
        "group" => ("村民小组", "village group"),
        "village_id" => ("所属村", "village"),
        "record_number" => ("健康档案号", "health record number"),
        other => return other.to_string(),
    };
    lang.pick(zh, en).to_string()
}
