//! Health-center staff: Argon2id password hashes, the dashboard's login page, session cookies,
//! and the lockout after repeated wrong passwords. Every rule is checked here, on the server.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use jiayi_core::Lang;
use serde::Deserialize;

use crate::error::{Result, ServerError};
use crate::storage::AuditEvent;
use crate::storage::token::{new_token, token_hash};
use crate::web::html::{escape, html_page};
use crate::web::login_guard::TurnedAway;
use crate::web::state::{Peer, ServerState, blocking};

/// The only staff role so far: health-center administrators, who see the whole township.
pub const ADMIN: &str = "admin";

/// The session cookie's name.
pub const COOKIE: &str = "jiayi_session";

/// Shortest password `user add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).
fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| ServerError::Config(format!("argon2: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string stored for a password.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServerError::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ServerError::Config(format!("randomness: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ServerError::Config(format!("salt: {e}")))?;
    Ok(argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ServerError::Config(format!("argon2: {e}")))?
        .to_string())
}

/// Whether `password` is the one `stored` was made from (the parameters come from `stored`).
pub fn verify_password(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// Adds a user or sets a user's password (`jiayi-server user add`).
pub fn add_user(
    storage: &dyn crate::storage::Storage,
    name: &str,
    role: &str,
    password: &str,
) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ServerError::Invalid(
            "a user name is 1 to 64 printable characters".into(),
        ));
    }
    if role != ADMIN {
        return Err(ServerError::Invalid(format!(
            "unknown role '{role}' (admin)"
        )));
    }
    let hash = hash_password(password)?;
    let now = Utc::now();
    storage.put_user(name, role, &hash, now)?;
    storage.append_audit(
        &AuditEvent::operator("user-add").with_record("user", name),
        now,
    )
}

pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    lang: Option<String>,
}

/// The login page: the dashboard's page shell with the form in a box, in the page's language.
fn form(status: StatusCode, lang: Lang, message: Option<&str>) -> Response {
    let l = |zh, en| lang.pick(zh, en);
    let error = message
        .map(|m| format!("<p class=\"error\">{}</p>", escape(m)))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"login\">{error}<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"lang\" value=\"{}\">\
<label for=\"name\">{}</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required>\
<label for=\"password\">{}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">{}</button></form><p class=\"muted\">{}</p></div>",
        if lang == Lang::En { "en" } else { "zh" },
        l("用户名", "User name"),
        l("密码", "Password"),
        l("登录", "Log in"),
        l(
            "卫生院工作人员使用。连续输错密码多次后账号会暂时锁定。",
            "For health-center staff. Repeated wrong passwords lock the account for a while.",
        ),
    );
    html_page(
        status,
        lang,
        l("乡镇家医签约看板 · 登录", "Township dashboard · Log in"),
        &body,
    )
}

async fn login_page(Query(q): Query<LangQuery>) -> Response {
    form(
        StatusCode::OK,
        Lang::from_tag(q.lang.as_deref().unwrap_or("zh")),
        None,
    )
}

/// How a login attempt ended.
enum Outcome {
    In(String),
    Wrong,
    Locked,
}

async fn login(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = Lang::from_tag(f.lang.as_deref().unwrap_or("zh"));
    let address = peer.parse::<std::net::SocketAddr>().ok().map(|a| a.ip());
    let guard = state.login_guard.clone();
    let admitted = match guard.admit(address).await {
        Ok(admitted) => admitted,
        Err(turned_away) => return turned_away_page(lang, turned_away),
    };
    let now = (state.clock)();
    let policy = state.login;
    let storage = state.storage.clone();
    // What was typed as a name goes to the log, shortened: it is not health data, and a
    // password typed into the name field by mistake is cut off.
    let name: String = f.name.trim().chars().take(64).collect();
    let checker = guard.clone();
    let outcome = blocking(move || {
        // The attempt is reserved before the password is checked, so concurrent attempts
        // check at most `max_failures` passwords before the lock holds.
        let attempt =
            storage.reserve_login(&name, policy.max_failures, now, now + policy.lockout)?;
        let outcome = match attempt {
            Some(a) if checker.check(|| verify_password(&a.password_hash, &f.password)) => {
                storage.login_succeeded(&a.name)?;
                let token = new_token();
                storage.create_session(&token_hash(&token), &a.name, now, now + policy.session)?;
                Outcome::In(token)
            }
            Some(a) if a.locks => Outcome::Locked,
            Some(_) => Outcome::Wrong,
            None => {
                // Unknown or locked: the same work as a real check, and the same answer as a
                // wrong password, so neither the time nor the page tells which names exist.
                let _ = checker.check(|| verify_password(DUMMY_HASH, &f.password));
                Outcome::Locked
            }
        };
        let action = match outcome {
            Outcome::In(_) => "login",
            Outcome::Wrong => "login-refused",
            Outcome::Locked => "login-locked",
        };
        storage.append_audit(&AuditEvent::admin(&name, action, &peer), now)?;
        Ok(outcome)
    })
    .await;
    guard.finish(admitted, matches!(outcome, Ok(Outcome::In(_))));
    match outcome {
        Ok(Outcome::In(token)) => {
            let cookie = format!(
                "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                policy.session.num_seconds().max(0),
                if state.secure_cookies { "; Secure" } else { "" }
            );
            let mut response = Redirect::to(if lang == Lang::En {
                "/dashboard?lang=en"
            } else {
                "/dashboard"
            })
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Ok(Outcome::Wrong | Outcome::Locked) => form(
            StatusCode::UNAUTHORIZED,
            lang,
            Some(lang.pick(
                "用户名或密码错误；连续输错多次后账号会暂时锁定，请稍后再试。",
                "Wrong user name or password; after repeated wrong passwords the account is locked for a while.",
            )),
        ),
        Err(e) => e.into_response(),
    }
}

/// The answer to a login turned away before its password was checked.
fn turned_away_page(lang: Lang, turned_away: TurnedAway) -> Response {
    let (status, message) = match turned_away {
        TurnedAway::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            lang.pick(
                "服务器繁忙，请稍后再试。",
                "The server is busy; try again shortly.",
            ),
        ),
        TurnedAway::TooMany => (
            StatusCode::TOO_MANY_REQUESTS,
            lang.pick(
                "本机登录失败次数过多，请稍后再试。",
                "Too many failed logins from this address; try again later.",
            ),
        ),
    };
    let mut response = form(status, lang, Some(message));
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// A valid Argon2id hash of a random password, checked when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1qQ6TnC5Hy0BsvXe0mCSs4pJfKlyXg9dMTnkFLzFTE0";

async fn logout(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = session_cookie(&headers) {
        let storage = state.storage.clone();
        let now = (state.clock)();
        let _ = blocking(move || {
            let hash = token_hash(&token);
            if let Some(user) = storage.session_user(&hash, now)? {
                storage.append_audit(&AuditEvent::admin(&user, "logout", &peer), now)?;
            }
            storage.end_session(&hash)
        })
        .await;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("jiayi_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The logged-in user behind a request, or the redirect to the login page.
pub(crate) async fn session(
    state: &ServerState,
    headers: &HeaderMap,
    lang: Lang,
) -> std::result::Result<String, Box<Response>> {
    let to_login = || {
        Box::new(
            Redirect::to(if lang == Lang::En {
                "/login?lang=en"
            } else {
                "/login"
            })
            .into_response(),
        )
    };
    let Some(token) = session_cookie(headers) else {
        return Err(to_login());
    };
    let storage = state.storage.clone();
    let now = (state.clock)();
    match blocking(move || storage.session_user(&token_hash(&token), now)).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(to_login()),
        Err(e) => Err(Box::new(e.into_response())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterz"));
        assert!(!verify_password("not a hash", "x"));
        assert!(hash_password("short").is_err());
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
