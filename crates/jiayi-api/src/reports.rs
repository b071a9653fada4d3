//! Township reports: the indicators for a period at a level, the people behind a figure,
//! rosters of signed and unsigned residents, the audit list, and their Excel export.
//! The formulas are the core's (`jiayi_core::indicators`); here the dataset is read from the
//! store and the figures are named for people.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jiayi_core::Lang;
use jiayi_core::indicators::dataset::Dataset;
use jiayi_core::indicators::{
    Figure, IndicatorKind, Level, Params, Period, Report, Subject, SubjectRef, Targets,
    UnitFigures, compute, drill_down, evaluate,
};
use jiayi_core::person::{age_on, groups_on};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

/// What to report on. Every field may be left out: this month, the township, today.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct ReportRequest {
    /// `2026`, `2026-11`, `2026-Q4` or `2026-01-01..2026-06-30`; this month when empty.
    pub period: Option<String>,
    pub level: Option<Level>,
    /// The day the report is made (today when empty): figures never look past it.
    pub reference: Option<NaiveDate>,
}

/// A figure with its name and formula in the user's language.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct IndicatorFigure {
    pub code: String,
    pub name: String,
    pub formula: String,
    pub numerator: u64,
    pub denominator: u64,
    pub rate: Option<f64>,
    pub target: Option<f64>,
    pub met: Option<bool>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReportRow {
    pub level: Level,
    /// The village, team or doctor; none for the township and for the unassigned row.
    pub id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub figures: Vec<IndicatorFigure>,
    /// Services delivered in the period (visits of any kind and mode): at the doctor level by
    /// the team member who served, nurses and public-health workers included.
    pub services: u64,
}

impl ReportRow {
    pub fn figure(&self, code: &str) -> Option<&IndicatorFigure> {
        self.figures.iter().find(|f| f.code == code)
    }
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReportView {
    pub township: String,
    pub period: Period,
    pub period_label: String,
    pub as_of: NaiveDate,
    pub level: Level,
    pub rows: Vec<ReportRow>,
    pub total: ReportRow,
    pub targets: Targets,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct DrillDownRequest {
    #[serde(flatten)]
    pub report: ReportRequest,
    /// The indicator's code, e.g. `signing`, `signing.elderly_65`, `fulfilment`.
    pub indicator: String,
    /// The row (village, team or doctor id) at the request's level; none for the whole
    /// township.
    pub unit: Option<Uuid>,
    /// The row of residents no team or doctor answers for (with `unit` none).
    pub unassigned: bool,
}

/// One subject counted in a figure.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DrillDownRow {
    /// In the numerator (signed, delivered, managed to standard, on target, checked).
    pub counted: bool,
    pub resident_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    /// The resident, or the household's head for household figures.
    pub name: String,
    pub village: String,
    pub agreement_number: Option<String>,
    pub doctor: Option<String>,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub occurrence: Option<u32>,
    pub due_by: Option<NaiveDate>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DrillDownView {
    pub period: Period,
    pub as_of: NaiveDate,
    pub figure: IndicatorFigure,
    pub rows: Vec<DrillDownRow>,
}

/// Rows of a drill-down shown at once: a figure can stand on every resident of the township.
pub const DRILL_DOWN_PAGE: u32 = 100;
/// The most rows one page may ask for.
pub const DRILL_DOWN_PAGE_MAX: u32 = 500;

/// One page of the people behind a figure, for the screen.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct DrillDownPageRequest {
    #[serde(flatten)]
    pub drill: DrillDownRequest,
    /// Rows skipped (after the filter), for the next pages.
    pub offset: u32,
    /// Rows wanted; [`DRILL_DOWN_PAGE`] when none, at most [`DRILL_DOWN_PAGE_MAX`].
    pub limit: Option<u32>,
    /// Only those counted in the numerator (true) or only those still missing (false).
    pub counted: Option<bool>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DrillDownPage {
    pub period: Period,
    pub as_of: NaiveDate,
    /// The figure in full: numerator and denominator count every row, not just this page.
    pub figure: IndicatorFigure,
    /// Rows that pass the filter, all pages together.
    pub matching: u64,
    pub offset: u32,
    pub rows: Vec<DrillDownRow>,
}

/// A resident on a roster of signed or unsigned residents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RosterRow {
    pub resident_id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub age: Option<u32>,
    pub village: String,
    /// Group names on the as-of day, joined with "、".
    pub groups: String,
    pub agreement_number: Option<String>,
    pub doctor: Option<String>,
    pub team: Option<String>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
}

/// A line of the service audit: a signed resident with what was due and delivered in the
/// period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ServiceAuditLine {
    pub agreement_number: String,
    pub resident_id: Uuid,
    pub name: String,
    pub id_number: Option<String>,
    pub village: String,
    pub team: String,
    pub doctor: String,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub items_due: u32,
    pub items_delivered: u32,
    /// Per item: "name delivered/due", joined with "；".
    pub items: String,
}

/// Names looked up once per request.
pub(crate) struct Names<'a> {
    pub ds: &'a Dataset,
    lang: Lang,
    residents: HashMap<Uuid, usize>,
    villages: HashMap<Uuid, &'a str>,
    household_village: HashMap<Uuid, Uuid>,
    contracts: HashMap<Uuid, usize>,
    doctors: HashMap<Uuid, &'a str>,
    teams: HashMap<Uuid, &'a str>,
    items: HashMap<String, String>,
    /// Household → its head (or first member met).
    heads: HashMap<Uuid, usize>,
}

impl<'a> Names<'a> {
    fn new(ds: &'a Dataset, lang: Lang, items: HashMap<String, String>) -> Names<'a> {
        Names {
            ds,
            lang,
            residents: ds
                .residents
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id, i))
                .collect(),
            villages: ds
                .villages
                .iter()
                .map(|v| (v.id, v.name.as_str()))
                .collect(),
            household_village: ds.households.iter().map(|h| (h.id, h.village_id)).collect(),
            contracts: ds
                .contracts
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id, i))
                .collect(),
            doctors: ds.doctors.iter().map(|d| (d.id, d.name.as_str())).collect(),
            teams: ds.teams.iter().map(|t| (t.id, t.name.as_str())).collect(),
            items,
            heads: {
                let mut heads = HashMap::new();
                for (i, r) in ds.residents.iter().enumerate() {
                    if r.head {
                        heads.insert(r.household_id, i);
                    } else {
                        heads.entry(r.household_id).or_insert(i);
                    }
                }
                heads
            },
        }
    }

    fn household_name(&self, household: Uuid) -> String {
        self.heads
            .get(&household)
            .map(|i| self.ds.residents[*i].name.clone())
            .unwrap_or_default()
    }

    fn village_of_household(&self, household: Uuid) -> String {
        self.household_village
            .get(&household)
            .and_then(|v| self.villages.get(v))
            .map(|s| s.to_string())
            .unwrap_or_default()
    }

    fn doctor(&self, id: Uuid) -> String {
        self.doctors
            .get(&id)
            .map(|s| s.to_string())
            .unwrap_or_else(|| id.to_string())
    }

    fn team(&self, id: Uuid) -> String {
        self.teams
            .get(&id)
            .map(|s| s.to_string())
            .unwrap_or_else(|| id.to_string())
    }

    fn item(&self, code: &str) -> String {
        self.items
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    fn unassigned(&self) -> String {
        self.lang.pick("（未分配）", "(unassigned)").to_string()
    }
}

/// Reads a period as typed: `2026`, `2026-11`, `2026-Q4`, `2026-01-01..2026-06-30`.
pub fn parse_period(text: &str, lang: Lang) -> ApiResult<Period> {
    Period::parse(text).ok_or_else(|| {
        ApiError::invalid(
            "bad_period",
            &format!("无法识别的统计期“{text}”（例如 2026、2026-11、2026-Q4、2026-01-01..2026-06-30）"),
            &format!("cannot read the period '{text}' (e.g. 2026, 2026-11, 2026-Q4, 2026-01-01..2026-06-30)"),
        )
        .localised(lang)
    })
}

impl Api {
    /// The township's indicator targets.
    pub fn indicator_targets(&self) -> ApiResult<Targets> {
        self.store.indicator_targets().map_err(|e| self.fail(e))
    }

    /// Replaces the township's indicator targets (fractions: 0.9 is 90%).
    pub fn set_indicator_targets(&mut self, targets: &Targets) -> ApiResult<Targets> {
        self.require_tool(jiayi_core::role::TownshipTool::SetTargets)?;
        if !targets.is_valid() {
            return Err(self.fail(ApiError::invalid(
                "bad_target",
                "目标值须在 0 到 1 之间（0.9 表示 90%）",
                "targets are fractions between 0 and 1 (0.9 is 90%)",
            )));
        }
        self.store
            .put_indicator_targets(targets)
            .map_err(|e| self.fail(e))?;
        Ok(*targets)
    }

    /// The period and reference day a request means.
    pub fn report_params(&self, request: &ReportRequest) -> ApiResult<Params> {
        let reference = request.reference.unwrap_or(self.today());
        let period = match request.period.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => parse_period(text, self.lang)?,
            _ => Period::month(reference.year(), reference.month()).ok_or_else(|| {
                self.fail(ApiError::invalid("bad_period", "统计期无效", "bad period"))
            })?,
        };
        if period.start > reference {
            return Err(self.fail(ApiError::invalid(
                "period_in_future",
                &format!("统计期 {} 尚未开始", period.label()),
                &format!("the period {} has not started yet", period.label()),
            )));
        }
        Ok(Params { period, reference })
    }

    /// The dataset the indicators are computed from, read again only after a write.
    pub fn indicator_dataset(&self) -> ApiResult<std::sync::Arc<Dataset>> {
        self.store
            .indicator_dataset_shared()
            .map_err(|e| self.fail(e))
    }

    fn item_names(&self) -> ApiResult<HashMap<String, String>> {
        let catalog = self.store.current_catalog().map_err(|e| self.fail(e))?;
        let mut names = HashMap::new();
        for package in &catalog.packages {
            for item in &package.items {
                names
                    .entry(item.code.clone())
                    .or_insert_with(|| self.lang.pick(&item.name, &item.name_en).to_string());
            }
        }
        Ok(names)
    }

    pub(crate) fn figure_view(&self, figure: &Figure) -> IndicatorFigure {
        IndicatorFigure {
            code: figure.kind.code(),
            name: figure.kind.name(self.lang),
            formula: figure.kind.formula(self.lang),
            numerator: figure.numerator,
            denominator: figure.denominator,
            rate: figure.rate,
            target: figure.target,
            met: figure.met,
        }
    }

    fn row_view(&self, unit: &UnitFigures, names: &Names<'_>) -> ReportRow {
        let name = match (unit.level, unit.id) {
            (Level::Township, _) => self.lang.pick("全镇合计", "township total").to_string(),
            (_, None) => names.unassigned(),
            (_, Some(id)) if unit.name.is_empty() => id.to_string(),
            _ => unit.name.clone(),
        };
        ReportRow {
            level: unit.level,
            id: unit.id,
            code: unit.code.clone(),
            name,
            figures: unit.figures.iter().map(|f| self.figure_view(f)).collect(),
            services: unit.services,
        }
    }

    /// Every indicator for a period, one row per village, team or doctor, and the totals.
    pub fn report(&self, request: &ReportRequest) -> ApiResult<ReportView> {
        let params = self.report_params(request)?;
        let ds = self.indicator_dataset()?;
        self.report_from(&ds, &params, request.level.unwrap_or(Level::Township))
    }

    pub(crate) fn report_from(
        &self,
        ds: &Dataset,
        params: &Params,
        level: Level,
    ) -> ApiResult<ReportView> {
        let targets = self.indicator_targets()?;
        let report: Report = compute(ds, params, &targets, level);
        let names = Names::new(ds, self.lang, HashMap::new());
        let township = self.settings()?.township;
        Ok(ReportView {
            township,
            period: report.period,
            period_label: report.period.label(),
            as_of: report.as_of,
            level,
            rows: report
                .units
                .iter()
                .map(|u| self.row_view(u, &names))
                .collect(),
            total: self.row_view(&report.total, &names),
            targets,
        })
    }

    /// One page of the people behind a figure: those still missing first, the figure in full.
    pub fn drill_down_page(&self, request: &DrillDownPageRequest) -> ApiResult<DrillDownPage> {
        let view = self.drill_down(&request.drill)?;
        let limit = request
            .limit
            .unwrap_or(DRILL_DOWN_PAGE)
            .clamp(1, DRILL_DOWN_PAGE_MAX) as usize;
        let matching: Vec<DrillDownRow> = view
            .rows
            .into_iter()
            .filter(|row| request.counted.is_none_or(|c| row.counted == c))
            .collect();
        let total = matching.len() as u64;
        let rows = matching
            .into_iter()
            .skip(request.offset as usize)
            .take(limit)
            .collect();
        Ok(DrillDownPage {
            period: view.period,
            as_of: view.as_of,
            figure: view.figure,
            matching: total,
            offset: request.offset,
            rows,
        })
    }

    /// The residents (households, occurrences) behind one figure.
    pub fn drill_down(&self, request: &DrillDownRequest) -> ApiResult<DrillDownView> {
        let params = self.report_params(&request.report)?;
        let kind = IndicatorKind::from_code(&request.indicator).ok_or_else(|| {
            self.fail(ApiError::invalid(
                "unknown_indicator",
                &format!("没有指标“{}”", request.indicator),
                &format!("there is no indicator '{}'", request.indicator),
            ))
        })?;
        let level = request.report.level.unwrap_or(Level::Township);
        let ds = self.indicator_dataset()?;
        let targets = self.indicator_targets()?;
        let names = Names::new(&ds, self.lang, self.item_names()?);
        let level = if request.unit.is_none() && !request.unassigned {
            Level::Township
        } else {
            level
        };
        let rows = drill_down(&ds, &params, kind, level, request.unit);
        let hits = rows.iter().filter(|r| r.hit).count() as u64;
        let figure = Figure::new(kind, hits, rows.len() as u64, targets.for_kind(kind));
        let mut out: Vec<DrillDownRow> = rows
            .into_iter()
            .map(|row| {
                let contract = row
                    .contract_id
                    .and_then(|id| names.contracts.get(&id))
                    .map(|i| &ds.contracts[*i]);
                let mut view = DrillDownRow {
                    counted: row.hit,
                    resident_id: None,
                    household_id: None,
                    name: String::new(),
                    village: row
                        .units
                        .village
                        .and_then(|v| names.villages.get(&v))
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    agreement_number: contract.map(|c| c.agreement_number.clone()),
                    doctor: row.units.doctor.map(|d| names.doctor(d)),
                    item_code: None,
                    item_name: None,
                    occurrence: None,
                    due_by: None,
                };
                let resident = |id: Uuid| names.residents.get(&id).map(|i| &ds.residents[*i]);
                match row.subject {
                    Subject::Resident { resident_id } => {
                        view.resident_id = Some(resident_id);
                        if let Some(r) = resident(resident_id) {
                            view.name = r.name.clone();
                            view.household_id = Some(r.household_id);
                        }
                    }
                    Subject::Household { household_id } => {
                        view.household_id = Some(household_id);
                        view.name = names.household_name(household_id);
                    }
                    Subject::Occurrence {
                        resident_id,
                        item_code,
                        occurrence,
                        due_by,
                        ..
                    } => {
                        view.resident_id = Some(resident_id);
                        if let Some(r) = resident(resident_id) {
                            view.name = r.name.clone();
                            view.household_id = Some(r.household_id);
                        }
                        view.item_name = Some(names.item(&item_code));
                        view.item_code = Some(item_code);
                        view.occurrence = Some(occurrence);
                        view.due_by = Some(due_by);
                    }
                }
                view
            })
            .collect();
        // Those still to do first, then by village and name.
        out.sort_by(|a, b| {
            (a.counted, &a.village, &a.name, a.due_by)
                .cmp(&(b.counted, &b.village, &b.name, b.due_by))
        });
        Ok(DrillDownView {
            period: params.period,
            as_of: params.as_of(),
            figure: self.figure_view(&figure),
            rows: out,
        })
    }

    /// Residents signed (or not) on the period's as-of day, by village and name.
    pub fn roster(&self, request: &ReportRequest, signed: bool) -> ApiResult<Vec<RosterRow>> {
        let params = self.report_params(request)?;
        let ds = self.indicator_dataset()?;
        Ok(self.roster_from(&ds, &params, signed))
    }

    pub(crate) fn roster_from(
        &self,
        ds: &Dataset,
        params: &Params,
        signed: bool,
    ) -> Vec<RosterRow> {
        let as_of = params.as_of();
        let names = Names::new(ds, self.lang, HashMap::new());
        let mut rows = Vec::new();
        evaluate(ds, params, &mut |c| {
            if c.kind != IndicatorKind::Signing || c.hit != signed {
                return;
            }
            let SubjectRef::Resident(resident_id) = c.subject else {
                return;
            };
            let Some(r) = names.residents.get(&resident_id).map(|i| &ds.residents[*i]) else {
                return;
            };
            let contract = c
                .contract_id
                .and_then(|id| names.contracts.get(&id))
                .map(|i| &ds.contracts[*i]);
            rows.push(RosterRow {
                resident_id,
                household_id: r.household_id,
                name: r.name.clone(),
                id_number: r.id_number.clone(),
                birth_date: r.birth_date,
                age: r.birth_date.map(|b| age_on(b, as_of)),
                village: names.village_of_household(r.household_id),
                groups: groups_on(&r.groups, r.birth_date, as_of)
                    .iter()
                    .map(|g| g.label(self.lang))
                    .collect::<Vec<_>>()
                    .join("、"),
                agreement_number: contract.map(|c| c.agreement_number.clone()),
                doctor: contract.map(|k| names.doctor(k.doctor_on(as_of))),
                team: contract.map(|k| names.team(k.team_id)),
                term_start: contract.map(|k| k.term_shown(as_of).0),
                term_end: contract.map(|k| k.term_shown(as_of).1),
            });
        });
        rows.sort_by(|a, b| (&a.village, &a.name).cmp(&(&b.village, &b.name)));
        rows
    }

    /// Signed residents with their contract, doctor, and the items due and delivered in the
    /// period: what the health center checks before paying for performance.
    pub fn audit_list(&self, request: &ReportRequest) -> ApiResult<Vec<ServiceAuditLine>> {
        let params = self.report_params(request)?;
        let ds = self.indicator_dataset()?;
        self.audit_from(&ds, &params)
    }

    pub(crate) fn audit_from(
        &self,
        ds: &Dataset,
        params: &Params,
    ) -> ApiResult<Vec<ServiceAuditLine>> {
        let as_of = params.as_of();
        let names = Names::new(ds, self.lang, self.item_names()?);
        let mut signed: Vec<(Uuid, Uuid)> = Vec::new();
        // (resident, item) → (delivered, due), in the order first met.
        let mut items: HashMap<Uuid, Vec<(String, u32, u32)>> = HashMap::new();
        evaluate(ds, params, &mut |c| match (&c.kind, &c.subject) {
            (IndicatorKind::Signing, SubjectRef::Resident(resident_id)) if c.hit => {
                if let Some(contract) = c.contract_id {
                    signed.push((*resident_id, contract));
                }
            }
            (
                IndicatorKind::Fulfilment,
                SubjectRef::Occurrence {
                    resident_id,
                    item_code,
                    ..
                },
            ) => {
                let list = items.entry(*resident_id).or_default();
                let at = match list.iter().position(|(code, _, _)| code == item_code) {
                    Some(at) => at,
                    None => {
                        list.push((item_code.to_string(), 0, 0));
                        list.len() - 1
                    }
                };
                list[at].1 += u32::from(c.hit);
                list[at].2 += 1;
            }
            _ => {}
        });
        let mut rows: Vec<ServiceAuditLine> = signed
            .into_iter()
            .filter_map(|(resident_id, contract_id)| {
                let r = &ds.residents[*names.residents.get(&resident_id)?];
                let c = &ds.contracts[*names.contracts.get(&contract_id)?];
                let list = items.remove(&resident_id).unwrap_or_default();
                Some(ServiceAuditLine {
                    agreement_number: c.agreement_number.clone(),
                    resident_id,
                    name: r.name.clone(),
                    id_number: r.id_number.clone(),
                    village: names.village_of_household(r.household_id),
                    team: names.team(c.team_id),
                    doctor: names.doctor(c.doctor_on(as_of)),
                    term_start: c.term_shown(as_of).0,
                    term_end: c.term_shown(as_of).1,
                    items_due: list.iter().map(|i| i.2).sum(),
                    items_delivered: list.iter().map(|i| i.1).sum(),
                    items: list
                        .iter()
                        .map(|(code, done, due)| format!("{} {done}/{due}", names.item(code)))
                        .collect::<Vec<_>>()
                        .join("；"),
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            (&a.village, &a.agreement_number, &a.name).cmp(&(
                &b.village,
                &b.agreement_number,
                &b.name,
            ))
        });
        Ok(rows)
    }
}
