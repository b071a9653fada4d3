//! The OpenAPI document of the sync API and the dashboard, served at `/openapi.json`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::web::api_error::ApiErr;
use crate::web::auth::COOKIE;
use crate::web::{audit_page, dashboard, record_page, supervision, sync_api, updates_api};

#[derive(OpenApi)]
#[openapi(
    info(title = "Jiayi township sync API", description = "Device sync with the township server (家医签约同步)."),
    paths(sync_api::info, sync_api::push, sync_api::pull, sync_api::reference, sync_api::health, updates_api::check, updates_api::file, dashboard::page, dashboard::indicator_page, audit_page::page, record_page::page, supervision::page, supervision::flag_page),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // The staff dashboard's session, from `POST /login`.
        components.add_security_scheme(
            "admin_session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new(COOKIE),
            )),
        );
    }
}

pub(crate) async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(_) => ApiErr::internal().into_response(),
    }
}
