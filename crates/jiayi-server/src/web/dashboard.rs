//! The township dashboard: one server-rendered page for health-center staff. No script, so it
//! works in any browser at the health center.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use jiayi_core::Lang;
use serde::Deserialize;

use std::collections::HashMap;

use jiayi_core::indicators::Level;
use jiayi_core::time::china_date;

use uuid::Uuid;

use crate::storage::{
    AuditEvent, ConflictRow, DeviceRow, RecordReview, RecordToAudit, VillageProgress,
};
use crate::web::audit_page::{kind_name, latest_reviews, local_midnight, table};
use crate::web::auth::session;
use crate::web::html::{Tab, escape, html_page, nav};
use crate::web::indicator_drill::{DrillAsked, drill_page};
use crate::web::indicator_section::url_encode;
use crate::web::indicator_section::{Asked, section};
use crate::web::local_time::local_text;
use crate::web::names::Names;
use crate::web::period::{PeriodQuery, this_month};
use crate::web::state::{Peer, ServerState, blocking};

/// The newest records of the month the dashboard itself lists; the audit page has them all.
const DASHBOARD_AUDIT_ROWS: usize = 20;

pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/indicator", get(indicator_page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DashQuery {
    /// `zh` (default) or `en`.
    lang: Option<String>,
    /// Rows of the indicator table: `township`, `village` (default), `team` or `doctor`.
    level: Option<String>,
    /// The indicator drawn as bars per village (an indicator code; `signing` by default).
    bar: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct IndicatorQuery {
    /// `zh` (default) or `en`.
    lang: Option<String>,
    /// `2026`, `2026-Q4`, `2026-11` or `2026-01-01..2026-06-30`; this calendar year when empty.
    period: Option<String>,
    /// The indicator's code, e.g. `signing`, `signing.poverty_registered`, `fulfilment`.
    indicator: Option<String>,
    /// The row's level (`village`, `team`, `doctor`) when `unit` is given.
    level: Option<String>,
    /// The village, team or doctor id, or `unassigned`; the whole township when empty.
    unit: Option<String>,
    /// `hit` (counted in the numerator), `miss` (not counted) or empty for all.
    show: Option<String>,
    /// The page of the list, from 1 (100 rows a page).
    page: Option<String>,
}

#[utoipa::path(get, path = "/dashboard", tag = "dashboard", params(DashQuery, PeriodQuery),
    responses((status = 200, description = "The staff dashboard", content_type = "text/html", body = String),
              (status = 400, description = "A period, level or indicator the page cannot read; the page says why", content_type = "text/html", body = String),
              (status = 303, description = "No live session: to the login page")),
    security(("admin_session" = [])))]
pub(crate) async fn page(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(q): Query<DashQuery>,
    Query(asked_period): Query<PeriodQuery>,
) -> Response {
    let lang = Lang::from_tag(q.lang.as_deref().unwrap_or("zh"));
    let user = match session(&state, &headers, lang).await {
        Ok(u) => u,
        Err(response) => return *response,
    };
    let now = Utc::now();
    let period = asked_period.read(lang, china_date(now));
    let asked = Asked {
        lang,
        period: period.as_ref().ok().map(|p| p.label()),
        level: q.level,
        bar: q.bar,
    };
    let storage = state.storage.clone();
    let datasets = state.datasets.clone();
    let choice = period.and_then(|_| asked.choose(china_date(now)));
    let period_query = match &choice {
        Ok(c) => format!("period={}", url_encode(&c.params.period.label())),
        Err(_) => String::new(),
    };
    let status = if choice.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let month_start = local_midnight(this_month(china_date(now)).start);
    let data = blocking(move || {
        let server = datasets.dataset(storage.as_ref())?;
        let indicators = match &choice {
            Ok(c) => {
                let targets = crate::indicators::targets(storage.as_ref())?;
                section(&asked, Ok(c), &server.dataset, &targets, server.unreadable)
            }
            Err(message) => section(
                &asked,
                Err(message),
                &Default::default(),
                &Default::default(),
                0,
            ),
        };
        let audit = storage.audit(month_start, 500)?;
        let mut names = Names::read(storage.as_ref(), &server.dataset)?;
        names.learn_villages(audit.iter().map(|a| &a.payload));
        let reviews = latest_reviews(storage.reviews(None)?);
        // The records the page shows by name (the newest of the audit list); the rest are
        // counts.
        let view = AuditEvent::admin(&user, "dashboard", &peer).with_records(
            audit
                .iter()
                .take(DASHBOARD_AUDIT_ROWS)
                .map(|a| format!("{}:{}", a.entity, a.entity_id)),
        );
        storage.append_audit(&view, now)?;
        Ok((
            indicators,
            storage.devices()?,
            storage.village_progress()?,
            names,
            storage.conflicts(true)?,
            (audit, reviews),
        ))
    })
    .await;
    match data {
        Ok((indicators, devices, villages, names, conflicts, (audit, reviews))) => {
            let body = render(
                lang, &devices, &villages, &names, &conflicts, &audit, &reviews,
            );
            html_page(
                status,
                lang,
                lang.pick("乡镇家医签约看板", "Township dashboard"),
                &format!(
                    "{}{indicators}{body}",
                    nav(lang, Tab::Dashboard, &period_query)
                ),
            )
        }
        Err(e) => e.into_response(),
    }
}

#[utoipa::path(get, path = "/dashboard/indicator", tag = "dashboard", params(IndicatorQuery),
    responses((status = 200, description = "The residents, households or service items behind one figure, a page at a time", content_type = "text/html", body = String),
              (status = 400, description = "A period, indicator, row or page the page cannot read; the page says why", content_type = "text/html", body = String),
              (status = 303, description = "No live session: to the login page")),
    security(("admin_session" = [])))]
pub(crate) async fn indicator_page(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(q): Query<IndicatorQuery>,
) -> Response {
    let lang = Lang::from_tag(q.lang.as_deref().unwrap_or("zh"));
    let user = match session(&state, &headers, lang).await {
        Ok(u) => u,
        Err(response) => return *response,
    };
    let title = lang.pick("指标明细", "Behind the figure");
    let asked = Asked {
        lang,
        period: q.period,
        level: None,
        bar: None,
    };
    let refused = |message: String| {
        let back = format!(
            "<p class=\"error\">{}</p><p><a href=\"/dashboard{}\">{}</a></p>",
            escape(&message),
            if lang == Lang::En { "?lang=en" } else { "" },
            lang.pick("← 返回看板", "← Back to the dashboard")
        );
        html_page(StatusCode::BAD_REQUEST, lang, title, &back)
    };
    let choice = match asked.choose(china_date(Utc::now())) {
        Ok(c) => c,
        Err(message) => return refused(message),
    };
    let level = match q.level.as_deref().map(str::trim) {
        None | Some("") => Level::Township,
        Some(code) => match Level::from_code(code) {
            Some(level) => level,
            None => {
                return refused(
                    lang.pick(
                        "层级须为 township、village、team 或 doctor。",
                        "The level must be township, village, team or doctor.",
                    )
                    .to_string(),
                );
            }
        },
    };
    let asked_drill = DrillAsked {
        indicator: q.indicator,
        unit: q.unit,
        page: q.page,
        show: q.show,
    };
    let drill = match asked_drill.read(lang, level) {
        Ok(d) => d,
        Err(message) => return refused(message),
    };
    let storage = state.storage.clone();
    let datasets = state.datasets.clone();
    // The figure asked for and the unit it is about (a village, team or doctor id); the page
    // lists people, and the log names what was asked, not who was shown.
    let view = AuditEvent::admin(&user, "drill-down", &peer).with_records(
        [
            asked_drill
                .indicator
                .as_deref()
                .filter(|i| jiayi_core::indicators::IndicatorKind::from_code(i).is_some())
                .map(|i| format!("indicator:{i}")),
            asked_drill
                .unit
                .as_deref()
                .filter(|u| *u == "unassigned" || uuid::Uuid::parse_str(u).is_ok())
                .map(|u| format!("{}:{u}", format!("{level:?}").to_lowercase())),
        ]
        .into_iter()
        .flatten(),
    );
    let body = blocking(move || {
        storage.append_audit(&view, Utc::now())?;
        let server = datasets.dataset(storage.as_ref())?;
        let targets = crate::indicators::targets(storage.as_ref())?;
        Ok(drill_page(
            &asked,
            &choice,
            &drill,
            &server.dataset,
            &targets,
            &server.item_names,
        ))
    })
    .await;
    match body {
        Ok(body) => html_page(StatusCode::OK, lang, title, &body),
        Err(e) => e.into_response(),
    }
}

fn render(
    lang: Lang,
    devices: &[DeviceRow],
    villages: &[VillageProgress],
    names: &Names,
    conflicts: &[ConflictRow],
    audit: &[RecordToAudit],
    reviews: &HashMap<(String, Uuid), RecordReview>,
) -> String {
    let l = |zh, en| lang.pick(zh, en);
    let mut h = String::new();

    h.push_str(&format!(
        "<h2 id=\"devices\">{}</h2><table><tr>",
        l("设备与最近同步", "Devices and last sync")
    ));
    for c in [
        l("设备", "Device"),
        l("医生", "Doctor"),
        l("团队", "Team"),
        l("村数", "Villages"),
        l("最近同步（北京时间）", "Last sync (China Standard Time)"),
        l("已收变更序号", "Stored through"),
        l("状态", "Status"),
    ] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for d in devices {
        let status = if d.revoked_at.is_some() {
            l("已撤销", "revoked")
        } else {
            l("有效", "active")
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&d.label),
            escape(&d.doctor_name),
            escape(&d.team_name),
            d.villages.len(),
            d.last_sync_at
                .as_deref()
                .map(local_text)
                .unwrap_or_else(|| l("从未", "never").to_string()),
            d.stored_through_seq,
            status
        ));
    }
    h.push_str("</table>");

    h.push_str(&format!(
        "<h2 id=\"villages\">{}</h2><table><tr>",
        l("各村签约进度", "Signing progress by village")
    ));
    for c in [
        l("村", "Village"),
        l("户数", "Households"),
        l("居民", "Residents"),
        l("签约协议", "Contracts"),
        l("签约户比例", "Households signed"),
        l("履约记录", "Visits"),
    ] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for v in villages {
        let village = escape(&names.villages.name(lang, v.village_id));
        let pct = if v.households == 0 {
            0.0
        } else {
            (v.contracts as f64 / v.households as f64 * 100.0).min(100.0)
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"bar\"><span style=\"width:{:.0}%\"></span></span> {:.1}%</td><td>{}</td></tr>",
            village, v.households, v.residents, v.contracts, pct, pct, v.visits
        ));
    }
    h.push_str("</table>");

    h.push_str(&format!(
        "<h2 id=\"conflicts\">{} ({})</h2>",
        l("待处理的冲突", "Conflicts waiting for a decision"),
        conflicts.len()
    ));
    if conflicts.is_empty() {
        h.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            l("没有待处理的冲突。", "No open conflicts.")
        ));
    } else {
        h.push_str("<table><tr>");
        for c in [
            l("编号", "No."),
            l("记录", "Record"),
            l("字段", "Field"),
            l("保留的值", "Kept value"),
            l("落选的值", "Losing value"),
            l("时间", "When"),
        ] {
            h.push_str(&format!("<th>{c}</th>"));
        }
        h.push_str("</tr>");
        for c in conflicts {
            h.push_str(&format!(
                "<tr><td>{}</td><td><a href=\"/dashboard/record?entity={}&amp;id={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"time\">{}</td></tr>",
                c.id,
                escape(&c.entity),
                c.entity_id,
                escape(&kind_name(lang, &c.entity)),
                escape(&c.field),
                escape(&c.winning_value.to_string()),
                escape(&c.losing_value.to_string()),
                local_text(&c.created_at)
            ));
        }
        h.push_str("</table>");
    }

    h.push_str(&format!(
        "<h2 id=\"audit\">{} ({})</h2>",
        l("本月待审核记录", "This month's records to audit"),
        audit.len()
    ));
    let back = if lang == Lang::En {
        "/dashboard?lang=en"
    } else {
        "/dashboard"
    };
    let shown = &audit[..audit.len().min(DASHBOARD_AUDIT_ROWS)];
    h.push_str(&table(lang, shown, names, reviews, back));
    h.push_str(&format!(
        "<p><a href=\"/dashboard/audit{}\">{}</a></p>",
        if lang == Lang::En { "?lang=en" } else { "" },
        l(
            "全部审核记录、按月份查看 →",
            "All records to audit, by month →"
        )
    ));
    h
}
