//! What a township supervises: each doctor's progress against the township's targets (signed
//! residents, services delivered, fulfilment), and flags for data worth a second look
//! (`crate::suspicion`), each drilling down to its visits.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use jiayi_core::Lang;
use jiayi_core::change::Entity;
use jiayi_core::indicators::{IndicatorKind, Level, Params, Period, Report, compute};
use jiayi_core::time::china_date;
use jiayi_core::visit::Visit;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::Result;
use crate::storage::{AuditEvent, Storage};
use crate::suspicion::{self, Flag, FlagKind, VisitFact};
use crate::web::auth::session;
use crate::web::html::{LangQuery, Tab, escape, html_page, nav};
use crate::web::indicator_section::{percent, target_text, url_encode};
use crate::web::local_time::{local, zone_name};
use crate::web::names::Names;
use crate::web::period::{PeriodQuery, picker, this_month};
use crate::web::record_page::vitals_text;
use crate::web::state::{Peer, ServerState, blocking};

pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/dashboard/supervision", get(page))
        .route("/dashboard/supervision/flag", get(flag_page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FlagQuery {
    /// The rule: `identical_readings`, `night_visit`, `too_many_visits`, `villages_too_close`
    /// or `deadline_burst`.
    kind: Option<String>,
    /// The doctor's (team member's) id, or `none` for visits that name nobody.
    doctor: Option<String>,
    /// The flag's local day, `2026-11-03`.
    day: Option<String>,
}

/// The visits of a period as the rules see them: those that happened or were entered in it.
fn facts(storage: &dyn Storage, names: &Names, period: &Period) -> Result<Vec<(VisitFact, Visit)>> {
    let within = |at| {
        let day = china_date(at);
        day >= period.start && day <= period.end
    };
    let mut out = Vec::new();
    for (text, _) in storage.live_payloads(Entity::Visit)? {
        let Ok(visit) = serde_json::from_str::<Visit>(&text) else {
            continue;
        };
        if !within(visit.occurred_at) && !within(visit.recorded_at) {
            continue;
        }
        out.push((
            VisitFact {
                visit_id: visit.id,
                resident_id: visit.resident_id,
                doctor: visit.served_by,
                village_id: names
                    .village_of_resident(visit.resident_id)
                    .unwrap_or_default(),
                occurred_at: visit.occurred_at,
                recorded_at: visit.recorded_at,
                vitals: visit.vitals,
            },
            visit,
        ));
    }
    Ok(out)
}

/// The flags whose day lies in the period.
fn flags_in(visits: &[(VisitFact, Visit)], period: &Period) -> Vec<Flag> {
    let facts: Vec<VisitFact> = visits.iter().map(|(f, _)| f.clone()).collect();
    suspicion::flags(&facts)
        .into_iter()
        .filter(|f| f.day >= period.start && f.day <= period.end)
        .collect()
}

struct Read {
    period: Period,
    lang: Lang,
    today: NaiveDate,
}

fn read_period(lang: Lang, asked: &PeriodQuery) -> std::result::Result<Read, (Read, String)> {
    let today = china_date(Utc::now());
    match asked.read(lang, today) {
        Ok(period) => Ok(Read {
            period,
            lang,
            today,
        }),
        Err(message) => Err((
            Read {
                period: this_month(today),
                lang,
                today,
            },
            message,
        )),
    }
}

fn chooser(r: &Read, action: &str, extra: &str) -> String {
    format!(
        "<form class=\"chooser\" method=\"get\" action=\"{action}\">{}{extra}{}<button type=\"submit\">{}</button></form>",
        if r.lang == Lang::En {
            "<input type=\"hidden\" name=\"lang\" value=\"en\">"
        } else {
            ""
        },
        picker(r.lang, &r.period, r.today),
        r.lang.pick("查看", "Show")
    )
}

fn query(r: &Read) -> String {
    format!(
        "{}period={}",
        if r.lang == Lang::En { "lang=en&" } else { "" },
        url_encode(&r.period.label())
    )
}

#[utoipa::path(get, path = "/dashboard/supervision", tag = "dashboard", params(LangQuery, PeriodQuery),
    responses((status = 200, description = "Each doctor's progress against the targets, and the flags on the period's data", content_type = "text/html", body = String),
              (status = 400, description = "A period the page cannot read; the page says why", content_type = "text/html", body = String),
              (status = 303, description = "No live session: to the login page")),
    security(("admin_session" = [])))]
pub(crate) async fn page(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(asked_lang): Query<LangQuery>,
    Query(asked): Query<PeriodQuery>,
) -> Response {
    let lang = asked_lang.lang();
    let user = match session(&state, &headers, lang).await {
        Ok(u) => u,
        Err(response) => return *response,
    };
    let title = lang.pick(
        "督导：医生进度与异常数据",
        "Supervision: doctors and data flags",
    );
    let r = match read_period(lang, &asked) {
        Ok(r) => r,
        Err((r, message)) => {
            let body = format!(
                "{}{}<p class=\"error\">{}</p>",
                nav(lang, Tab::Supervision, ""),
                chooser(&r, "/dashboard/supervision", ""),
                escape(&message)
            );
            return html_page(StatusCode::BAD_REQUEST, lang, title, &body);
        }
    };
    let storage = state.storage.clone();
    let datasets = state.datasets.clone();
    let (period, today) = (r.period, r.today);
    let data = blocking(move || {
        let server = datasets.dataset(storage.as_ref())?;
        let targets = crate::indicators::targets(storage.as_ref())?;
        let report = compute(
            &server.dataset,
            &Params {
                period,
                reference: today,
            },
            &targets,
            Level::Doctor,
        );
        let names = Names::read(storage.as_ref(), &server.dataset)?;
        let visits = facts(storage.as_ref(), &names, &period)?;
        let flags = flags_in(&visits, &period);
        storage.append_audit(
            &AuditEvent::admin(&user, "supervision", &peer).with_record("period", period.label()),
            Utc::now(),
        )?;
        Ok((report, names, flags))
    })
    .await;
    let (report, names, flags) = match data {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let mut h = nav(lang, Tab::Supervision, &query(&r));
    h.push_str(&chooser(&r, "/dashboard/supervision", ""));
    h.push_str(&doctor_table(&r, &report));
    h.push_str(&flag_table(&r, &names, &flags));
    html_page(StatusCode::OK, lang, title, &h)
}

/// One row per doctor: signed residents, services, fulfilment, each against its target.
fn doctor_table(r: &Read, report: &Report) -> String {
    let lang = r.lang;
    let l = |zh, en| lang.pick(zh, en);
    let mut h = format!(
        "<h2 id=\"doctors\">{} · {}</h2><table class=\"ind doctors\"><tr>",
        l("各医生进度", "Progress by doctor"),
        escape(&r.period.label())
    );
    for c in [
        l("医生", "Doctor"),
        l("签约居民", "Signed residents"),
        l("签约率", "Signing rate"),
        l("目标", "Target"),
        l("服务人次", "Services"),
        l("履约率", "Fulfilment"),
        l("目标", "Target"),
        l("达标", "Met"),
    ] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for unit in &report.units {
        let Some(id) = unit.id else { continue };
        let (Some(signing), Some(fulfilment)) = (
            unit.figure(IndicatorKind::Signing),
            unit.figure(IndicatorKind::Fulfilment),
        ) else {
            continue;
        };
        let drill = |kind: IndicatorKind, show: &str| {
            format!(
                "/dashboard/indicator?{}&amp;indicator={}&amp;level=doctor&amp;unit={id}{show}",
                escape(&query(r)),
                kind.code()
            )
        };
        let name = if unit.name.is_empty() {
            format!("{}…", &id.simple().to_string()[..8])
        } else {
            unit.name.clone()
        };
        h.push_str(&format!(
            "<tr class=\"doctor\"><td>{}</td><td class=\"num\"><a href=\"{}\">{}</a></td><td class=\"rate\">{}</td><td class=\"num\">{}</td>\
<td class=\"num services\"><a href=\"{}\">{}</a></td><td class=\"rate\">{} <span class=\"muted\">({}/{})</span></td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&name),
            drill(IndicatorKind::Signing, "&amp;show=hit"),
            signing.numerator,
            percent(signing.rate),
            target_text(signing.target),
            drill(IndicatorKind::Fulfilment, ""),
            unit.services,
            percent(fulfilment.rate),
            fulfilment.numerator,
            fulfilment.denominator,
            target_text(fulfilment.target),
            met_cell(lang, both_met(signing.met, fulfilment.met)),
        ));
    }
    h.push_str("</table>");
    h.push_str(&format!(
        "<p class=\"muted\">{}</p>",
        l(
            "签约居民：统计期末由该医生负责的签约居民；服务人次：统计期内该医生提供的服务（按服务人员计）；履约率：应提供的服务中已提供的比例。目标为乡镇设定的考核目标（jiayi-server targets）。点击数字查看明细。",
            "Signed residents: residents the doctor is responsible for at the period's end; services: those the doctor delivered in the period (by who served); fulfilment: services delivered of those due. Targets are the township's (jiayi-server targets). Click a number for the list."
        )
    ));
    h
}

/// Met when every figure with a target meets it; not met when one misses.
fn both_met(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (None, None) => None,
        _ => Some(true),
    }
}

fn met_cell(lang: Lang, met: Option<bool>) -> &'static str {
    match met {
        Some(true) => lang.pick(
            "<span class=\"ok\">✓ 达标</span>",
            "<span class=\"ok\">✓ met</span>",
        ),
        Some(false) => lang.pick(
            "<span class=\"no\">✗ 未达标</span>",
            "<span class=\"no\">✗ not met</span>",
        ),
        None => "<span class=\"muted\">—</span>",
    }
}

pub(crate) fn flag_name(lang: Lang, kind: FlagKind) -> &'static str {
    match kind {
        FlagKind::IdenticalReadings => lang.pick("多名居民体征完全相同", "Identical readings"),
        FlagKind::NightVisit => lang.pick("夜间服务（23:00–05:00）", "Night visits (23:00–05:00)"),
        FlagKind::TooManyVisits => {
            lang.pick("一天服务次数超出可能", "More visits than a day allows")
        }
        FlagKind::VillagesTooClose => lang.pick("不同村服务间隔过短", "Villages minutes apart"),
        FlagKind::DeadlineBurst => lang.pick("截止前集中补录", "Burst before the deadline"),
    }
}

/// What tripped the rule, in words.
fn flag_figure(lang: Lang, flag: &Flag) -> String {
    let n = flag.figure.to_string();
    match flag.kind {
        FlagKind::IdenticalReadings => {
            lang.pick("{} 名居民读数相同", "{} residents with the same readings")
        }
        FlagKind::NightVisit => lang.pick("{} 次夜间服务", "{} visits at night"),
        FlagKind::TooManyVisits => lang.pick("当天 {} 次服务", "{} visits that day"),
        FlagKind::VillagesTooClose => {
            lang.pick("最短间隔 {} 分钟", "{} minutes apart at the closest")
        }
        FlagKind::DeadlineBurst => lang.pick(
            "月末 3 天内录入 {} 条",
            "{} entered in the month's last 3 days",
        ),
    }
    .replace("{}", &n)
}

fn doctor_param(doctor: Option<Uuid>) -> String {
    doctor
        .map(|d| d.to_string())
        .unwrap_or_else(|| "none".into())
}

fn flag_table(r: &Read, names: &Names, flags: &[Flag]) -> String {
    let lang = r.lang;
    let l = |zh, en| lang.pick(zh, en);
    let mut h = format!(
        "<h2 id=\"flags\">{} ({})</h2>",
        l("异常数据提示", "Data worth a second look"),
        flags.len()
    );
    if flags.is_empty() {
        h.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            l("本统计期没有发现异常。", "Nothing flagged in this period.")
        ));
        return h;
    }
    h.push_str("<table class=\"flags\"><tr>");
    for c in [
        l("提示", "Flag"),
        l("医生", "Doctor"),
        l("日期", "Day"),
        l("情况", "What"),
        l("明细", "Records"),
    ] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for f in flags {
        h.push_str(&format!(
            "<tr class=\"flag {}\"><td>{}</td><td>{}</td><td class=\"time\">{}</td><td>{}</td>\
<td><a href=\"/dashboard/supervision/flag?{}&amp;kind={}&amp;doctor={}&amp;day={}\">{} {}</a></td></tr>",
            f.kind.code(),
            flag_name(lang, f.kind),
            escape(&names.doctor(lang, f.doctor)),
            f.day,
            escape(&flag_figure(lang, f)),
            escape(&query(r)),
            f.kind.code(),
            doctor_param(f.doctor),
            f.day,
            l("查看", "Open"),
            f.visits.len(),
        ));
    }
    h.push_str("</table>");
    h.push_str(&format!(
        "<p class=\"muted\">{}</p>",
        l(
            "提示只说明值得再看一眼，不等于数据有误。各规则与阈值见 docs/dashboard.md。",
            "A flag is a reason to look, not a finding. The rules and thresholds are in docs/dashboard.md."
        )
    ));
    h
}

#[utoipa::path(get, path = "/dashboard/supervision/flag", tag = "dashboard", params(LangQuery, PeriodQuery, FlagQuery),
    responses((status = 200, description = "The visits behind one flag", content_type = "text/html", body = String),
              (status = 400, description = "A period, rule, doctor or day the page cannot read", content_type = "text/html", body = String),
              (status = 404, description = "No such flag in the period", content_type = "text/html", body = String),
              (status = 303, description = "No live session: to the login page")),
    security(("admin_session" = [])))]
pub(crate) async fn flag_page(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(asked_lang): Query<LangQuery>,
    Query(asked): Query<PeriodQuery>,
    Query(q): Query<FlagQuery>,
) -> Response {
    let lang = asked_lang.lang();
    let user = match session(&state, &headers, lang).await {
        Ok(u) => u,
        Err(response) => return *response,
    };
    let title = lang.pick("异常数据明细", "Behind the flag");
    let refused = |status: StatusCode, message: &str| {
        let body = format!(
            "{}<p class=\"error\">{}</p><p><a href=\"/dashboard/supervision{}\">{}</a></p>",
            nav(lang, Tab::Supervision, ""),
            escape(message),
            if lang == Lang::En { "?lang=en" } else { "" },
            lang.pick("← 返回督导", "← Back to supervision")
        );
        html_page(status, lang, title, &body)
    };
    let r = match read_period(lang, &asked) {
        Ok(r) => r,
        Err((_, message)) => return refused(StatusCode::BAD_REQUEST, &message),
    };
    let Some(kind) = q.kind.as_deref().and_then(FlagKind::from_code) else {
        return refused(
            StatusCode::BAD_REQUEST,
            lang.pick("没有这种提示。", "There is no such flag."),
        );
    };
    let doctor = match q.doctor.as_deref().map(str::trim) {
        Some("none") => None,
        Some(text) => match Uuid::parse_str(text) {
            Ok(id) => Some(id),
            Err(_) => {
                return refused(
                    StatusCode::BAD_REQUEST,
                    lang.pick("医生编号无效。", "The doctor id is not valid."),
                );
            }
        },
        None => {
            return refused(
                StatusCode::BAD_REQUEST,
                lang.pick("请指明医生。", "Name the doctor."),
            );
        }
    };
    let Some(day) = q
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
    else {
        return refused(
            StatusCode::BAD_REQUEST,
            lang.pick("日期须写成 2026-11-03。", "The day must read 2026-11-03."),
        );
    };
    let storage = state.storage.clone();
    let datasets = state.datasets.clone();
    let period = r.period;
    let data = blocking(move || {
        let server = datasets.dataset(storage.as_ref())?;
        let names = Names::read(storage.as_ref(), &server.dataset)?;
        let visits = facts(storage.as_ref(), &names, &period)?;
        let flag = flags_in(&visits, &period)
            .into_iter()
            .find(|f| f.kind == kind && f.doctor == doctor && f.day == day);
        if let Some(flag) = &flag {
            storage.append_audit(
                &AuditEvent::admin(&user, "flag-drill-down", &peer)
                    .with_records(flag.visits.iter().map(|v| format!("visit:{v}"))),
                Utc::now(),
            )?;
        }
        Ok((flag, visits, names))
    })
    .await;
    let (flag, visits, names) = match data {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let Some(flag) = flag else {
        return refused(
            StatusCode::NOT_FOUND,
            lang.pick("本统计期没有这条提示。", "No such flag in this period."),
        );
    };
    let l = |zh, en| lang.pick(zh, en);
    let mut h = nav(lang, Tab::Supervision, &query(&r));
    h.push_str(&format!(
        "<p class=\"big\">{} · {} · {} · {}</p><table class=\"flag-visits\"><tr><th>{}</th><th>{}</th><th>{}（{}）</th><th>{}（{}）</th><th>{}</th><th>{}</th></tr>",
        flag_name(lang, flag.kind),
        escape(&names.doctor(lang, flag.doctor)),
        flag.day,
        escape(&flag_figure(lang, &flag)),
        l("居民", "Resident"),
        l("村", "Village"),
        l("服务时间", "When"),
        zone_name(lang),
        l("录入时间", "Entered"),
        zone_name(lang),
        l("体征", "Vitals"),
        l("操作", "Actions"),
    ));
    let mut rows: Vec<&(VisitFact, Visit)> = visits
        .iter()
        .filter(|(f, _)| flag.visits.contains(&f.visit_id))
        .collect();
    rows.sort_by_key(|(f, _)| (f.occurred_at, f.visit_id));
    for (fact, visit) in rows {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"time\">{}</td><td class=\"time\">{}</td><td>{}</td>\
<td><a href=\"/dashboard/record?{}entity=visit&amp;id={}\">{}</a></td></tr>",
            escape(names.resident(visit.resident_id).unwrap_or("—")),
            escape(&names.villages.name(lang, fact.village_id)),
            local(visit.occurred_at),
            local(visit.recorded_at),
            escape(&vitals_text(
                lang,
                &serde_json::to_value(visit.vitals).unwrap_or_default()
            )),
            if lang == Lang::En { "lang=en&amp;" } else { "" },
            visit.id,
            l("查看记录", "Open"),
        ));
    }
    h.push_str("</table>");
    html_page(StatusCode::OK, lang, title, &h)
}
