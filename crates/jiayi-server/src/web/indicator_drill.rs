//! The drill-down page of the township dashboard: the residents, households or service items
//! behind one indicator figure, a page at a time. Plain HTML and CSS, no script.

use std::collections::HashMap;

use jiayi_core::Lang;
use jiayi_core::indicators::dataset::Dataset;
use jiayi_core::indicators::{Figure, IndicatorKind, Level, Subject, Targets, drill_down};
use uuid::Uuid;

use crate::web::html::escape;
use crate::web::indicator_left::{Leaving, leavings, left_rows, resident_of};
use crate::web::indicator_section::{Asked, Choice, met_text, percent, target_text};

pub const PAGE_SIZE: usize = 100;

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
    let left = leavings(ds, params);
    if !left.is_empty() {
        heads.push(l("期内离开", "Left in the period"));
    }
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
        h.push_str(&format!("<td>{counted}</td>"));
        if !left.is_empty() {
            h.push_str(&leaving_cell(
                lang,
                resident_id.and_then(|id| left.get(&id)),
            ));
        }
        h.push_str("</tr>");
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
    let gone = left_rows(ds, params, drill.kind, drill.level, unit, &rows, &left);
    if !gone.is_empty() {
        h.push_str(&format!(
            "<h3>{}</h3><p class=\"muted\">{}</p><table class=\"ind\"><tr>",
            l(
                "期内离开、截止日（{d}）不再计入的居民",
                "Residents who left during the period and no longer count on {d}"
            )
            .replace("{d}", &params.as_of().to_string()),
            l(
                "他们在离开前属于本指标的范围；离开后不再计入分子和分母。",
                "They belonged to this figure before they left; from then on they count in neither numerator nor denominator."
            )
        ));
        for c in [
            l("序号", "No."),
            l("村", "Village"),
            l("姓名", "Name"),
            l("身份证号", "ID number"),
            l("期内离开", "Left in the period"),
        ] {
            h.push_str(&format!("<th>{c}</th>"));
        }
        h.push_str("</tr>");
        for (i, row) in gone.iter().enumerate() {
            let id = resident_of(&row.subject);
            let resident = id.and_then(|id| names.residents.get(&id));
            h.push_str(&format!(
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>{}</tr>",
                i + 1,
                escape(&names.village(resident.map(|r| r.household_id))),
                escape(&resident.map(|r| r.name.clone()).unwrap_or_default()),
                escape(&masked(resident.and_then(|r| r.id_number.as_deref()))),
                leaving_cell(lang, id.and_then(|id| left.get(&id)))
            ));
        }
        h.push_str("</table>");
    }
    h
}

fn leaving_cell(lang: Lang, leaving: Option<&Leaving>) -> String {
    match leaving {
        Some(l) => format!("<td class=\"left\">{}</td>", escape(&l.text(lang))),
        None => "<td></td>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::indicator_section::url_encode;

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
