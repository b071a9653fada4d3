//! The township dashboard as an administrator uses it each month, against a real server on
//! 127.0.0.1 (SQLite and PostgreSQL) fed by a real device through the sync API: villages and
//! people by name, local times, the period picker, the monthly audit with its actions (open a
//! record, mark it checked, flag it for the doctor), each doctor's progress and each flag on
//! suspicious data with the visits behind it; and the pages rendered by headless Chromium.

mod scenario;

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Utc};
use jiayi_core::time::china_date;
use jiayi_server::storage::ReviewVerdict;
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{ADMIN_NAME, ADMIN_PASSWORD, Township, admin_get, login, web_client};
use uuid::Uuid;

use scenario::{DOC_A, DOC_B, id, scenario};

fn month_query(month: NaiveDate) -> String {
    format!("ptype=month&year={}&month={}", month.year(), month.month())
}

/// The admin's session cookie.
fn session(t: &Township) -> String {
    let (status, cookie) = login(&t.base(), ADMIN_NAME, ADMIN_PASSWORD);
    assert_eq!(status, 303);
    cookie.expect("session cookie")
}

/// Posts a review form as a browser on the dashboard's page does.
fn post_review(
    t: &Township,
    cookie: Option<&str>,
    origin: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let mut request = web_client()
        .post(format!("{}/dashboard/review", t.base()))
        .header("origin", origin)
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location, response.text().unwrap_or_default())
}

/// The audit log's actions so far (chained first where the backend queues them).
fn logged_actions(t: &Township) -> Vec<(String, String)> {
    t.storage().seal_audit().unwrap();
    t.storage()
        .audit_entries(0, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.records))
        .collect()
}

fn the_month_at_the_health_center(t: &Township) {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(t, dir.path());
    let base = t.base();
    let today = china_date(Utc::now());

    // The dashboard: villages by name (the township's, or the clinic's for 东庄村), the
    // period picker on this month, the pages' bar, the month's records by name.
    let (status, html) = admin_get(&format!("{base}/dashboard"));
    assert_eq!(status, 200, "{html}");
    for text in [
        "东庄村",
        "西庄村",
        "北坡村",
        "刘医生的笔记本（刘医生）",
        "张一山",
        "href=\"/dashboard/supervision?",
        "href=\"/dashboard/audit?",
    ] {
        assert!(html.contains(text), "the dashboard shows {text}");
    }
    assert!(!html.contains("<code>"), "no ids shown as names");
    assert!(!html.contains("未命名村"), "every village has a name");
    assert!(html.contains("<option value=\"month\" selected>按月</option>"));
    assert!(html.contains(&format!(
        "<option value=\"{}\" selected>{}月</option>",
        today.month(),
        today.month()
    )));

    // The picker is checked on the server, with a Chinese message.
    let (status, html) = admin_get(&format!(
        "{base}/dashboard?ptype=month&year={}&month=13",
        today.year()
    ));
    assert_eq!(status, 400);
    assert!(html.contains("月份“13”无效"), "{html}");
    let (status, html) = admin_get(&format!(
        "{base}/dashboard/audit?ptype=quarter&year={}&quarter=5",
        today.year()
    ));
    assert_eq!(status, 400);
    assert!(html.contains("季度“5”无效"), "{html}");
    let (status, html) = admin_get(&format!(
        "{base}/dashboard/supervision?ptype=year&year=1999"
    ));
    assert_eq!(status, 400);
    assert!(html.contains("年份“1999”无效"), "{html}");

    // The monthly audit (records received this month): names, village, device, local time.
    let audit_url = format!("{base}/dashboard/audit");
    let (status, html) = admin_get(&audit_url);
    assert_eq!(status, 200, "{html}");
    for text in [
        "张一山",
        "东庄村",
        "西庄村",
        "刘医生的笔记本（刘医生）",
        "收到时间（北京时间）",
        "履约服务",
        "签约协议",
        "查看记录",
        "标记已核查",
        "转医生核实",
        "未审核",
    ] {
        assert!(html.contains(text), "the audit list shows {text}");
    }
    assert!(
        html.contains(&format!("<td class=\"time\">{}", today.format("%Y-%m-%d"))),
        "local day"
    );

    // Last month's list holds what was received last month: none of this month's records.
    let (status, html) = admin_get(&format!("{audit_url}?{}", month_query(s.month)));
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("· 0 条记录"), "{html}");
    assert!(!html.contains("张一山"));

    // Marking a visit checked: from this server's page it is saved and logged; the list shows it.
    let cookie = session(t);
    let visit_id = s.a_visit.to_string();
    let back = "/dashboard/audit?period=".to_string() + &today.format("%Y-%m").to_string();
    let (status, location, _) = post_review(
        t,
        Some(&cookie),
        &base,
        &[
            ("entity", "visit"),
            ("id", &visit_id),
            ("verdict", "checked"),
            ("back", &back),
        ],
    );
    assert_eq!((status, location.as_str()), (303, back.as_str()));
    let reviews = t.storage().reviews(Some(("visit", s.a_visit))).unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].verdict, ReviewVerdict::Checked);
    assert_eq!(reviews[0].reviewer, ADMIN_NAME);
    assert!(logged_actions(t).contains(&("review-checked".into(), format!("visit:{visit_id}"))));

    // Flagging needs a note; with one it is saved, logged and shown.
    let (status, _, html) = post_review(
        t,
        Some(&cookie),
        &base,
        &[
            ("entity", "visit"),
            ("id", &visit_id),
            ("verdict", "flagged"),
            ("note", " "),
            ("back", &back),
        ],
    );
    assert_eq!(status, 400);
    assert!(html.contains("请写明"), "{html}");
    let (status, _, _) = post_review(
        t,
        Some(&cookie),
        &base,
        &[
            ("entity", "visit"),
            ("id", &visit_id),
            ("verdict", "flagged"),
            ("note", "三人读数相同，请复核"),
            ("back", "https://evil.example/"),
        ],
    );
    assert_eq!(status, 303);
    assert!(logged_actions(t).contains(&("review-flagged".into(), format!("visit:{visit_id}"))));
    let (_, html) = admin_get(&audit_url);
    assert!(
        html.contains("待医生核实</span>：三人读数相同，请复核"),
        "the latest verdict shows"
    );
    // Refused: another site's page, no session, an unknown record, a bad verdict.
    let (status, _, _) = post_review(
        t,
        Some(&cookie),
        "https://evil.example",
        &[
            ("entity", "visit"),
            ("id", &visit_id),
            ("verdict", "checked"),
        ],
    );
    assert_eq!(status, 403);
    let (status, location, _) = post_review(
        t,
        None,
        &base,
        &[
            ("entity", "visit"),
            ("id", &visit_id),
            ("verdict", "checked"),
        ],
    );
    assert_eq!((status, location.as_str()), (303, "/login"));
    let (status, _, html) = post_review(
        t,
        Some(&cookie),
        &base,
        &[
            ("entity", "visit"),
            ("id", &Uuid::now_v7().to_string()),
            ("verdict", "checked"),
        ],
    );
    assert_eq!(status, 404);
    assert!(html.contains("没有这条记录"));
    let (status, _, _) = post_review(
        t,
        Some(&cookie),
        &base,
        &[
            ("entity", "visit"),
            ("id", &visit_id),
            ("verdict", "approved"),
        ],
    );
    assert_eq!(status, 400);
    assert_eq!(
        t.storage()
            .reviews(Some(("visit", s.a_visit)))
            .unwrap()
            .len(),
        2,
        "only the two good ones kept"
    );

    // The record's page: fields by name and in local time, its history, its reviews.
    let (status, html) = admin_get(&format!(
        "{base}/dashboard/record?entity=visit&id={visit_id}"
    ));
    assert_eq!(status, 200, "{html}");
    let occurred = (s.month.with_day(5).unwrap())
        .format("%Y-%m-%d 09:00")
        .to_string();
    for text in [
        "张一山",
        "东庄村",
        "刘医生",
        "血压 128/82 mmHg · 心率 76 次/分",
        occurred.as_str(),
        "变更历史",
        "新建",
        "刘医生的笔记本（刘医生）",
        "三人读数相同，请复核",
        "已核查",
    ] {
        assert!(html.contains(text), "the record page shows {text}");
    }
    assert!(logged_actions(t).contains(&("record-view".into(), format!("visit:{visit_id}"))));
    let (status, _) = admin_get(&format!("{base}/dashboard/record?entity=visit&id=nope"));
    assert_eq!(status, 400);

    // Supervision of last month: one row per doctor against the targets, and every flag.
    let month = month_query(s.month);
    let (status, html) = admin_get(&format!("{base}/dashboard/supervision?{month}"));
    assert_eq!(status, 200, "{html}");
    let row = |name: &str| {
        html.split("<tr class=\"doctor\">")
            .find(|r| r.contains(name))
            .unwrap_or_else(|| panic!("a row for {name}: {html}"))
            .split("</tr>")
            .next()
            .unwrap()
            .to_string()
    };
    let liu = row("刘医生");
    assert!(
        liu.contains(">4</a>"),
        "刘医生 answers for 东庄村's four: {liu}"
    );
    assert!(liu.contains(&format!("unit={}", id(DOC_A))), "{liu}");
    let wang = row("王医生");
    assert!(
        wang.contains(">2</a>") && wang.contains(">87</a>"),
        "two residents, 87 services: {wang}"
    );
    let sun = row("孙护士");
    assert!(sun.contains(">10</a>"), "ten services: {sun}");
    for kind in [
        "identical_readings",
        "night_visit",
        "too_many_visits",
        "villages_too_close",
        "deadline_burst",
    ] {
        assert!(
            html.contains(&format!("<tr class=\"flag {kind}\">")),
            "flag {kind}: {html}"
        );
    }
    // Each flag drills down to its visits.
    let links: Vec<String> = html
        .split("href=\"/dashboard/supervision/flag?")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().replace("&amp;", "&"))
        .collect();
    assert_eq!(links.len(), 5, "{links:?}");
    let drill = |kind: &str| {
        let link = links
            .iter()
            .find(|l| l.contains(&format!("kind={kind}")))
            .unwrap();
        let (status, html) = admin_get(&format!("{base}/dashboard/supervision/flag?{link}"));
        assert_eq!(status, 200, "{html}");
        html
    };
    let identical = drill("identical_readings");
    for (_, name) in &s.east[..3] {
        assert!(
            identical.contains(name.as_str()),
            "{name} behind the identical readings"
        );
    }
    assert!(identical.contains("3 名居民读数相同"));
    assert!(!identical.contains(s.east[3].1.as_str()));
    let night = drill("night_visit");
    assert!(
        night.contains(s.east[3].1.as_str())
            && night.contains(
                &s.month
                    .with_day(6)
                    .unwrap()
                    .format("%Y-%m-%d 02:30")
                    .to_string()
            ),
        "{night}"
    );
    let close = drill("villages_too_close");
    assert!(
        close.contains("孙五福")
            && close.contains("周六顺")
            && close.contains("西庄村")
            && close.contains("北坡村")
    );
    assert!(close.contains("最短间隔 5 分钟"));
    let many = drill("too_many_visits");
    assert!(many.contains("当天 85 次服务"));
    assert_eq!(many.matches("entity=visit&amp;id=").count(), 85);
    let burst = drill("deadline_burst");
    assert!(burst.contains("月末 3 天内录入 10 条") && burst.contains("孙护士"));
    let (status, _) = admin_get(&format!(
        "{base}/dashboard/supervision/flag?{month}&kind=night_visit&doctor={}&day={}",
        id(DOC_B),
        s.month
    ));
    assert_eq!(status, 404, "no such flag");
    let (status, _) = admin_get(&format!(
        "{base}/dashboard/supervision/flag?{month}&kind=bogus&doctor=none&day={}",
        s.month
    ));
    assert_eq!(status, 400);

    // This month has none of it.
    let (_, html) = admin_get(&format!("{base}/dashboard/supervision"));
    assert!(html.contains("本统计期没有发现异常"));

    // The login page has the pages' shell and style, in Chinese.
    let login_page = web_client()
        .get(format!("{base}/login"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for text in [
        "<style>",
        "class=\"login\"",
        "乡镇家医签约看板 · 登录",
        "用户名",
        "密码",
        "lang=\"zh-CN\"",
    ] {
        assert!(login_page.contains(text), "the login page has {text}");
    }
}

#[test]
fn sqlite_dashboard_for_the_month() {
    the_month_at_the_health_center(&Township::sqlite(Limits::default()));
}

#[test]
fn postgres_dashboard_for_the_month() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    the_month_at_the_health_center(&Township::on(&pg.database("dashboard"), Limits::default()));
}

/// Where the screenshots go: `$CARGO_TARGET_DIR/dashboard-screens/`.
fn screens_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join(".."));
    let dir = target.join("dashboard-screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The pages an administrator sees, rendered by headless Chromium at 1366×768, kept as PNG
/// files for a person to look at.
#[test]
fn dashboard_pages_render_in_chromium() {
    if !Path::new("/usr/bin/chromium").exists() {
        assert!(std::env::var("CI").is_err(), "chromium is needed under CI");
        eprintln!("\n*** SKIPPING: /usr/bin/chromium not installed ***\n");
        return;
    }
    let t = Township::sqlite(Limits::default());
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(&t, dir.path());
    let base = t.base();
    let month = month_query(s.month);
    let flag_link = {
        let (_, html) = admin_get(&format!("{base}/dashboard/supervision?{month}"));
        let link = html
            .split("href=\"/dashboard/supervision/flag?")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&");
        format!("{base}/dashboard/supervision/flag?{link}")
    };
    let screens = screens_dir();
    let profile = tempfile::tempdir().unwrap();
    let pages = [
        ("login", format!("{base}/login"), "用户名"),
        ("dashboard", format!("{base}/dashboard"), "各村签约进度"),
        ("audit", format!("{base}/dashboard/audit"), "标记已核查"),
        (
            "record",
            format!("{base}/dashboard/record?entity=visit&id={}", s.a_visit),
            "变更历史",
        ),
        (
            "supervision",
            format!("{base}/dashboard/supervision?{month}"),
            "各医生进度",
        ),
        ("flag", flag_link, "查看记录"),
    ];
    for (name, url, expected) in pages {
        let html = if name == "login" {
            web_client().get(&url).send().unwrap().text().unwrap()
        } else {
            let (status, html) = admin_get(&url);
            assert_eq!(status, 200, "{name}: {html}");
            html
        };
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &html).unwrap();
        let png = screens.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&png);
        let args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1366,768",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("--user-data-dir={}", profile.path().display()),
            format!("--screenshot={}", png.display()),
            format!("file://{}", file.display()),
        ])
        .collect();
        crate::indicators::chromium(&args, &dir.path().join(format!("{name}.log")))
            .expect("chromium ran");
        let bytes = std::fs::read(&png).expect("screenshot written");
        assert!(bytes.starts_with(b"\x89PNG"), "{name}: a PNG");
        assert!(html.contains(expected), "{name} shows {expected}");
        eprintln!("screenshot: {}", png.display());
    }
}
