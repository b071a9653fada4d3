//! The sync API devices call: server info, push, pull, reference data, and liveness.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiayi_sync::protocol::{
    ApiError, InfoQuery, PROTOCOL_VERSION, PullQuery, PullResponse, PushRequest, PushResponse,
    ReferenceData, ServerInfo,
};

use jiayi_core::data_kind::{DATA_KIND_HEADER, DataKind};
use jiayi_core::record_blocks::{self, BLOCKS_RUNNING_LOW_HEADER};

use crate::data_kind;
use crate::storage::{AuditEvent, DeviceScope, PullPage, Storage};
use crate::web::api_error::{ApiErr, ApiJson, ApiQuery};
use crate::web::state::{Peer, ServerState, on_blocking_pool};

/// Liveness, for a load balancer or a supervisor.
#[utoipa::path(get, path = "/health", tag = "ops",
    responses((status = 200, description = "The server is up", content_type = "text/plain", body = String)))]
pub(crate) async fn health() -> &'static str {
    "ok"
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

/// Authenticates the device and runs `work` with its scope, in one trip to the blocking pool
/// (a sync request is a handful of short database calls: handing threads over twice per
/// request shows when hundreds of devices sync at once).
pub(crate) async fn as_device<T, F>(
    state: &ServerState,
    headers: &HeaderMap,
    work: F,
) -> Result<T, ApiErr>
where
    T: Send + 'static,
    F: FnOnce(&dyn Storage, DeviceScope) -> Result<T, ApiErr> + Send + 'static,
{
    let token = bearer(headers).ok_or_else(ApiErr::unauthorized)?;
    let kind = DataKind::from_header(headers.get(DATA_KIND_HEADER).and_then(|v| v.to_str().ok()));
    let storage = state.storage.clone();
    on_blocking_pool(move || {
        let (scope, server_kind) = storage
            .authenticate_with_setting(&token, data_kind::SETTING)?
            .ok_or_else(ApiErr::unauthorized)?;
        let server_kind = data_kind::kind_from_setting(server_kind)?;
        if let Err(mismatch) = data_kind::admit(storage.as_ref(), &scope, kind, server_kind)? {
            return Err(ApiErr::new(
                StatusCode::CONFLICT,
                mismatch.code(),
                mismatch.message_zh(),
                mismatch.message_en(),
            ));
        }
        work(storage.as_ref(), scope)
    })
    .await
}

#[utoipa::path(get, path = "/v1/info", tag = "sync", params(InfoQuery),
    responses((status = 200, body = ServerInfo), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 409, body = ApiError)),
    security(("device_token" = [])))]
pub(crate) async fn info(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    ApiQuery(seen): ApiQuery<InfoQuery>,
) -> Result<Json<ServerInfo>, ApiErr> {
    let shelf = state.updates.clone();
    let (scope, status, recovery_public_key, update) =
        as_device(&state, &headers, move |storage, mut scope| {
            let known = storage.device_info(scope.device_id, crate::recovery::SETTING)?;
            let mut status = known.status;
            if known.awaiting_code.is_some() {
                bind_on_first_contact(
                    storage,
                    &mut scope,
                    known.awaiting_code,
                    seen.device_id,
                    &peer,
                )?;
                status = storage.status(scope.device_id)?;
            }
            if seen.shows_a_restore(status.epoch, status.high_water) {
                // The device was told of cursors this log does not reach: the database is an
                // older copy put back. A new epoch sends every device back to re-upload and re-pull.
                eprintln!(
                    "jiayi-server: device {} saw the change log up to {:?}, which ends at {}: \
                 restored from an older copy, taking a new epoch",
                    scope.device_id, seen.seen_high_water, status.high_water
                );
                storage.renew_epoch()?;
                status = storage.status(scope.device_id)?;
            }
            let recovery = crate::recovery::public_key_from_setting(known.setting)?;
            let update = match (&shelf, &seen.app_version, &seen.app_platform) {
                (Some(shelf), Some(version), Some(platform)) => shelf
                    .offer_for(platform, version)?
                    .map(|hosted| hosted.offer()),
                _ => None,
            };
            Ok((scope, status, recovery, update))
        })
        .await?;
    Ok(Json(ServerInfo {
        protocol_version: PROTOCOL_VERSION,
        server_epoch: status.epoch,
        server_time_ms: Utc::now().timestamp_millis(),
        limits: state.limits,
        high_water: status.high_water,
        device: jiayi_sync::protocol::DeviceStatus {
            device_id: scope.device_id,
            doctor_id: scope.doctor_id,
            team_id: scope.team_id,
            villages: scope.villages,
            role: Some(scope.role),
            stored_through_seq: status.stored_through,
        },
        recovery_public_key,
        update,
        township_keys: state.township.as_ref().map(|k| k.public()),
    }))
}

/// A token issued for a 登记码 before its laptop ever connected: bound now to the asking laptop
/// when the code names it, refused otherwise (the token was handed to another laptop, or the
/// code was misheard).
fn bind_on_first_contact(
    storage: &dyn Storage,
    scope: &mut DeviceScope,
    awaiting: Option<String>,
    claimed: Option<uuid::Uuid>,
    peer: &str,
) -> Result<(), ApiErr> {
    match crate::device_code::bind_on_first_contact(storage, scope.device_id, awaiting, claimed)? {
        Ok(laptop) if laptop != scope.device_id => {
            let placeholder = scope.device_id;
            scope.device_id = laptop;
            storage.append_audit(
                &AuditEvent::device(scope, "bind", peer).with_record("placeholder", placeholder),
                Utc::now(),
            )?;
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(refusal) => Err(ApiErr::new(
            StatusCode::CONFLICT,
            refusal.code(),
            &refusal.message_zh(),
            &refusal.message_en(),
        )),
    }
}

#[utoipa::path(post, path = "/v1/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 409, body = ApiError),
              (status = 413, body = ApiError), (status = 415, body = ApiError),
              (status = 422, body = ApiError)),
    security(("device_token" = [])))]
pub(crate) async fn push(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiErr> {
    let max_changes = state.limits.max_changes as usize;
    let pushed = as_device(&state, &headers, move |storage, scope| {
        if request.device_id != scope.device_id {
            return Err(ApiErr::new(
                StatusCode::FORBIDDEN,
                "wrong_device",
                "请求中的设备与授权的设备不符。",
                "The request names another device than the token's.",
            ));
        }
        if request.changes.len() > max_changes {
            return Err(ApiErr::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "batch_too_large",
                "一次上传的变更超过服务器允许的条数。",
                "The batch holds more changes than the server accepts.",
            ));
        }
        let audit = AuditEvent::device(&scope, "push", &peer).with_changes(&request.changes);
        Ok(storage.push_round(&scope, &request.changes, Utc::now(), &audit)?)
    })
    .await?;
    Ok(Json(PushResponse {
        server_epoch: pushed.epoch,
        results: pushed.results,
        stored_through_seq: pushed.stored_through,
    }))
}

#[utoipa::path(get, path = "/v1/pull", tag = "sync", params(PullQuery),
    responses((status = 200, body = PullResponse), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 409, body = ApiError)),
    security(("device_token" = [])))]
pub(crate) async fn pull(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Response, ApiErr> {
    let limit = query.limit.clamp(1, state.limits.max_pull.max(1));
    let (epoch, page) = as_device(&state, &headers, move |storage, mut scope| {
        scope.pull_own = query.own;
        let audit = AuditEvent::device(&scope, "pull", &peer);
        Ok(storage.pull_round(&scope, query.after, limit, Utc::now(), audit)?)
    })
    .await?;
    Ok(pull_response(epoch, &page))
}

/// A [`PullResponse`] written around the changes' stored JSON, which the server wrote itself
/// when each change was pushed: pulls carry most of a township's sync traffic, and reading every
/// change in only to write it out again was most of a pull's work.
fn pull_response(epoch: uuid::Uuid, page: &PullPage) -> Response {
    use std::fmt::Write;
    let bodies: usize = page.changes.iter().map(|c| c.body.len() + 32).sum();
    let mut json = String::with_capacity(bodies + 160);
    // Writing into a String cannot fail.
    let _ = write!(json, "{{\"server_epoch\":\"{epoch}\",\"changes\":[");
    for (i, change) in page.changes.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        let _ = write!(json, "{{\"cursor\":{},\"change\":", change.cursor);
        json.push_str(&change.body);
        json.push('}');
    }
    let _ = write!(
        json,
        "],\"next_cursor\":{},\"more\":{},\"high_water\":{}}}",
        page.next_cursor, page.more, page.high_water
    );
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

#[utoipa::path(get, path = "/v1/reference", tag = "sync",
    responses((status = 200, body = ReferenceData), (status = 401, body = ApiError),
              (status = 409, body = ApiError)),
    security(("device_token" = [])))]
pub(crate) async fn reference(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Result<Json<ReferenceData>, ApiErr> {
    Ok(Json(
        as_device(&state, &headers.clone(), move |storage, scope| {
            let now = Utc::now();
            storage.append_audit(&AuditEvent::device(&scope, "reference", &peer), now)?;
            let running_low = headers
                .get(BLOCKS_RUNNING_LOW_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(record_blocks::parse_header)
                .unwrap_or_default();
            Ok(crate::device_reference::for_device(
                storage,
                &scope,
                &running_low,
                &format!("peer {peer}"),
                now,
            )?)
        })
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StoredChange;
    use jiayi_core::change::{Change, Entity};

    #[tokio::test]
    async fn a_pull_response_written_by_hand_reads_back_as_the_protocol_type() {
        let change = |seq: u64| -> Change {
            let device = uuid::Uuid::now_v7();
            Change {
                device_id: device,
                seq,
                change_id: uuid::Uuid::now_v7(),
                entity: Entity::Resident,
                entity_id: uuid::Uuid::now_v7(),
                op: jiayi_core::change::Op::Upsert,
                village_id: uuid::Uuid::now_v7(),
                hlc: jiayi_core::hlc::Hlc {
                    wall_ms: 1_700_000_000_000 + seq,
                    counter: 0,
                    device,
                },
                fields: vec!["name".into(), "note".into()],
                payload: serde_json::json!({"name": "张\"伟\\", "note": "第一行\n第二行"}),
            }
        };
        let originals = [change(1), change(2)];
        let stored: Vec<StoredChange> = originals
            .iter()
            .enumerate()
            .map(|(i, c)| {
                StoredChange::new(
                    i as i64 + 7,
                    Entity::Resident.as_str(),
                    &c.entity_id.to_string(),
                    serde_json::to_string(c).unwrap(),
                )
            })
            .collect();
        let epoch = uuid::Uuid::new_v4();
        for (changes, more) in [(vec![], false), (stored, true)] {
            let page = PullPage {
                changes,
                next_cursor: 8,
                more,
                high_water: 9,
            };
            let response = pull_response(epoch, &page);
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            let read: PullResponse = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(read.server_epoch, epoch);
            assert_eq!((read.next_cursor, read.more, read.high_water), (8, more, 9));
            assert_eq!(read.changes.len(), page.changes.len());
            for (pulled, original) in read.changes.iter().zip(&originals) {
                assert_eq!(&pulled.change, original);
            }
        }
    }
}
