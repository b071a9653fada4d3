//! Plain-text output for people at a terminal (`--json` gives the data itself).

use jiayi_api::{
    HouseholdView, RegisterOutcome, SignOutcome, StatusView, VisitOutcome, WorkList, status_label,
};
use jiayi_core::Lang;
use jiayi_core::household::Team;
use jiayi_core::schedule::DueStatus;
use jiayi_demo::DemoSummary;
use jiayi_store::{DueEntry, DuplicateMatch, DuplicateReason, ResidentHit};

pub fn demo(s: &DemoSummary, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "示范乡镇已建成：{} 个村，{} 户，{} 人，{} 份签约协议，{} 条服务记录（用时 {:.1} 秒）",
            s.villages, s.households, s.residents, s.contracts, s.visits, s.seconds
        ),
        Lang::En => format!(
            "demo township built: {} villages, {} households, {} residents, {} contracts, {} visits ({:.1} s)",
            s.villages, s.households, s.residents, s.contracts, s.visits, s.seconds
        ),
    }
}

pub fn registered(o: &RegisterOutcome, lang: Lang) -> String {
    let mut out = format!(
        "{} {}\n",
        lang.pick("已登记家庭", "registered household"),
        o.household_id.map(|id| id.to_string()).unwrap_or_default()
    );
    for id in &o.resident_ids {
        out.push_str(&format!("  {} {id}\n", lang.pick("成员", "member")));
    }
    if !o.duplicates.is_empty() {
        out.push_str(&duplicates(&o.duplicates, lang));
    }
    out.trim_end().to_string()
}

pub fn duplicates(list: &[DuplicateMatch], lang: Lang) -> String {
    let mut out = String::from(lang.pick("可能重复：\n", "possible duplicates:\n"));
    for d in list {
        let why = match (d.reason, lang) {
            (DuplicateReason::SameIdNumber, Lang::Zh) => "身份证号码相同",
            (DuplicateReason::SameIdNumber, Lang::En) => "same ID number",
            (DuplicateReason::SameNameAndBirthDate, Lang::Zh) => "同村同名同出生日期",
            (DuplicateReason::SameNameAndBirthDate, Lang::En) => {
                "same name and birth date in the village"
            }
        };
        out.push_str(&format!(
            "  #{} {} — {} ({} {})\n",
            d.member_index + 1,
            d.name,
            why,
            d.village,
            d.resident_id
        ));
    }
    out.trim_end().to_string()
}

pub fn hits(hits: &[ResidentHit], lang: Lang) -> String {
    if hits.is_empty() {
        return lang.pick("没有找到", "nothing found").to_string();
    }
    hits.iter()
        .map(|h| {
            format!(
                "{}  {}  {}  {}  {}  {}  {}",
                h.name,
                sex(&h.sex, lang),
                h.birth_date.as_deref().unwrap_or("-"),
                h.id_number
                    .as_deref()
                    .unwrap_or(lang.pick("（无证件号）", "(no ID number)")),
                h.phone.as_deref().unwrap_or("-"),
                h.village,
                h.id
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sex(code: &str, lang: Lang) -> &'static str {
    match (code, lang) {
        ("male", Lang::Zh) => "男",
        ("female", Lang::Zh) => "女",
        ("male", Lang::En) => "M",
        _ => "F",
    }
}

pub fn household(h: &HouseholdView, lang: Lang) -> String {
    let mut out = format!(
        "{} {} {} ({})\n",
        h.village, h.group, h.address, h.record_number
    );
    for m in &h.members {
        let groups: Vec<&str> = m.groups.iter().map(|g| g.label(lang)).collect();
        out.push_str(&format!(
            "  {} {} {} {} {} [{}] {}\n",
            m.name,
            m.relation.label(lang),
            m.sex.label(lang),
            m.age.map(|a| a.to_string()).unwrap_or("-".into()),
            m.id_number
                .as_deref()
                .unwrap_or(lang.pick("（无证件号）", "(no ID number)")),
            groups.join("、"),
            m.covered_by
                .as_deref()
                .unwrap_or(lang.pick("未签约", "not signed")),
        ));
    }
    for c in &h.contracts {
        out.push_str(&format!(
            "  {} {} {}~{} {}\n",
            c.agreement_number,
            status_label(c.status, lang),
            c.term.start,
            c.term.end,
            c.verification_code
        ));
    }
    out.trim_end().to_string()
}

pub fn due(list: &[DueEntry], lang: Lang) -> String {
    if list.is_empty() {
        return lang.pick("今天没有待办服务", "nothing due").to_string();
    }
    let lines: Vec<String> = list
        .iter()
        .map(|d| {
            let status = match (d.item.status, lang) {
                (DueStatus::Overdue, Lang::Zh) => "逾期",
                (DueStatus::Overdue, Lang::En) => "overdue",
                (DueStatus::Due, Lang::Zh) => "待办",
                (DueStatus::Due, Lang::En) => "due",
                (DueStatus::Upcoming, Lang::Zh) => "将到",
                (DueStatus::Upcoming, Lang::En) => "coming",
            };
            format!(
                "{status}  {}  {}  {} {}/{}  {} {}",
                d.resident_name,
                d.village,
                d.item_name,
                d.item.occurrence,
                d.item.times_per_year,
                if d.item.status == DueStatus::Upcoming {
                    lang.pick("开始", "opens")
                } else {
                    lang.pick("截止", "by")
                },
                if d.item.status == DueStatus::Upcoming {
                    d.item.opens_on
                } else {
                    d.item.due_by
                }
            )
        })
        .collect();
    lines.join("\n")
}

/// The day's counts, then the round: each household with its members' items, most urgent
/// household first.
pub fn work_list(w: &WorkList, lang: Lang) -> String {
    let mut out = match lang {
        Lang::Zh => format!(
            "{}：逾期 {} 项，待办 {} 项，14天内将到 {} 项，30天内到期协议 {} 份，未签约重点人群 {} 人",
            w.day,
            w.overdue_count,
            w.due_count,
            w.upcoming_count,
            w.renewal_count,
            w.unsigned_priority_count
        ),
        Lang::En => format!(
            "{}: {} overdue, {} due, {} opening within 14 days, {} agreements ending within 30 days, {} priority residents not signed",
            w.day,
            w.overdue_count,
            w.due_count,
            w.upcoming_count,
            w.renewal_count,
            w.unsigned_priority_count
        ),
    };
    for h in &w.households {
        out.push_str(&format!(
            "\n\n{}  {} {} {}",
            h.head, h.village, h.group, h.address
        ));
        out.push_str(
            &format!("\n{}", due(&h.items, lang).replace('\n', "\n  ")).replacen("\n", "\n  ", 1),
        );
    }
    if w.household_count > w.households.len() {
        out.push_str(&format!(
            "\n\n{}",
            lang.pick(
                &format!(
                    "显示最紧急的 {} 户，共 {} 户",
                    w.households.len(),
                    w.household_count
                ),
                &format!(
                    "the {} most urgent of {} households",
                    w.households.len(),
                    w.household_count
                ),
            )
        ));
    }
    out
}

pub fn signed(o: &SignOutcome, lang: Lang) -> String {
    format!(
        "{} {}  {} {}~{}  {} {}\n{} {}",
        lang.pick("协议编号", "agreement"),
        o.agreement_number,
        lang.pick("期限", "term"),
        o.term.start,
        o.term.end,
        lang.pick("校验码", "verification code"),
        o.verification_code,
        lang.pick("协议ID", "contract id"),
        o.contract_id
    )
}

pub fn visit(o: &VisitOutcome, lang: Lang) -> String {
    let mut out = format!(
        "{} {} ({})",
        lang.pick("已记录服务", "visit recorded"),
        o.visit_id,
        o.recorded_at.to_rfc3339()
    );
    if let Some(bmi) = o.bmi {
        out.push_str(&format!("\nBMI {bmi}"));
    }
    if let Some(on_target) = o.bp_on_target {
        out.push_str(&format!(
            "\n{}",
            if on_target {
                lang.pick("血压达标", "blood pressure on target")
            } else {
                lang.pick("血压未达标", "blood pressure above target")
            }
        ));
    }
    if let Some(next) = &o.next_due {
        out.push_str(&format!(
            "\n{} {}~{}",
            lang.pick("下次应服务时间", "next due"),
            next.opens_on,
            next.due_by
        ));
    }
    out
}

pub fn status(s: &StatusView, lang: Lang) -> String {
    let mut out = match lang {
        Lang::Zh => format!(
            "设备 {}\n待同步 {} 条，上次同步 {}\n{} 户，{} 人，{} 份协议，{} 条服务记录\n服务包目录 {}",
            s.device_id,
            s.pending_changes,
            s.last_sync.as_deref().unwrap_or("从未"),
            s.households,
            s.residents,
            s.contracts,
            s.visits,
            s.catalog_version
        ),
        Lang::En => format!(
            "device {}\n{} changes pending, last sync {}\n{} households, {} residents, {} contracts, {} visits\ncatalog {}",
            s.device_id,
            s.pending_changes,
            s.last_sync.as_deref().unwrap_or("never"),
            s.households,
            s.residents,
            s.contracts,
            s.visits,
            s.catalog_version
        ),
    };
    for r in &s.registers {
        out.push_str(&format!("\n{} {} ({})", r.name, r.version, r.entries));
    }
    out
}

pub fn teams(teams: &[Team], lang: Lang) -> String {
    let mut out = String::new();
    for t in teams {
        out.push_str(&format!("{} ({})\n", t.name, t.id));
        for m in &t.members {
            out.push_str(&format!(
                "  {} {} {} {}\n",
                m.role.label(lang),
                m.name,
                m.phone,
                m.id
            ));
        }
    }
    out.trim_end().to_string()
}

pub fn settings(s: &jiayi_store::TownshipSettings, lang: Lang) -> String {
    let policy = match (s.term_policy, lang) {
        (jiayi_core::contract::TermPolicy::RollingYear, Lang::Zh) => "自签约日起一年",
        (jiayi_core::contract::TermPolicy::RollingYear, Lang::En) => "one year from signing",
        (jiayi_core::contract::TermPolicy::CalendarYear, Lang::Zh) => {
            "自然年度（首次签约至12月31日）"
        }
        (jiayi_core::contract::TermPolicy::CalendarYear, Lang::En) => {
            "calendar year (a first signing runs to 31 December)"
        }
    };
    format!(
        "{} {}\n{} {}\n{} {}",
        lang.pick("乡镇", "township"),
        s.township,
        lang.pick("卫生院", "health center"),
        s.health_center,
        lang.pick("协议期限", "agreement term"),
        policy
    )
}

pub fn sync_progress(p: &jiayi_api::SyncProgress, lang: Lang) -> String {
    let phase = match p.phase {
        jiayi_api::SyncPhase::Push => lang.pick("上传", "push"),
        jiayi_api::SyncPhase::Pull => lang.pick("下载", "pull"),
        jiayi_api::SyncPhase::Reference => lang.pick("参考资料", "reference data"),
    };
    format!("{phase} {}/{}", p.done, p.total)
}

pub fn sync_summary(s: &jiayi_api::SyncSummary, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "同步完成：上传 {} 条（新保存 {}，重复 {}，被拒 {}，字段冲突 {}），下载 {} 条，更新参考资料 {} 份，仍待同步 {} 条",
            s.pushed,
            s.applied,
            s.duplicates,
            s.refused,
            s.conflicts,
            s.pulled,
            s.reference_updated,
            s.pending_after
        ),
        Lang::En => format!(
            "sync done: pushed {} (applied {}, duplicates {}, refused {}, conflicts {}), pulled {}, reference documents updated {}, still pending {}",
            s.pushed,
            s.applied,
            s.duplicates,
            s.refused,
            s.conflicts,
            s.pulled,
            s.reference_updated,
            s.pending_after
        ),
    }
}

pub fn sync_settings(s: &jiayi_api::SyncSettings, lang: Lang) -> String {
    let villages: Vec<String> = s
        .villages
        .iter()
        .map(|v| v.name.clone().unwrap_or_else(|| v.id.to_string()))
        .collect();
    match (&s.server_url, lang) {
        (None, Lang::Zh) => format!("设备 {}，尚未登记到乡镇服务器", s.device_id),
        (None, Lang::En) => format!("device {}, not enrolled", s.device_id),
        (Some(url), Lang::Zh) => format!(
            "设备 {} 已登记到 {}\n负责的村：{}",
            s.device_id,
            url,
            villages.join("、")
        ),
        (Some(url), Lang::En) => format!(
            "device {} enrolled with {}\nvillages: {}",
            s.device_id,
            url,
            villages.join(", ")
        ),
    }
}

pub fn sync_status(s: &jiayi_api::SyncStatusView, lang: Lang) -> String {
    let mut out = match lang {
        Lang::Zh => format!(
            "设备 {}（{}）\n待同步 {} 条，上次成功同步 {}，未处理的拒收 {} 条",
            s.device_id,
            s.server_url.as_deref().unwrap_or("未登记"),
            s.pending_changes,
            s.last_sync_at.as_deref().unwrap_or("从未"),
            s.open_refusals
        ),
        Lang::En => format!(
            "device {} ({})\n{} changes pending, last successful sync {}, {} refusals open",
            s.device_id,
            s.server_url.as_deref().unwrap_or("not enrolled"),
            s.pending_changes,
            s.last_sync_at.as_deref().unwrap_or("never"),
            s.open_refusals
        ),
    };
    if let Some(e) = &s.last_error {
        out.push_str(&format!(
            "\n{} {}：{}",
            lang.pick("上次同步失败", "last sync failed"),
            e.at,
            e.message
        ));
    }
    for r in &s.reference {
        out.push_str(&format!(
            "\n{} {} {} {}",
            r.kind,
            r.name,
            lang.pick("版本", "version"),
            r.version
        ));
    }
    out
}

pub fn refusals(list: &[jiayi_api::RefusalView], lang: Lang) -> String {
    if list.is_empty() {
        return lang
            .pick("没有被拒收的修改", "no refused changes")
            .to_string();
    }
    list.iter()
        .map(|r| {
            format!(
                "#{} {} {}{}{} — {}{}",
                r.id,
                r.refused_at,
                r.entity_label,
                r.record_name
                    .as_deref()
                    .map(|n| format!(" {n}"))
                    .unwrap_or_default(),
                r.village_name
                    .as_deref()
                    .map(|v| format!("（{v}）"))
                    .unwrap_or_default(),
                r.message,
                if r.settled {
                    lang.pick(" [已处理]", " [settled]")
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One automatic renewal: the agreement, which renewal, the term, and its id.
pub fn auto_renewed(r: &jiayi_api::AutoRenewed, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{}  第{}次续约  {} 至 {}  {}",
            r.agreement_number, r.renewal, r.term.start, r.term.end, r.id
        ),
        Lang::En => format!(
            "{}  renewal {}  {} to {}  {}",
            r.agreement_number, r.renewal, r.term.start, r.term.end, r.id
        ),
    }
}
