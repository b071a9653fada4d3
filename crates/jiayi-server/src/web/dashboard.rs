//! The township dashboard: one server-rendered page for health-center staff. No script, so it
//! works in any browser at the health center.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, TimeZone, Utc};
use jiayi_core::Lang;
use serde::Deserialize;

use jiayi_core::household::Village;
use jiayi_core::indicators::Level;
use jiayi_core::time::china_date;

use crate::storage::{AuditEvent, ConflictRow, DeviceRow, RecordToAudit, VillageProgress};
use crate::web::auth::session;
use crate::web::html::{escape, html_page};
use crate::web::indicator_drill::{DrillAsked, drill_page};
use crate::web::indicator_section::{Asked, section};
use crate::web::state::{Peer, ServerState, blocking};

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
    /// `2026`, `2026-Q4`, `2026-11` or `2026-01-01..2026-06-30`; this calendar year when empty.
    period: Option<String>,
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

#[utoipa::path(get, path = "/dashboard", tag = "dashboard", params(DashQuery),
    responses((status = 200, description = "The staff dashboard", content_type = "text/html", body = String),
              (status = 400, description = "A period, level or indicator the page cannot read; the page says why", content_type = "text/html", body = String),
              (status = 303, description = "No live session: to the login page")),
    security(("admin_session" = [])))]
pub(crate) async fn page(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(q): Query<DashQuery>,
) -> Response {
    let lang = Lang::from_tag(q.lang.as_deref().unwrap_or("zh"));
    let user = match session(&state, &headers, lang).await {
        Ok(u) => u,
        Err(response) => return *response,
    };
    let asked = Asked {
        lang,
        period: q.period,
        level: q.level,
        bar: q.bar,
    };
    let storage = state.storage.clone();
    let datasets = state.datasets.clone();
    let now = Utc::now();
    let choice = asked.choose(china_date(now));
    let status = if choice.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let month_start = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    let data = blocking(move || {
        let indicators = match &choice {
            Ok(c) => {
                let server = datasets.dataset(storage.as_ref())?;
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
        // The records the page shows by id (the audit list); the rest are counts.
        let view = AuditEvent::admin(&user, "dashboard", &peer).with_records(
            audit
                .iter()
                .map(|a| format!("{}:{}", a.entity, a.entity_id)),
        );
        storage.append_audit(&view, now)?;
        Ok((
            indicators,
            storage.devices()?,
            storage.village_progress()?,
            storage.villages()?,
            storage.conflicts(true)?,
            audit,
        ))
    })
    .await;
    match data {
        Ok((indicators, devices, villages, names, conflicts, audit)) => {
            let body = render(lang, &devices, &villages, &names, &conflicts, &audit);
            html_page(
                status,
                lang,
                lang.pick("乡镇家医签约看板", "Township dashboard"),
                &format!(
                    "<form class=\"logout\" method=\"post\" action=\"/logout\"><button type=\"submit\">{}</button></form>{indicators}{body}",
                    lang.pick("退出登录", "Log out")
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
    names: &[Village],
    conflicts: &[ConflictRow],
    audit: &[RecordToAudit],
) -> String {
    let l = |zh, en| lang.pick(zh, en);
    let none = |s: &Option<String>| {
        s.as_deref()
            .map(escape)
            .unwrap_or_else(|| l("从未", "never").to_string())
    };
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
        l("最近同步", "Last sync"),
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
            none(&d.last_sync_at),
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
        let village = match names.iter().find(|n| n.id == v.village_id) {
            Some(n) => escape(&n.name),
            None => format!("<code>{}</code>", v.village_id),
        };
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
                "<tr><td>{}</td><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.id,
                escape(&c.entity),
                c.entity_id,
                escape(&c.field),
                escape(&c.winning_value.to_string()),
                escape(&c.losing_value.to_string()),
                escape(&c.created_at)
            ));
        }
        h.push_str("</table>");
    }

    h.push_str(&format!(
        "<h2 id=\"audit\">{} ({})</h2>",
        l("本月待审核记录", "This month's records to audit"),
        audit.len()
    ));
    h.push_str("<table><tr>");
    for c in [
        l("类别", "Kind"),
        l("记录", "Record"),
        l("村", "Village"),
        l("设备", "Device"),
        l("收到时间", "Received"),
    ] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for a in audit {
        let kind = match a.entity.as_str() {
            "contract" => l("签约协议", "contract"),
            "contract_event" => l("协议变更", "contract event"),
            "visit" => l("履约服务", "visit"),
            other => other,
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(kind),
            a.entity_id,
            a.village_id,
            escape(&a.device_label),
            escape(&a.received_at)
        ));
    }
    h.push_str("</table>");
    h
}
