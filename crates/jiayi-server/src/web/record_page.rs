//! One record as the server holds it: who it is about, its fields now, every change received
//! for it (when, from which device, which fields), its reviews, and the review buttons.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use jiayi_core::Lang;
use std::collections::HashMap;

use jiayi_core::change::{Entity, Op};
use jiayi_core::visit::{VisitKind, VisitMode};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::storage::AuditEvent;
use crate::web::audit_page::{kind_name, review_forms, review_tag};
use crate::web::auth::session;
use crate::web::html::{LangQuery, Tab, escape, html_page, nav};
use crate::web::local_time::{local_text, zone_name};
use crate::web::names::Names;
use crate::web::state::{Peer, ServerState, blocking};

pub fn routes() -> Router<ServerState> {
    Router::new().route("/dashboard/record", get(page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RecordQuery {
    /// The record's kind: `visit`, `contract`, `contract_event`, `resident`, `household`, …
    entity: Option<String>,
    /// The record's id.
    id: Option<String>,
}

#[utoipa::path(get, path = "/dashboard/record", tag = "dashboard", params(LangQuery, RecordQuery),
    responses((status = 200, description = "One record: its fields, its history of changes and its reviews", content_type = "text/html", body = String),
              (status = 400, description = "A kind or id the page cannot read", content_type = "text/html", body = String),
              (status = 404, description = "No such record on the server", content_type = "text/html", body = String),
              (status = 303, description = "No live session: to the login page")),
    security(("admin_session" = [])))]
pub(crate) async fn page(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(asked_lang): Query<LangQuery>,
    Query(q): Query<RecordQuery>,
) -> Response {
    let lang = asked_lang.lang();
    let user = match session(&state, &headers, lang).await {
        Ok(u) => u,
        Err(response) => return *response,
    };
    let refused = |status: StatusCode, message: &str| {
        let body = format!(
            "{}<p class=\"error\">{}</p>",
            nav(lang, Tab::Audit, ""),
            escape(message)
        );
        html_page(status, lang, lang.pick("记录", "Record"), &body)
    };
    let Some(entity) = q.entity.as_deref().and_then(Entity::parse) else {
        return refused(
            StatusCode::BAD_REQUEST,
            lang.pick("没有这种记录。", "There is no such kind of record."),
        );
    };
    let Some(id) = q.id.as_deref().and_then(|i| Uuid::parse_str(i.trim()).ok()) else {
        return refused(
            StatusCode::BAD_REQUEST,
            lang.pick("记录编号无效。", "The record id is not valid."),
        );
    };
    let storage = state.storage.clone();
    let datasets = state.datasets.clone();
    let data = blocking(move || {
        let Some(record) = storage.record(entity, id)? else {
            return Ok(None);
        };
        let changes = storage.record_changes(entity.as_str(), id)?;
        let reviews = storage.reviews(Some((entity.as_str(), id)))?;
        let server = datasets.dataset(storage.as_ref())?;
        let mut names = Names::read(storage.as_ref(), &server.dataset)?;
        let payload = Value::Object(record.payload.clone());
        names.learn_villages([&payload]);
        storage.append_audit(
            &AuditEvent::admin(&user, "record-view", &peer).with_record(entity.as_str(), id),
            Utc::now(),
        )?;
        Ok(Some((
            record,
            changes,
            reviews,
            names,
            server.item_names.clone(),
        )))
    })
    .await;
    let (record, changes, reviews, names, item_names) = match data {
        Ok(Some(d)) => d,
        Ok(None) => {
            return refused(
                StatusCode::NOT_FOUND,
                lang.pick("服务器上没有这条记录。", "The server has no such record."),
            );
        }
        Err(e) => return e.into_response(),
    };
    let l = |zh, en| lang.pick(zh, en);
    let payload = Value::Object(record.payload.clone());
    let subject = names
        .subject(lang, entity.as_str(), &payload)
        .unwrap_or_else(|| l("（记录未写明）", "(not stated)").to_string());
    let back = format!(
        "/dashboard/record?{}entity={}&id={id}",
        if lang == Lang::En { "lang=en&" } else { "" },
        entity.as_str()
    );
    let mut h = nav(lang, Tab::Audit, "");
    h.push_str(&format!(
        "<dl class=\"fields\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        l("类别", "Kind"),
        escape(&kind_name(lang, entity.as_str())),
        l("居民 / 家庭", "Resident / household"),
        escape(&subject),
        l("村", "Village"),
        escape(&names.villages.name(lang, record.village_id)),
        if record.deleted.is_some() {
            l("（已删除）", " (deleted)")
        } else {
            ""
        },
        l("审核状态", "Review"),
        review_tag(lang, reviews.last()),
    ));
    h.push_str(&format!(
        "<div class=\"actions\">{}</div>",
        review_forms(lang, entity.as_str(), id, &back)
    ));
    h.push_str(&format!("<h2>{}</h2>", l("记录内容", "Fields")));
    h.push_str(&fields(lang, &names, &item_names, &payload));
    h.push_str(&format!(
        "<h2>{}</h2><table><tr><th>{}（{}）</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        l("变更历史", "History of changes"),
        l("收到时间", "Received"),
        zone_name(lang),
        l("设备（医生）", "Device (doctor)"),
        l("操作", "Operation"),
        l("写入的字段", "Fields written"),
    ));
    for c in &changes {
        h.push_str(&format!(
            "<tr><td class=\"time\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            local_text(&c.received_at),
            escape(&names.device(lang, c.change.device_id)),
            match c.change.op {
                Op::Upsert if c.cursor == changes[0].cursor => l("新建", "created"),
                Op::Upsert => l("修改", "changed"),
                Op::Delete => l("删除", "deleted"),
            },
            escape(
                &c.change
                    .fields
                    .iter()
                    .map(|f| field_label(lang, f))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    h.push_str("</table>");
    h.push_str(&format!("<h2>{}</h2>", l("审核记录", "Reviews")));
    if reviews.is_empty() {
        h.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            l("尚未审核。", "Not reviewed yet.")
        ));
    } else {
        h.push_str("<ul>");
        for r in reviews.iter().rev() {
            h.push_str(&format!("<li>{}</li>", review_tag(lang, Some(r))));
        }
        h.push_str("</ul>");
    }
    html_page(
        StatusCode::OK,
        lang,
        &format!("{} · {}", kind_name(lang, entity.as_str()), subject),
        &h,
    )
}

/// A field's name as staff know it; fields without one show their key.
fn field_label(lang: Lang, key: &str) -> String {
    let (zh, en) = match key {
        "resident_id" => ("居民", "Resident"),
        "served_by" => ("服务人员", "Served by"),
        "kind" => ("服务类别", "Kind"),
        "mode" => ("服务方式", "Mode"),
        "occurred_at" => ("服务时间", "When"),
        "recorded_at" => ("录入时间", "Entered"),
        "fulfils" => ("履约项目", "Item fulfilled"),
        "vitals" => ("体征", "Vitals"),
        "notes" => ("备注", "Notes"),
        "form" => ("随访表", "Visit form"),
        "contract" => ("协议", "Contract"),
        "snapshot" => ("协议冻结内容", "Frozen agreement"),
        "event" => ("变更", "Event"),
        "resident_signature" => ("居民签名", "Resident's signature"),
        "doctor_signature" => ("医生签名", "Doctor's signature"),
        "name" => ("姓名", "Name"),
        "phone" => ("电话", "Phone"),
        "address" => ("地址", "Address"),
        "group" => ("村民小组", "Group"),
        _ => return key.to_string(),
    };
    lang.pick(zh, en).to_string()
}

/// A service item's name from the catalogs, or its code.
fn item_name(lang: Lang, item_names: &HashMap<String, (String, String)>, code: &str) -> String {
    match item_names.get(code) {
        Some((zh, en)) => lang.pick(zh, en).to_string(),
        None => code.to_string(),
    }
}

/// Readings in words: `血压 128/82 mmHg · 空腹血糖 6.1 mmol/L`.
pub(crate) fn vitals_text(lang: Lang, v: &Value) -> String {
    let mut parts = Vec::new();
    if let (Some(s), Some(d)) = (v["systolic_mmhg"].as_u64(), v["diastolic_mmhg"].as_u64()) {
        parts.push(format!("{} {s}/{d} mmHg", lang.pick("血压", "BP")));
    }
    for (key, zh, en, unit) in [
        ("fasting_glucose_mmol_l", "空腹血糖", "Glucose", "mmol/L"),
        ("heart_rate_bpm", "心率", "Heart rate", "次/分"),
        ("weight_kg", "体重", "Weight", "kg"),
        ("height_cm", "身高", "Height", "cm"),
        ("waist_cm", "腰围", "Waist", "cm"),
    ] {
        if let Some(x) = v[key].as_f64() {
            parts.push(format!("{} {x} {unit}", lang.pick(zh, en)));
        }
    }
    if parts.is_empty() {
        lang.pick("未测量", "none").to_string()
    } else {
        parts.join(" · ")
    }
}

/// The record's fields, each with a readable value: people by name, times in local time,
/// signatures and the frozen agreement by what they are.
fn fields(
    lang: Lang,
    names: &Names,
    item_names: &HashMap<String, (String, String)>,
    payload: &Value,
) -> String {
    let Some(map) = payload.as_object() else {
        return String::new();
    };
    let mut h = String::from("<dl class=\"fields\">");
    for (key, value) in map {
        let shown = match (key.as_str(), value) {
            (_, Value::Null) => "—".to_string(),
            ("resident_id", Value::String(s)) => Uuid::parse_str(s)
                .ok()
                .and_then(|r| names.resident(r))
                .map(str::to_string)
                .unwrap_or_else(|| s.clone()),
            ("served_by", Value::String(s)) => names.doctor(lang, Uuid::parse_str(s).ok()),
            ("occurred_at" | "recorded_at", Value::String(s)) => {
                format!("{}（{}）", local_text(s), zone_name(lang))
            }
            ("vitals", v) => vitals_text(lang, v),
            ("id", _) => continue,
            ("kind", v) => serde_json::from_value::<VisitKind>(v.clone())
                .map(|k| k.label(lang).to_string())
                .unwrap_or_else(|_| v.to_string()),
            ("mode", v) => serde_json::from_value::<VisitMode>(v.clone())
                .map(|m| m.label(lang).to_string())
                .unwrap_or_else(|_| v.to_string()),
            ("fulfils", v) => v["item_code"]
                .as_str()
                .map(|code| item_name(lang, item_names, code))
                .unwrap_or_else(|| v.to_string()),
            ("form", v) => {
                let answered = v["answers"].as_object().map_or(0, |a| a.len());
                lang.pick("已填写 {} 项", "{} answers")
                    .replace("{}", &answered.to_string())
            }
            ("resident_signature" | "doctor_signature", _) => {
                lang.pick("已签名", "signed").to_string()
            }
            ("snapshot", _) => lang
                .pick("已冻结保存（SHA-256 校验）", "kept frozen (SHA-256)")
                .to_string(),
            (_, Value::String(s)) => s.clone(),
            (_, other) => {
                let text = other.to_string();
                if text.chars().count() > 300 {
                    format!("{}…", text.chars().take(300).collect::<String>())
                } else {
                    text
                }
            }
        };
        h.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            escape(&field_label(lang, key)),
            escape(&shown)
        ));
    }
    h.push_str("</dl>");
    h
}
