//! The indicators on the township dashboard: the section of the main page (figures with
//! their formulas, bars per village, rows per village/team/doctor) and the drill-down page
//! listing the residents behind a figure. Plain HTML and CSS, no script.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jiayi_core::Lang;
use jiayi_core::indicators::dataset::Dataset;
use jiayi_core::indicators::{
    Figure, IndicatorKind, Level, Params, Period, Report, Subject, Targets, UnitFigures, compute,
    drill_down,
};
use uuid::Uuid;

use crate::dashboard::escape;

/// Rows per drill-down page.
pub const PAGE_SIZE: usize = 100;

/// The columns of the per-unit table: the figures the township is judged by most.
const UNIT_COLUMNS: [IndicatorKind; 7] = [
    IndicatorKind::Signing,
    IndicatorKind::HouseholdSigning,
    IndicatorKind::KeyGroupSigning,
    IndicatorKind::Fulfilment,
    IndicatorKind::HypertensionStandardManagement,
    IndicatorKind::DiabetesStandardManagement,
    IndicatorKind::ElderlyHealthManagement,
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
    fn query(&self, extra: &[(&str, &str)]) -> String {
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

fn target_text(target: Option<f64>) -> String {
    target
        .map(|t| format!("{:.0}%", t * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn met_text(lang: Lang, figure: &Figure) -> &'static str {
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
.pager a,.pager span{margin-right:1em}.big{font-size:115%}";

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
    let period = asked
        .period
        .clone()
        .or_else(|| choice.map(|c| c.params.period.label()))
        .unwrap_or_default();
    let level = choice.map(|c| c.level).unwrap_or(Level::Village);
    let bar = choice.map(|c| c.bar).unwrap_or(IndicatorKind::Signing);
    let mut h = String::from("<form class=\"chooser\" method=\"get\" action=\"/dashboard\">");
    if lang == Lang::En {
        h.push_str("<input type=\"hidden\" name=\"lang\" value=\"en\">");
    }
    h.push_str(&format!(
        "<label>{} <input name=\"period\" value=\"{}\" size=\"24\"></label>",
        l("统计期", "Period"),
        escape(&period)
    ));
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
        "</select></label><button type=\"submit\">{}</button>\
<div class=\"muted\">{}</div></form>",
        l("查看", "Show"),
        l(
            "统计期写法：2026（全年）· 2026-Q4（季度）· 2026-11（月份）· 2026-01-01..2026-06-30（起止日期）",
            "Period: 2026 (year) · 2026-Q4 (quarter) · 2026-11 (month) · 2026-01-01..2026-06-30 (range)"
        )
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
    h.push_str("</tr>");
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
        h.push_str("</tr>");
    }
    h.push_str("</table>");
    h
}

/// What the drill-down page was asked for, beyond the view.
#[derive(Debug, Clone, Default)]
pub struct DrillAsked {
    pub indicator: Option<String>,
    pub unit: Option<String>,
    pub page: Option<String>,
    /// `hit` (in the numerator), `miss` (not), or all.
    pub show: Option<String>,
}

/// The drill-down, read: which figure, which row, which page.
pub struct Drill {
    pub kind: IndicatorKind,
    pub level: Level,
    /// `None` for the township, `Some(None)` for the unassigned row.
    pub unit: Option<Option<Uuid>>,
    pub page: usize,
    pub show: Option<bool>,
}

impl DrillAsked {
    pub fn read(&self, lang: Lang, level: Level) -> Result<Drill, String> {
        let l = |zh: &str, en: &str| lang.pick(zh, en).to_string();
        let kind = self
            .indicator
            .as_deref()
            .and_then(IndicatorKind::from_code)
            .ok_or_else(|| l("没有这个指标。", "There is no such indicator."))?;
        let unit = match self.unit.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("unassigned") => Some(None),
            Some(text) => Some(Some(Uuid::parse_str(text).map_err(|_| {
                l(
                    "村、团队或医生的编号无效。",
                    "The village, team or doctor id is not valid.",
                )
            })?)),
        };
        let level = if unit.is_none() {
            Level::Township
        } else {
            level
        };
        if unit.is_some() && level == Level::Township {
            return Err(l(
                "按村、团队或医生查看时须指明层级。",
                "A row needs its level: village, team or doctor.",
            ));
        }
        let page = match self.page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| l("页码须为正整数。", "The page must be a positive number."))?,
        };
        let show = match self.show.as_deref().map(str::trim) {
            Some("hit") => Some(true),
            Some("miss") => Some(false),
            _ => None,
        };
        Ok(Drill {
            kind,
            level,
            unit,
            page,
            show,
        })
    }
}

/// Names the drill-down shows: residents, households by their head, villages, items.
struct Names<'a> {
    residents: HashMap<Uuid, &'a jiayi_core::indicators::dataset::ResidentInfo>,
    heads: HashMap<Uuid, &'a str>,
    village_of_household: HashMap<Uuid, Uuid>,
    villages: HashMap<Uuid, &'a str>,
}

impl<'a> Names<'a> {
    fn new(ds: &'a Dataset) -> Names<'a> {
        Names {
            residents: ds.residents.iter().map(|r| (r.id, r)).collect(),
            heads: ds
                .residents
                .iter()
                .filter(|r| r.head)
                .map(|r| (r.household_id, r.name.as_str()))
                .collect(),
            village_of_household: ds.households.iter().map(|h| (h.id, h.village_id)).collect(),
            villages: ds
                .villages
                .iter()
                .map(|v| (v.id, v.name.as_str()))
                .collect(),
        }
    }

    fn village(&self, household: Option<Uuid>) -> String {
        household
            .and_then(|h| self.village_of_household.get(&h))
            .map(|v| match self.villages.get(v) {
                Some(name) if !name.is_empty() => name.to_string(),
                _ => format!("{}…", &v.simple().to_string()[..8]),
            })
            .unwrap_or_default()
    }
}

/// Shows the region and the last four characters of an ID number, not the birth date.
fn masked(id_number: Option<&str>) -> String {
    match id_number {
        Some(n) if n.chars().count() > 10 => {
            let chars: Vec<char> = n.chars().collect();
            let head: String = chars[..6].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
        }
        Some(n) => n.to_string(),
        None => String::new(),
    }
}

/// The drill-down page's body.
pub fn drill_page(
    asked: &Asked,
    choice: &Choice,
    drill: &Drill,
    ds: &Dataset,
    targets: &Targets,
    item_names: &HashMap<String, (String, String)>,
) -> String {
    let lang = asked.lang;
    let l = |zh, en| lang.pick(zh, en);
    let params = &choice.params;
    let unit = drill.unit.flatten();
    let rows = drill_down(ds, params, drill.kind, drill.level, unit);
    let hits = rows.iter().filter(|r| r.hit).count() as u64;
    let figure = Figure::new(
        drill.kind,
        hits,
        rows.len() as u64,
        targets.for_kind(drill.kind),
    );
    let unit_label = match drill.unit {
        None => l("全镇", "township").to_string(),
        Some(None) => format!(
            "{}（{}）",
            l("未分配", "unassigned"),
            drill.level.label(lang)
        ),
        Some(Some(id)) => {
            let name = match drill.level {
                Level::Village => ds
                    .villages
                    .iter()
                    .find(|v| v.id == id)
                    .map(|v| v.name.clone()),
                Level::Team => ds.teams.iter().find(|t| t.id == id).map(|t| t.name.clone()),
                Level::Doctor => ds
                    .doctors
                    .iter()
                    .find(|d| d.id == id)
                    .map(|d| d.name.clone()),
                Level::Township => None,
            };
            format!(
                "{}：{}",
                drill.level.label(lang),
                name.filter(|n| !n.is_empty())
                    .unwrap_or_else(|| id.to_string())
            )
        }
    };
    let back = Asked {
        level: (drill.level != Level::Township).then(|| {
            serde_json::to_value(drill.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }),
        ..asked.clone()
    };
    let mut h = format!(
        "<p><a href=\"{}\">{}</a></p>",
        escape(&format!("/dashboard?{}#indicators", back.query(&[]))),
        l("← 返回看板", "← Back to the dashboard")
    );
    h.push_str(&format!(
        "<h2>{} · {} · {} {}</h2>",
        escape(&drill.kind.name(lang)),
        escape(&unit_label),
        l("统计期", "period"),
        escape(&params.period.label())
    ));
    h.push_str(&format!(
        "<p class=\"big\">{} <b>{}</b>　{} <b>{}</b>　{} <b>{}</b>　{} <b>{}</b>　{} {}　{}</p>",
        l("完成率", "Rate"),
        percent(figure.rate),
        l("分子（计入）", "Numerator (counted)"),
        figure.numerator,
        l("分母（应计）", "Denominator"),
        figure.denominator,
        l("未计入", "Not counted"),
        figure.denominator - figure.numerator,
        l("目标", "Target"),
        target_text(figure.target),
        met_text(lang, &figure)
    ));
    h.push_str(&format!(
        "<p class=\"formula\">{}：{}</p><p class=\"muted\">{} {}</p>",
        l("计算公式", "Formula"),
        escape(&drill.kind.formula(lang)),
        l("人数与签约按截止日计：", "People and contracts counted on"),
        params.as_of()
    ));

    // Filter links keep the row and the figure; the page starts again at 1.
    let unit_text = match drill.unit {
        None => String::new(),
        Some(None) => "unassigned".into(),
        Some(Some(id)) => id.to_string(),
    };
    let level_code = serde_json::to_value(drill.level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let code = drill.kind.code();
    let link = |show: &str, page: usize| -> String {
        let page_text = page.to_string();
        let mut extra: Vec<(&str, &str)> = vec![("indicator", code.as_str())];
        if drill.unit.is_some() {
            extra.push(("unit", unit_text.as_str()));
            extra.push(("level", level_code.as_str()));
        }
        if !show.is_empty() {
            extra.push(("show", show));
        }
        if page > 1 {
            extra.push(("page", page_text.as_str()));
        }
        let base = Asked {
            level: None,
            bar: None,
            ..asked.clone()
        };
        escape(&format!("/dashboard/indicator?{}", base.query(&extra)))
    };
    let show_code = match drill.show {
        Some(true) => "hit",
        Some(false) => "miss",
        None => "",
    };
    h.push_str("<p class=\"pager\">");
    for (code, label, n) in [
        ("", l("全部", "All"), figure.denominator),
        ("hit", l("计入分子的", "Counted"), figure.numerator),
        (
            "miss",
            l("未计入的", "Not counted"),
            figure.denominator - figure.numerator,
        ),
    ] {
        if code == show_code {
            h.push_str(&format!("<b>{label} {n}</b> "));
        } else {
            h.push_str(&format!("<a href=\"{}\">{label} {n}</a> ", link(code, 1)));
        }
    }
    h.push_str("</p>");

    let shown: Vec<_> = rows
        .iter()
        .filter(|r| drill.show.is_none_or(|s| r.hit == s))
        .collect();
    let pages = shown.len().div_ceil(PAGE_SIZE).max(1);
    let page = drill.page.min(pages);
    let names = Names::new(ds);
    let occurrence = rows
        .first()
        .is_some_and(|r| matches!(r.subject, Subject::Occurrence { .. }));
    let household = rows
        .first()
        .is_some_and(|r| matches!(r.subject, Subject::Household { .. }));
    h.push_str("<table class=\"ind\"><tr>");
    let mut heads = vec![
        l("序号", "No."),
        l("村", "Village"),
        if household {
            l("户主", "Head of household")
        } else {
            l("姓名", "Name")
        },
    ];
    if !household {
        heads.push(l("身份证号", "ID number"));
    }
    if occurrence {
        heads.extend([
            l("服务项目", "Service item"),
            l("第几次", "Occurrence"),
            l("应完成日期", "Due by"),
        ]);
    }
    heads.push(l("是否计入分子", "Counted"));
    for c in heads {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>");
    for (i, row) in shown
        .iter()
        .enumerate()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
    {
        let counted = if row.hit {
            l(
                "<span class=\"ok\">✓ 计入</span>",
                "<span class=\"ok\">✓ yes</span>",
            )
        } else {
            l(
                "<span class=\"no\">✗ 未计入</span>",
                "<span class=\"no\">✗ no</span>",
            )
        };
        let (resident_id, household_id) = match &row.subject {
            Subject::Resident { resident_id } | Subject::Occurrence { resident_id, .. } => (
                Some(*resident_id),
                names.residents.get(resident_id).map(|r| r.household_id),
            ),
            Subject::Household { household_id } => (None, Some(*household_id)),
        };
        let resident = resident_id.and_then(|id| names.residents.get(&id));
        let name = match (resident, household_id) {
            (Some(r), _) => r.name.clone(),
            (None, Some(hh)) => names
                .heads
                .get(&hh)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        h.push_str(&format!(
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td>",
            i + 1,
            escape(&names.village(household_id)),
            escape(&name)
        ));
        if !household {
            h.push_str(&format!(
                "<td><code>{}</code></td>",
                escape(&masked(resident.and_then(|r| r.id_number.as_deref())))
            ));
        }
        if let Subject::Occurrence {
            item_code,
            occurrence,
            times_per_year,
            due_by,
            ..
        } = &row.subject
        {
            let item = item_names
                .get(item_code)
                .map(|(zh, en)| lang.pick(zh, en).to_string())
                .unwrap_or_else(|| item_code.clone());
            h.push_str(&format!(
                "<td>{}</td><td class=\"num\">{occurrence} / {times_per_year}</td><td>{due_by}</td>",
                escape(&item)
            ));
        }
        h.push_str(&format!("<td>{counted}</td></tr>"));
    }
    h.push_str("</table><p class=\"pager\">");
    if page > 1 {
        h.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            link(show_code, page - 1),
            l("← 上一页", "← Previous")
        ));
    }
    h.push_str(&format!(
        "<span>{}</span>",
        l(
            "第 {p} / {n} 页，每页 {s} 条",
            "Page {p} of {n}, {s} per page"
        )
        .replace("{p}", &page.to_string())
        .replace("{n}", &pages.to_string())
        .replace("{s}", &PAGE_SIZE.to_string())
    ));
    if page < pages {
        h.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            link(show_code, page + 1),
            l("下一页 →", "Next →")
        ));
    }
    h.push_str("</p>");
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

    #[test]
    fn links_are_encoded_and_id_numbers_masked() {
        assert_eq!(url_encode("a b&c=1..2"), "a%20b%26c%3D1..2");
        assert_eq!(masked(Some("140822195803041311")), "140822********1311");
        assert_eq!(masked(None), "");
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(0.9236)), "92.4%");
    }

    #[test]
    fn drill_requests_are_checked() {
        let d = DrillAsked {
            indicator: Some("fulfilment".into()),
            unit: Some("unassigned".into()),
            page: Some("2".into()),
            show: Some("miss".into()),
        };
        let r = d.read(Lang::Zh, Level::Team).unwrap();
        assert_eq!(
            (r.level, r.unit, r.page, r.show),
            (Level::Team, Some(None), 2, Some(false))
        );
        let bad = DrillAsked {
            indicator: Some("fulfilment".into()),
            page: Some("0".into()),
            ..Default::default()
        };
        assert!(bad.read(Lang::Zh, Level::Township).is_err());
        let bad = DrillAsked {
            indicator: Some("nope".into()),
            ..Default::default()
        };
        assert!(bad.read(Lang::En, Level::Township).is_err());
        let bad = DrillAsked {
            indicator: Some("signing".into()),
            unit: Some("not-a-uuid".into()),
            ..Default::default()
        };
        assert!(bad.read(Lang::En, Level::Village).is_err());
    }
}
