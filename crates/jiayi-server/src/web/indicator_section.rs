//! The indicators on the township dashboard: what the staff asked for, and the section of the
//! main page (figures with their formulas, bars per village, rows per village/team/doctor).
//! Plain HTML and CSS, no script. The list behind a figure is in `indicator_drill`.

use chrono::{Datelike, NaiveDate};
use jiayi_core::Lang;
use jiayi_core::indicators::dataset::Dataset;
use jiayi_core::indicators::{
    Figure, IndicatorKind, Level, Params, Period, Report, Targets, UnitFigures, compute,
};

use crate::web::html::escape;

/// Rows per drill-down page.
pub const PAGE_SIZE: usize = 100;

/// The columns of the per-unit table: the figures the township is judged by most.
const UNIT_COLUMNS: [IndicatorKind; 9] = [
    IndicatorKind::Signing,
    IndicatorKind::HouseholdSigning,
    IndicatorKind::KeyGroupSigning,
    IndicatorKind::Fulfilment,
    IndicatorKind::HypertensionStandardManagement,
    IndicatorKind::DiabetesStandardManagement,
    IndicatorKind::ElderlyHealthManagement,
    IndicatorKind::Renewal,
    IndicatorKind::ContractsServed,
];

/// What the staff asked for, as typed in the query string.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    pub lang: Lang,
    pub period: Option<String>,
    pub level: Option<String>,
    pub bar: Option<String>,
}

/// The request once read: a period, "today", a level and the indicator of the bars.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    pub params: Params,
    pub level: Level,
    pub bar: IndicatorKind,
}

impl Asked {
    /// Reads the request; the error is a message for the page, in the page's language.
    pub fn choose(&self, today: NaiveDate) -> Result<Choice, String> {
        let l = |zh: &str, en: &str| self.lang.pick(zh, en).to_string();
        let period = match self.period.as_deref().map(str::trim) {
            None | Some("") => Period::year(today.year()).ok_or_else(|| l("统计期无效", "bad period"))?,
            Some(text) => Period::parse(text).ok_or_else(|| {
                self.lang
                    .pick(
                        "统计期“{}”无法识别。请写成 2026（全年）、2026-Q4（季度）、2026-11（月份）或 2026-01-01..2026-06-30（起止日期）。",
                        "The period '{}' is not understood. Write 2026 (a year), 2026-Q4 (a quarter), 2026-11 (a month) or 2026-01-01..2026-06-30 (a range).",
                    )
                    .replace("{}", text)
            })?,
        };
        if period.start > today {
            return Err(self
                .lang
                .pick("统计期 {} 尚未开始。", "The period {} has not started yet.")
                .replace("{}", &period.label()));
        }
        let level = match self.level.as_deref().map(str::trim) {
            None | Some("") => Level::Village,
            Some(code) => Level::from_code(code).ok_or_else(|| {
                l(
                    "层级须为 township、village、team 或 doctor。",
                    "The level must be township, village, team or doctor.",
                )
            })?,
        };
        let bar = match self.bar.as_deref().map(str::trim) {
            None | Some("") => IndicatorKind::Signing,
            Some(code) => IndicatorKind::from_code(code)
                .ok_or_else(|| l("没有这个指标。", "There is no such indicator."))?,
        };
        Ok(Choice {
            params: Params {
                period,
                reference: today,
            },
            level,
            bar,
        })
    }

    /// The query string that brings the staff back to the same view, plus `extra` pairs.
    pub(crate) fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if self.lang == Lang::En {
            pairs.push(("lang", "en"));
        }
        for (name, value) in [("period", &self.period), ("level", &self.level)] {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                pairs.push((name, v));
            }
        }
        pairs.extend_from_slice(extra);
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value (everything but the unreserved characters).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub(crate) fn target_text(target: Option<f64>) -> String {
    target
        .map(|t| format!("{:.0}%", t * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub(crate) fn met_text(lang: Lang, figure: &Figure) -> &'static str {
    match figure.met {
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

/// A unit's name as people know it; an id the reference data does not name is shortened.
fn unit_name(lang: Lang, unit: &UnitFigures) -> String {
    match unit.id {
        None => lang.pick("未分配", "unassigned").to_string(),
        Some(id) if unit.name.is_empty() => {
            format!("{}…", &id.simple().to_string()[..8])
        }
        Some(_) => unit.name.clone(),
    }
}

fn unit_param(unit: &UnitFigures) -> String {
    unit.id
        .map(|id| id.to_string())
        .unwrap_or_else(|| "unassigned".into())
}

/// The indicators section of the dashboard.
pub fn section(
    asked: &Asked,
    choice: Result<&Choice, &str>,
    ds: &Dataset,
    targets: &Targets,
    unreadable: usize,
) -> String {
    let lang = asked.lang;
    let l = |zh, en| lang.pick(zh, en);
    let mut h = format!(
        "<h2 id=\"indicators\">{}</h2>",
        l(
            "考核指标（全部设备已同步的数据）",
            "Indicators (every device's synced records)"
        )
    );
    h.push_str(&chooser(asked, choice.ok()));
    let choice = match choice {
        Ok(c) => c,
        Err(message) => {
            h.push_str(&format!("<p class=\"error\">{}</p>", escape(message)));
            return h;
        }
    };
    let params = &choice.params;
    h.push_str(&format!(
        "<p>{} <b>{}</b>（{} – {}），{} <b>{}</b>。{}</p>",
        l("统计期", "Period"),
        escape(&params.period.label()),
        params.period.start,
        params.period.end,
        l("人数与签约按截止日计", "people and contracts counted on"),
        params.as_of(),
        escape(
            &l(
                "数据：{h} 户、{r} 人、{c} 份协议、{v} 次服务。",
                "Data: {h} households, {r} residents, {c} contracts, {v} visits."
            )
            .replace("{h}", &ds.households.len().to_string())
            .replace("{r}", &ds.residents.len().to_string())
            .replace("{c}", &ds.contracts.len().to_string())
            .replace("{v}", &ds.visits.len().to_string())
        )
    ));
    if unreadable > 0 {
        h.push_str(&format!(
            "<p class=\"error\">{}</p>",
            l(
                "有 {} 条记录无法读取，未计入。",
                "{} records could not be read and are not counted."
            )
            .replace("{}", &unreadable.to_string())
        ));
    }

    let township = compute(ds, params, targets, Level::Township);
    h.push_str(&figures_table(asked, &township.total));
    h.push_str(&format!(
        "<p>{} <b class=\"services\">{}</b></p>",
        l(
            "期内服务人次（各类服务、各种方式）：",
            "Services delivered in the period (every kind and mode):"
        ),
        township.total.services
    ));

    let by_village = compute(ds, params, targets, Level::Village);
    h.push_str(&bars(asked, &by_village, choice.bar));

    if choice.level != Level::Township {
        let rows = if choice.level == Level::Village {
            by_village
        } else {
            compute(ds, params, targets, choice.level)
        };
        h.push_str(&unit_table(asked, &rows));
    }
    h
}

fn chooser(asked: &Asked, choice: Option<&Choice>) -> String {
    let lang = asked.lang;
    let l = |zh, en| lang.pick(zh, en);
    let today = jiayi_core::time::china_date(chrono::Utc::now());
    let period = choice
        .map(|c| c.params.period)
        .unwrap_or_else(|| crate::web::period::this_month(today));
    let level = choice.map(|c| c.level).unwrap_or(Level::Village);
    let bar = choice.map(|c| c.bar).unwrap_or(IndicatorKind::Signing);
    let mut h = String::from("<form class=\"chooser\" method=\"get\" action=\"/dashboard\">");
    if lang == Lang::En {
        h.push_str("<input type=\"hidden\" name=\"lang\" value=\"en\">");
    }
    h.push_str(&crate::web::period::picker(lang, &period, today));
    h.push_str(&format!(
        "<label>{} <select name=\"level\">",
        l("分组", "Rows by")
    ));
    for option in [Level::Township, Level::Village, Level::Team, Level::Doctor] {
        let code = serde_json::to_value(option)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        h.push_str(&format!(
            "<option value=\"{code}\"{}>{}</option>",
            if option == level { " selected" } else { "" },
            option.label(lang)
        ));
    }
    h.push_str(&format!(
        "</select></label><label>{} <select name=\"bar\">",
        l("各村条形图", "Village bars")
    ));
    for kind in IndicatorKind::all() {
        h.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            escape(&kind.code()),
            if kind == bar { " selected" } else { "" },
            escape(&kind.name(lang))
        ));
    }
    h.push_str(&format!(
        "</select></label><button type=\"submit\">{}</button></form>",
        l("查看", "Show"),
    ));
    h
}

fn drill_link(asked: &Asked, kind: IndicatorKind, unit: Option<(&str, Level)>) -> String {
    let code = kind.code();
    let mut extra = vec![("indicator", code.as_str())];
    let level_code;
    if let Some((unit, level)) = unit {
        level_code = serde_json::to_value(level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        extra.push(("unit", unit));
        extra.push(("level", level_code.as_str()));
    }
    // The drill-down names its own level; the page's level chooser is not carried over.
    let base = Asked {
        level: None,
        bar: None,
        ..asked.clone()
    };
    escape(&format!("/dashboard/indicator?{}", base.query(&extra)))
}

fn figures_table(asked: &Asked, total: &UnitFigures) -> String {
    let lang = asked.lang;
    let l = |zh, en| lang.pick(zh, en);
    let mut h = format!(
        "<h3>{}</h3><table class=\"ind\"><tr>",
        l("全镇合计", "Township total")
    );
    for c in [
        l("指标", "Indicator"),
        l("完成率", "Rate"),
        l("分子 / 分母", "Numerator / denominator"),
        l("目标", "Target"),
        l("是否达标", "Target met"),
        l("计算公式", "Formula"),
    ] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for f in &total.figures {
        let sub = matches!(f.kind, IndicatorKind::GroupSigning(_));
        h.push_str(&format!(
            "<tr{}><td>{}</td><td class=\"rate\"><a href=\"{}\">{}</a></td><td class=\"num\">{} / {}</td>\
<td class=\"num\">{}</td><td>{}</td><td class=\"formula\">{}</td></tr>",
            if sub { " class=\"sub\"" } else { "" },
            escape(&f.kind.name(lang)),
            drill_link(asked, f.kind, None),
            percent(f.rate),
            f.numerator,
            f.denominator,
            target_text(f.target),
            met_text(lang, f),
            escape(&f.kind.formula(lang))
        ));
    }
    h.push_str("</table>");
    h
}

/// Horizontal bars, one per village, with the target drawn as a red line across the track.
fn bars(asked: &Asked, report: &Report, kind: IndicatorKind) -> String {
    let lang = asked.lang;
    let l = |zh, en| lang.pick(zh, en);
    let target = report.total.figure(kind).and_then(|f| f.target);
    let mut h = format!(
        "<h3>{}：{}</h3><div class=\"bars\">",
        l("各村", "By village"),
        escape(&kind.name(lang))
    );
    for unit in &report.units {
        let Some(f) = unit.figure(kind) else { continue };
        let width = f.rate.map(|r| (r * 100.0).clamp(0.0, 100.0)).unwrap_or(0.0);
        let low = f.met == Some(false);
        h.push_str(&format!(
            "<div class=\"brow\"><span class=\"bname\">{}</span><span class=\"btrack\">\
<span class=\"bfill{}\" style=\"width:{width:.1}%\"></span>{}</span>\
<span class=\"bval\"><a href=\"{}\">{}</a> <span class=\"muted\">{} / {}</span></span></div>",
            escape(&unit_name(lang, unit)),
            if low { " low" } else { "" },
            target
                .map(|t| format!(
                    "<span class=\"btarget\" style=\"left:{:.1}%\"></span>",
                    (t * 100.0).clamp(0.0, 100.0)
                ))
                .unwrap_or_default(),
            drill_link(asked, kind, Some((&unit_param(unit), Level::Village))),
            percent(f.rate),
            f.numerator,
            f.denominator
        ));
    }
    h.push_str(&format!(
        "<p class=\"legend\">{}</p></div>",
        match target {
            Some(t) => l(
                "<i></i>红线为目标 {}；橙色为未达标。",
                "<i></i>The red line is the target, {}; orange bars are below it."
            )
            .replace("{}", &target_text(Some(t))),
            None => l("此指标没有设定目标。", "This indicator has no target.").to_string(),
        }
    ));
    h
}

fn unit_table(asked: &Asked, report: &Report) -> String {
    let lang = asked.lang;
    let level = report.level;
    let mut h = format!(
        "<h3>{}{}</h3><table class=\"ind\"><tr><th>{}</th>",
        lang.pick("按", "By "),
        level.label(lang),
        level.label(lang)
    );
    if level == Level::Doctor {
        h.push_str(&format!("<th>{}</th>", lang.pick("团队", "Team")));
    }
    for kind in UNIT_COLUMNS {
        h.push_str(&format!("<th>{}</th>", escape(&kind.name(lang))));
    }
    // The residents each row answers for, and the services it delivered (per team member:
    // by who served, nurses and public-health workers included).
    h.push_str(&format!(
        "<th>{}</th><th>{}</th></tr>",
        lang.pick("负责居民", "Residents"),
        lang.pick("服务人次", "Services delivered")
    ));
    for unit in &report.units {
        h.push_str(&format!("<tr><td>{}</td>", escape(&unit_name(lang, unit))));
        if level == Level::Doctor {
            h.push_str(&format!("<td>{}</td>", escape(&unit.code)));
        }
        for kind in UNIT_COLUMNS {
            let Some(f) = unit.figure(kind) else {
                h.push_str("<td></td>");
                continue;
            };
            h.push_str(&format!(
                "<td class=\"num\"><a href=\"{}\">{}</a> <span class=\"muted\">{}/{}</span></td>",
                drill_link(asked, kind, Some((&unit_param(unit), level))),
                percent(f.rate),
                f.numerator,
                f.denominator
            ));
        }
        let residents = unit
            .figure(IndicatorKind::Signing)
            .map_or(0, |f| f.denominator);
        h.push_str(&format!(
            "<td class=\"num\">{residents}</td><td class=\"num services\">{}</td></tr>",
            unit.services
        ));
    }
    h.push_str("</table>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(period: &str) -> Asked {
        Asked {
            period: Some(period.into()),
            ..Default::default()
        }
    }

    #[test]
    fn periods_are_read_or_explained() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let c = asked("2026-Q4").choose(today).unwrap();
        assert_eq!(c.params.period.label(), "2026-Q4");
        let c = Asked::default().choose(today).unwrap();
        assert_eq!(c.params.period.label(), "2026");
        let e = asked("2026-13").choose(today).unwrap_err();
        assert!(e.contains("2026-13") && e.contains("2026-Q4"), "{e}");
        let e = asked("2027").choose(today).unwrap_err();
        assert!(e.contains("尚未开始"), "{e}");
        let mut en = asked("nonsense");
        en.lang = Lang::En;
        assert!(en.choose(today).unwrap_err().contains("not understood"));
    }
}
