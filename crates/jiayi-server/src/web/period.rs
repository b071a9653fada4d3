//! The period a page covers, picked from selects (a month, a quarter or a year; this month
//! when nothing is picked) and checked on the server, which explains a bad value in the page's
//! language. Links between pages carry the period as text (`2026-11`, `2026-Q4`, `2026`).

use chrono::{Datelike, NaiveDate};
use jiayi_core::Lang;
use jiayi_core::indicators::Period;
use serde::Deserialize;

use crate::web::html::escape;

/// The earliest year the picker offers and accepts.
pub(crate) const FIRST_YEAR: i32 = 2015;

/// What a request says about its period: the picker's selects, or a period as text.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PeriodQuery {
    /// The picker's kind: `month`, `quarter` or `year`; when given, the selects decide.
    pub ptype: Option<String>,
    /// The picker's year.
    pub year: Option<String>,
    /// The picker's month, 1–12 (with `ptype=month`).
    pub month: Option<String>,
    /// The picker's quarter, 1–4 (with `ptype=quarter`).
    pub quarter: Option<String>,
    /// `2026`, `2026-Q4`, `2026-11` or `2026-01-01..2026-06-30`; this month when empty.
    pub period: Option<String>,
}

impl PeriodQuery {
    /// The period asked for, or why it cannot be read (in `lang`).
    pub(crate) fn read(&self, lang: Lang, today: NaiveDate) -> Result<Period, String> {
        let period = match self.ptype.as_deref().map(str::trim) {
            Some(kind) if !kind.is_empty() => self.picked(lang, kind, today)?,
            _ => match self.period.as_deref().map(str::trim) {
                None | Some("") => this_month(today),
                Some(text) => Period::parse(text).ok_or_else(|| {
                    lang.pick(
                        "统计期“{}”无法识别，请用上方的选择框选择月份、季度或年份。",
                        "The period '{}' is not understood; pick a month, a quarter or a year above.",
                    )
                    .replace("{}", text)
                })?,
            },
        };
        if period.start > today {
            return Err(lang
                .pick("统计期 {} 尚未开始。", "The period {} has not started yet.")
                .replace("{}", &period.label()));
        }
        Ok(period)
    }

    fn picked(&self, lang: Lang, kind: &str, today: NaiveDate) -> Result<Period, String> {
        let year_text = self.year.as_deref().unwrap_or("").trim();
        let year = year_text
            .parse::<i32>()
            .ok()
            .filter(|y| (FIRST_YEAR..=today.year()).contains(y))
            .ok_or_else(|| {
                lang.pick(
                    "年份“{}”无效，请选择 {first} 年至 {last} 年。",
                    "The year '{}' is not valid; pick {first} to {last}.",
                )
                .replace("{}", year_text)
                .replace("{first}", &FIRST_YEAR.to_string())
                .replace("{last}", &today.year().to_string())
            })?;
        let number = |text: &Option<String>, max: u32, zh: &str, en: &str| {
            let text = text.as_deref().unwrap_or("").trim();
            text.parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| lang.pick(zh, en).replace("{}", text))
        };
        let period = match kind {
            "month" => Period::month(
                year,
                number(
                    &self.month,
                    12,
                    "月份“{}”无效，请选择 1 至 12 月。",
                    "The month '{}' is not valid; pick 1 to 12.",
                )?,
            ),
            "quarter" => Period::quarter(
                year,
                number(
                    &self.quarter,
                    4,
                    "季度“{}”无效，请选择第 1 至第 4 季度。",
                    "The quarter '{}' is not valid; pick 1 to 4.",
                )?,
            ),
            "year" => Period::year(year),
            other => {
                return Err(lang
                    .pick(
                        "统计期类型“{}”无效，请选择按月、按季度或按年。",
                        "The period kind '{}' is not valid; pick month, quarter or year.",
                    )
                    .replace("{}", other));
            }
        };
        period.ok_or_else(|| lang.pick("统计期无效。", "Bad period.").to_string())
    }
}

/// The month `today` is in.
pub(crate) fn this_month(today: NaiveDate) -> Period {
    Period::month(today.year(), today.month()).unwrap_or(Period {
        start: today,
        end: today,
    })
}

/// What kind of period a period is, for the picker.
fn kind_of(period: &Period) -> &'static str {
    let label = period.label();
    if label.contains("-Q") {
        "quarter"
    } else if label.len() == 4 {
        "year"
    } else {
        "month"
    }
}

/// The picker's selects, showing `period` (a range that is no month, quarter or year shows
/// its first month).
pub(crate) fn picker(lang: Lang, period: &Period, today: NaiveDate) -> String {
    let l = |zh, en| lang.pick(zh, en);
    let kind = kind_of(period);
    let (year, month) = (period.start.year(), period.start.month());
    let mut h = format!("<label>{} <select name=\"ptype\">", l("统计期", "Period"));
    for (value, zh, en) in [
        ("month", "按月", "Month"),
        ("quarter", "按季度", "Quarter"),
        ("year", "按年", "Year"),
    ] {
        h.push_str(&option(value, l(zh, en), value == kind));
    }
    h.push_str(&format!(
        "</select></label><label>{} <select name=\"year\">",
        l("年份", "Year")
    ));
    for y in (FIRST_YEAR.min(year)..=today.year().max(year)).rev() {
        h.push_str(&option(
            &y.to_string(),
            &format!("{y}{}", l("年", "")),
            y == year,
        ));
    }
    h.push_str(&format!(
        "</select></label><label>{} <select name=\"month\">",
        l("月份", "Month")
    ));
    for m in 1..=12 {
        h.push_str(&option(
            &m.to_string(),
            &format!("{m}{}", l("月", "")),
            m == month,
        ));
    }
    h.push_str(&format!(
        "</select></label><label>{} <select name=\"quarter\">",
        l("季度", "Quarter")
    ));
    for q in 1..=4 {
        h.push_str(&option(
            &q.to_string(),
            &lang.pick("第{}季度", "Q{}").replace("{}", &q.to_string()),
            q == (month - 1) / 3 + 1,
        ));
    }
    h.push_str("</select></label>");
    h
}

fn option(value: &str, text: &str, selected: bool) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        escape(value),
        if selected { " selected" } else { "" },
        escape(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn picked(ptype: &str, year: &str, month: &str, quarter: &str) -> PeriodQuery {
        PeriodQuery {
            ptype: Some(ptype.into()),
            year: Some(year.into()),
            month: Some(month.into()),
            quarter: Some(quarter.into()),
            period: None,
        }
    }

    #[test]
    fn the_picker_gives_a_month_a_quarter_or_a_year_and_this_month_by_default() {
        let today = day(2026, 12, 7);
        let read = |q: PeriodQuery| q.read(Lang::Zh, today).map(|p| p.label());
        assert_eq!(read(PeriodQuery::default()), Ok("2026-12".into()));
        assert_eq!(
            read(picked("month", "2026", "11", "1")),
            Ok("2026-11".into())
        );
        assert_eq!(
            read(picked("quarter", "2026", "1", "3")),
            Ok("2026-Q3".into())
        );
        assert_eq!(read(picked("year", "2025", "x", "x")), Ok("2025".into()));
        let text = PeriodQuery {
            period: Some("2026-Q4".into()),
            ..PeriodQuery::default()
        };
        assert_eq!(read(text), Ok("2026-Q4".into()));
    }

    #[test]
    fn bad_values_are_explained_in_chinese() {
        let today = day(2026, 12, 7);
        let err = |q: PeriodQuery| q.read(Lang::Zh, today).unwrap_err();
        assert!(err(picked("month", "2026", "13", "1")).contains("月份“13”无效"));
        assert!(err(picked("quarter", "2026", "1", "5")).contains("季度“5”无效"));
        assert!(err(picked("month", "1999", "1", "1")).contains("年份“1999”无效"));
        assert!(err(picked("month", "2027", "1", "1")).contains("年份“2027”无效"));
        assert!(err(picked("week", "2026", "1", "1")).contains("统计期类型“week”无效"));
        let text = PeriodQuery {
            period: Some("去年".into()),
            ..PeriodQuery::default()
        };
        assert!(err(text).contains("统计期“去年”无法识别"));
    }

    #[test]
    fn the_picker_shows_the_period_chosen() {
        let html = picker(
            Lang::Zh,
            &Period::quarter(2026, 2).unwrap(),
            day(2026, 12, 7),
        );
        assert!(html.contains("<option value=\"quarter\" selected>按季度</option>"));
        assert!(html.contains("<option value=\"2026\" selected>2026年</option>"));
        assert!(html.contains("<option value=\"2\" selected>第2季度</option>"));
        assert!(html.contains("<option value=\"4\" selected>4月</option>"));
    }
}
