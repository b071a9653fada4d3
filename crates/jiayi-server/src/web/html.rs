//! What the dashboard's pages share: escaping, the page shell and its style.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiayi_core::Lang;

/// The page's language, from `?lang=`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LangQuery {
    /// `zh` (default) or `en`.
    pub lang: Option<String>,
}

impl LangQuery {
    pub(crate) fn lang(&self) -> Lang {
        Lang::from_tag(self.lang.as_deref().unwrap_or("zh"))
    }
}

/// A page of the dashboard: the shell around `body`, never cached.
pub(crate) fn html_page(status: StatusCode, lang: Lang, title: &str, body: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(shell(lang, title, body)),
    )
        .into_response()
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pages a logged-in administrator moves between, and the logout button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Dashboard,
    Audit,
    Supervision,
}

/// The bar at the top of every page behind the login; `query` (`period=…`) is carried along.
pub(crate) fn nav(lang: Lang, current: Tab, query: &str) -> String {
    let mut h = String::from("<nav class=\"top\">");
    let lang_pair = if lang == Lang::En { "lang=en&" } else { "" };
    for (tab, path, zh, en) in [
        (Tab::Dashboard, "/dashboard", "看板", "Dashboard"),
        (Tab::Audit, "/dashboard/audit", "本月审核", "Monthly audit"),
        (
            Tab::Supervision,
            "/dashboard/supervision",
            "督导",
            "Supervision",
        ),
    ] {
        let class = if tab == current {
            " class=\"here\""
        } else {
            ""
        };
        h.push_str(&format!(
            "<a{class} href=\"{path}?{}\">{}</a>",
            escape(&format!("{lang_pair}{query}")),
            lang.pick(zh, en)
        ));
    }
    h.push_str(&format!(
        "<form class=\"logout\" method=\"post\" action=\"/logout\"><button type=\"submit\">{}</button></form></nav>",
        lang.pick("退出登录", "Log out")
    ));
    h
}

/// The dashboard's page around `body`, with the style its sections use.
fn shell(lang: Lang, title: &str, body: &str) -> String {
    let html_lang = lang.pick("zh-CN", "en");
    format!(
        "<!doctype html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\"><title>{t}</title>\
<style>body{{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;margin:0 1.5em 1.5em;color:#222;font-size:15px}}\
h1{{font-size:1.5em;margin:.6em 0}}h2{{font-size:1.2em;margin:1.2em 0 .5em}}\
table{{border-collapse:collapse;margin-bottom:1.5em}}th,td{{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}}\
th{{background:#eef3f7}}.bar{{background:#dde;width:120px;height:10px;display:inline-block}}\
.bar span{{background:#2a7;height:10px;display:block}}.muted{{color:#777}}{STYLE}</style></head>\
<body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    )
}

pub const STYLE: &str = "\
form.chooser{background:#f4f7fa;border:1px solid #cdd8e2;padding:8px 12px;margin:0 0 1em}\
form.chooser label{margin-right:1.2em}form.chooser input,form.chooser select,form.chooser button{font:inherit;padding:2px 6px}\
.error{background:#fdecea;border:1px solid #e0a39c;color:#8a1c12;padding:8px 12px}\
table.ind td.rate{font-weight:bold;white-space:nowrap;text-align:right}table.ind td.num{text-align:right;white-space:nowrap}\
table.ind td.formula{color:#555;font-size:90%;max-width:44em}tr.sub td:first-child{padding-left:2em}\
.ok{color:#17733a}.no{color:#b3261e}\
.bars{margin:0 0 1.5em}.brow{display:flex;align-items:center;margin:4px 0}\
.bname{width:9em;text-align:right;padding-right:10px;white-space:nowrap;overflow:hidden}\
.btrack{position:relative;width:460px;height:18px;background:#e6ebf0;border:1px solid #c9d2db}\
.bfill{position:absolute;left:0;top:0;bottom:0;background:#3a9a62}.bfill.low{background:#d9822b}\
.btarget{position:absolute;top:-4px;bottom:-4px;width:2px;background:#b3261e}\
.bval{padding-left:10px;white-space:nowrap}.legend{font-size:90%;color:#555}\
.legend i{display:inline-block;width:2px;height:12px;background:#b3261e;margin:0 4px}\
.pager a,.pager span{margin-right:1em}.big{font-size:115%}\
nav.top{display:flex;align-items:center;gap:4px;background:#24527a;margin:0 -1.5em;padding:0 1.5em}\
nav.top a{color:#fff;text-decoration:none;padding:10px 14px}nav.top a.here{background:#173a59;font-weight:bold}\
nav.top form.logout{margin-left:auto}nav.top button{font:inherit;padding:3px 10px}\
.actions form{display:inline-block;margin:0 4px 2px 0}.actions form input[type=text]{width:9em;font:inherit}\
.actions form button{font:inherit;font-size:90%;padding:1px 6px}td.time,td.actions{white-space:nowrap}\
.tag{display:inline-block;padding:0 6px;border-radius:3px;font-size:90%;white-space:nowrap}\
.tag.checked{background:#ddf1e4;color:#17733a}.tag.flagged{background:#fdecea;color:#8a1c12}\
.login{max-width:26em;margin:3em auto;background:#f4f7fa;border:1px solid #cdd8e2;padding:1.2em 1.8em}\
.login label{display:block;margin:.8em 0 .3em}.login input{font:inherit;width:100%;box-sizing:border-box;padding:5px 8px}\
.login button{font:inherit;padding:5px 24px;margin-top:1em}\
dl.fields{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dl.fields dt{color:#555}dl.fields dd{margin:0}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<b a=\"x\">&'"),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
