//! The monthly audit: the contracts, contract events and visits the devices sent in a period,
//! each with who it is about, its village, the device that sent it and when (local time), its
//! review state, and what an administrator does with it: open the record, mark it checked, or
//! flag it for the doctor with a note. Reviews are kept in the server's database, each with an
//! entry in the server's audit log written in the same transaction.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveTime, TimeZone, Utc};
use jiayi_core::Lang;
use jiayi_core::change::Entity;
use jiayi_core::time::china_date;
use serde::Deserialize;
use uuid::Uuid;

use crate::storage::{AuditEvent, RecordReview, RecordToAudit, ReviewVerdict, shared::time_text};
use crate::web::auth::session;
use crate::web::html::{LangQuery, Tab, escape, html_page, nav};
use crate::web::indicator_section::url_encode;
use crate::web::local_time::{local_text, zone, zone_name};
use crate::web::names::Names;
use crate::web::period::{PeriodQuery, picker};
use crate::web::state::{Peer, ServerState, blocking};

/// The most records the list shows (newest first).
pub(crate) const AUDIT_ROWS: u32 = 1000;
/// The longest note a flag carries.
pub(crate) const NOTE_MAX_CHARS: usize = 500;

pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/dashboard/audit", get(page))
        .route("/dashboard/review", post(review))
}

/// The record kinds the monthly audit lists, with their names.
pub(crate) fn kind_name(lang: Lang, entity: &str) -> String {
    match entity {
        "contract" => lang.pick("签约协议", "contract"),
        "contract_event" => lang.pick("协议变更", "contract event"),
        "visit" => lang.pick("履约服务", "visit"),
        "resident" => lang.pick("居民", "resident"),
        "household" => lang.pick("家庭", "household"),
        other => other,
    }
    .to_string()
}

#[utoipa::path(get, path = "/dashboard/audit", tag = "dashboard", params(LangQuery, PeriodQuery),
    responses((status = 200, description = "The records received in a period, with their review state and actions", content_type = "text/html", body = String),
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
    let title = lang.pick("审核记录", "Records to audit");
    let today = china_date(Utc::now());
    let period = match asked.read(lang, today) {
        Ok(p) => p,
        Err(message) => {
            let body = format!(
                "{}{}<p class=\"error\">{}</p>",
                nav(lang, Tab::Audit, ""),
                chooser(lang, &crate::web::period::this_month(today), today),
                escape(&message)
            );
            return html_page(StatusCode::BAD_REQUEST, lang, title, &body);
        }
    };
    let start = local_midnight(period.start);
    let end = local_midnight(period.end.succ_opt().unwrap_or(period.end));
    let storage = state.storage.clone();
    let datasets = state.datasets.clone();
    let data = blocking(move || {
        let rows: Vec<RecordToAudit> = storage.audit_between(start, end, AUDIT_ROWS)?;
        let server = datasets.dataset(storage.as_ref())?;
        let mut names = Names::read(storage.as_ref(), &server.dataset)?;
        names.learn_villages(rows.iter().map(|r| &r.payload));
        let reviews = latest_reviews(storage.reviews(None)?);
        let view = AuditEvent::admin(&user, "audit-list", &peer)
            .with_records(rows.iter().map(|a| format!("{}:{}", a.entity, a.entity_id)));
        storage.append_audit(&view, Utc::now())?;
        Ok((rows, names, reviews))
    })
    .await;
    let (rows, names, reviews) = match data {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let period_query = format!("period={}", url_encode(&period.label()));
    let back = format!(
        "/dashboard/audit?{}{period_query}",
        if lang == Lang::En { "lang=en&" } else { "" }
    );
    let mut body = nav(lang, Tab::Audit, &period_query);
    body.push_str(&chooser(lang, &period, today));
    body.push_str(&format!(
        "<p>{} {} · {} {}{}</p>",
        lang.pick("统计期", "Period"),
        escape(&period.label()),
        rows.len(),
        lang.pick("条记录", "records"),
        if rows.len() as u32 >= AUDIT_ROWS {
            lang.pick("（只列出最新的部分）", " (the newest only)")
        } else {
            ""
        }
    ));
    body.push_str(&table(lang, &rows, &names, &reviews, &back));
    html_page(StatusCode::OK, lang, title, &body)
}

fn chooser(
    lang: Lang,
    period: &jiayi_core::indicators::Period,
    today: chrono::NaiveDate,
) -> String {
    format!(
        "<form class=\"chooser\" method=\"get\" action=\"/dashboard/audit\">{}{}<button type=\"submit\">{}</button></form>",
        if lang == Lang::En {
            "<input type=\"hidden\" name=\"lang\" value=\"en\">"
        } else {
            ""
        },
        picker(lang, period, today),
        lang.pick("查看", "Show")
    )
}

/// Local midnight at the start of `day`, as UTC.
pub(crate) fn local_midnight(day: chrono::NaiveDate) -> chrono::DateTime<Utc> {
    zone()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The latest review of each record.
pub(crate) fn latest_reviews(all: Vec<RecordReview>) -> HashMap<(String, Uuid), RecordReview> {
    let mut latest = HashMap::new();
    for r in all {
        latest.insert((r.entity.clone(), r.entity_id), r);
    }
    latest
}

/// A review's state as a tag.
pub(crate) fn review_tag(lang: Lang, review: Option<&RecordReview>) -> String {
    match review {
        None => format!(
            "<span class=\"muted\">{}</span>",
            lang.pick("未审核", "not reviewed")
        ),
        Some(r) => {
            let (class, word) = match r.verdict {
                ReviewVerdict::Checked => ("checked", lang.pick("已核查", "checked")),
                ReviewVerdict::Flagged => {
                    ("flagged", lang.pick("待医生核实", "flagged for the doctor"))
                }
            };
            let note = if r.note.is_empty() {
                String::new()
            } else {
                format!("：{}", escape(&r.note))
            };
            format!(
                "<span class=\"tag {class}\">{word}</span>{note}<br><span class=\"muted\">{} · {}</span>",
                escape(&r.reviewer),
                local_text(&r.at)
            )
        }
    }
}

/// The buttons of one record: open it, then [`review_forms`].
pub(crate) fn actions(lang: Lang, entity: &str, id: Uuid, back: &str) -> String {
    format!(
        "<a href=\"/dashboard/record?{}entity={}&amp;id={id}\">{}</a> {}",
        if lang == Lang::En { "lang=en&amp;" } else { "" },
        url_encode(entity),
        lang.pick("查看记录", "Open"),
        review_forms(lang, entity, id, back)
    )
}

/// Mark a record checked, or flag it for the doctor with a note; `back` is the page to return
/// to.
pub(crate) fn review_forms(lang: Lang, entity: &str, id: Uuid, back: &str) -> String {
    let hidden = format!(
        "<input type=\"hidden\" name=\"entity\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<input type=\"hidden\" name=\"back\" value=\"{}\">",
        escape(entity),
        escape(back)
    );
    format!(
        "<form method=\"post\" action=\"/dashboard/review\">{hidden}<input type=\"hidden\" name=\"verdict\" value=\"checked\"><button type=\"submit\">{}</button></form>\
<form method=\"post\" action=\"/dashboard/review\">{hidden}<input type=\"hidden\" name=\"verdict\" value=\"flagged\">\
<input type=\"text\" name=\"note\" maxlength=\"{NOTE_MAX_CHARS}\" placeholder=\"{}\" aria-label=\"{}\"> <button type=\"submit\">{}</button></form>",
        lang.pick("标记已核查", "Mark checked"),
        lang.pick("给医生的说明", "Note for the doctor"),
        lang.pick("给医生的说明", "Note for the doctor"),
        lang.pick("转医生核实", "Flag for the doctor"),
    )
}

/// What a record says in a few words: a visit's service and time, a contract's number, an
/// event's kind.
fn content(lang: Lang, entity: &str, payload: &serde_json::Value) -> String {
    match entity {
        "visit" => {
            let kind =
                serde_json::from_value::<jiayi_core::visit::VisitKind>(payload["kind"].clone())
                    .map(|k| k.label(lang).to_string())
                    .unwrap_or_default();
            let when = payload["occurred_at"]
                .as_str()
                .map(local_text)
                .unwrap_or_default();
            format!("{kind} {when}")
        }
        "contract" => payload["contract"]["agreement_number"]
            .as_str()
            .map(|n| format!("{} {n}", lang.pick("协议号", "No.")))
            .unwrap_or_default(),
        "contract_event" => match payload["event"]["kind"]["type"].as_str() {
            Some("doctor_changed") => lang.pick("更换医生", "change of doctor").to_string(),
            Some("terminated") => lang.pick("解约", "termination").to_string(),
            Some("renewed") => lang.pick("续约", "renewal").to_string(),
            Some(other) => other.to_string(),
            None => String::new(),
        },
        _ => String::new(),
    }
}

/// The audit table (also on the dashboard, cut short there).
pub(crate) fn table(
    lang: Lang,
    rows: &[RecordToAudit],
    names: &Names,
    reviews: &HashMap<(String, Uuid), RecordReview>,
    back: &str,
) -> String {
    let l = |zh, en| lang.pick(zh, en);
    let mut h = String::from("<table class=\"audit\"><tr>");
    for c in [
        l("类别", "Kind").to_string(),
        l("居民 / 家庭", "Resident / household").to_string(),
        l("内容", "What").to_string(),
        l("村", "Village").to_string(),
        l("设备（医生）", "Device (doctor)").to_string(),
        format!("{}（{}）", l("收到时间", "Received"), zone_name(lang)),
        l("审核状态", "Review").to_string(),
        l("操作", "Actions").to_string(),
    ] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for a in rows {
        let subject = names
            .subject(lang, &a.entity, &a.payload)
            .unwrap_or_else(|| l("（记录未写明）", "(not stated)").to_string());
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"time\">{}</td><td>{}</td><td class=\"actions\">{}</td></tr>",
            escape(&kind_name(lang, &a.entity)),
            escape(&subject),
            escape(&content(lang, &a.entity, &a.payload)),
            escape(&names.villages.name(lang, a.village_id)),
            escape(&names.device(lang, a.device_id)),
            local_text(&a.received_at),
            review_tag(lang, reviews.get(&(a.entity.clone(), a.entity_id))),
            actions(lang, &a.entity, a.entity_id, back),
        ));
    }
    h.push_str("</table>");
    h
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewForm {
    entity: String,
    id: String,
    verdict: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    back: String,
}

/// Where to go after a review: a dashboard page named in the form, never another site.
fn safe_back(back: &str) -> &str {
    if back.starts_with("/dashboard") && !back.contains("//") && !back.contains('\\') {
        back
    } else {
        "/dashboard/audit"
    }
}

/// `POST /dashboard/review`: a verdict on one record, then back to the page the form was on.
pub(crate) async fn review(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(f): Form<ReviewForm>,
) -> Response {
    let lang = if f.back.contains("lang=en") {
        Lang::En
    } else {
        Lang::Zh
    };
    let user = match session(&state, &headers, lang).await {
        Ok(u) => u,
        Err(response) => return *response,
    };
    let back = safe_back(&f.back).to_string();
    let refused = |status: StatusCode, message: &str| {
        let body = format!(
            "{}<p class=\"error\">{}</p><p><a href=\"{}\">{}</a></p>",
            nav(lang, Tab::Audit, ""),
            escape(message),
            escape(&back),
            lang.pick("← 返回", "← Back")
        );
        html_page(
            status,
            lang,
            lang.pick("审核未保存", "Review not saved"),
            &body,
        )
    };
    let entity = match Entity::parse(&f.entity) {
        Some(e) => e,
        None => {
            return refused(
                StatusCode::BAD_REQUEST,
                lang.pick("没有这种记录。", "There is no such kind of record."),
            );
        }
    };
    let Ok(id) = Uuid::parse_str(f.id.trim()) else {
        return refused(
            StatusCode::BAD_REQUEST,
            lang.pick("记录编号无效。", "The record id is not valid."),
        );
    };
    let Some(verdict) = ReviewVerdict::parse(&f.verdict) else {
        return refused(
            StatusCode::BAD_REQUEST,
            lang.pick(
                "审核结果须为“已核查”或“转医生核实”。",
                "The verdict must be checked or flagged.",
            ),
        );
    };
    let note: String = f.note.trim().to_string();
    if note.chars().count() > NOTE_MAX_CHARS || note.chars().any(char::is_control) {
        return refused(
            StatusCode::BAD_REQUEST,
            &lang
                .pick(
                    "说明最多 {} 个字，且不能含控制字符。",
                    "A note has at most {} characters and no control characters.",
                )
                .replace("{}", &NOTE_MAX_CHARS.to_string()),
        );
    }
    if verdict == ReviewVerdict::Flagged && note.is_empty() {
        return refused(
            StatusCode::BAD_REQUEST,
            lang.pick(
                "转医生核实时请写明要医生核实什么。",
                "Say what the doctor should look at.",
            ),
        );
    }
    let storage = state.storage.clone();
    let now = Utc::now();
    let saved = blocking(move || {
        if storage.record(entity, id)?.is_none() {
            return Ok(false);
        }
        let review = RecordReview {
            entity: entity.as_str().to_string(),
            entity_id: id,
            verdict,
            note,
            reviewer: user.clone(),
            at: time_text(now),
        };
        let event = AuditEvent::admin(&user, &format!("review-{}", verdict.as_str()), &peer)
            .with_record(entity.as_str(), id);
        storage.put_review(&review, &event)?;
        Ok(true)
    })
    .await;
    match saved {
        Ok(true) => Redirect::to(&back).into_response(),
        Ok(false) => refused(
            StatusCode::NOT_FOUND,
            lang.pick("服务器上没有这条记录。", "The server has no such record."),
        ),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_returns_only_to_a_dashboard_page() {
        assert_eq!(
            safe_back("/dashboard/audit?period=2026-11"),
            "/dashboard/audit?period=2026-11"
        );
        assert_eq!(safe_back("https://evil.example/"), "/dashboard/audit");
        assert_eq!(safe_back("//evil.example/dashboard"), "/dashboard/audit");
        assert_eq!(safe_back("/dashboard//evil.example"), "/dashboard/audit");
        assert_eq!(safe_back(""), "/dashboard/audit");
    }
}
