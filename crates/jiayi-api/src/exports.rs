//! Excel exports of the township reports: the indicator report (a summary sheet and one sheet
//! per indicator with a row per village, team or doctor and a totals row), the rosters of
//! signed and unsigned residents, and the audit list. Files are written whole.

use std::path::{Path, PathBuf};

use jiayi_core::indicators::Level;
use jiayi_core::role::TownshipTool;
use jiayi_excel::{Cell, ExcelError, Sheet, workbook_bytes};
use serde::{Deserialize, Serialize};

use crate::reports::{DrillDownRequest, IndicatorFigure, ReportRequest, ReportRow};
use crate::{Api, ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ExportOutcome {
    pub path: PathBuf,
    pub sheets: usize,
    /// Data rows written (not counting headers and totals).
    pub rows: usize,
}

/// Which workbook to write.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The monthly report: one sheet per indicator, a row per village, totals.
    Report,
    /// Residents signed on the as-of day.
    Signed,
    /// Residents not signed on the as-of day.
    Unsigned,
    /// Signed residents with what was due and delivered.
    Audit,
}

impl ExportKind {
    pub const ALL: [ExportKind; 4] = [
        ExportKind::Report,
        ExportKind::Signed,
        ExportKind::Unsigned,
        ExportKind::Audit,
    ];

    /// The township tool a workbook is, if any: the rosters and the audit list are.
    pub fn township_tool(self) -> Option<TownshipTool> {
        match self {
            ExportKind::Report => None,
            ExportKind::Signed | ExportKind::Unsigned | ExportKind::Audit => {
                Some(TownshipTool::RosterExport)
            }
        }
    }

    fn file_stem(self) -> &'static str {
        match self {
            ExportKind::Report => "report",
            ExportKind::Signed => "signed",
            ExportKind::Unsigned => "unsigned",
            ExportKind::Audit => "audit",
        }
    }
}

impl From<ExcelError> for ApiError {
    fn from(e: ExcelError) -> Self {
        ApiError::invalid(
            "excel_failed",
            &format!("Excel 文件处理失败：{e}"),
            &format!("the Excel file could not be handled: {e}"),
        )
    }
}

fn met_text(met: Option<bool>, lang: jiayi_core::Lang) -> Cell {
    match met {
        Some(true) => lang.pick("达标", "met").into(),
        Some(false) => lang.pick("未达标", "not met").into(),
        None => Cell::Empty,
    }
}

fn figure_cells(f: &IndicatorFigure, lang: jiayi_core::Lang) -> Vec<Cell> {
    vec![
        Cell::Int(f.numerator as i64),
        Cell::Int(f.denominator as i64),
        Cell::Rate(f.rate),
        f.target.map(|t| Cell::Rate(Some(t))).unwrap_or(Cell::Empty),
        met_text(f.met, lang),
    ]
}

impl Api {
    /// Writes bytes to `path` whole: to a temporary name beside it first, then renamed.
    fn write_whole(&self, path: &Path, bytes: &[u8]) -> ApiResult<()> {
        let io = |e: std::io::Error| {
            self.fail(ApiError::invalid(
                "write_failed",
                &format!("无法写入文件 {}：{e}", path.display()),
                &format!("cannot write {}: {e}", path.display()),
            ))
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        jiayi_store::platform::write_whole(path, bytes).map_err(io)
    }

    fn write_sheets(&self, path: &Path, sheets: &[Sheet]) -> ApiResult<ExportOutcome> {
        let bytes = workbook_bytes(sheets).map_err(|e| self.fail(e))?;
        self.write_whole(path, &bytes)?;
        Ok(ExportOutcome {
            path: path.to_path_buf(),
            sheets: sheets.len(),
            rows: sheets.iter().map(|s| s.rows.len()).sum(),
        })
    }

    /// The report as sheets: a summary of the township, then one sheet per indicator with a
    /// row per village (or the request's level) and the township's total.
    pub fn report_sheets(&self, request: &ReportRequest) -> ApiResult<Vec<Sheet>> {
        let lang = self.lang;
        let mut request = request.clone();
        if request.level.is_none_or(|l| l == Level::Township) {
            request.level = Some(Level::Village);
        }
        let view = self.report(&request)?;
        let made = self.today();
        let heading = lang
            .pick(
                &format!("{}家庭医生签约服务统计报表", view.township),
                &format!("{} family doctor contract service report", view.township),
            )
            .trim()
            .to_string();
        let when = match lang {
            jiayi_core::Lang::Zh => format!(
                "统计期：{} 至 {}　统计日：{}　制表日期：{made}",
                view.period.start, view.period.end, view.as_of
            ),
            jiayi_core::Lang::En => format!(
                "Period: {} to {}   As of: {}   Made on: {made}",
                view.period.start, view.period.end, view.as_of
            ),
        };
        let numbers = |first: &str| -> Vec<String> {
            let mut h = vec![first.to_string()];
            h.extend(
                [
                    lang.pick("分子", "numerator"),
                    lang.pick("分母", "denominator"),
                    lang.pick("比率", "rate"),
                    lang.pick("目标", "target"),
                    lang.pick("是否达标", "target met"),
                ]
                .map(String::from),
            );
            h
        };
        let mut sheets = Vec::new();
        let mut summary_headers = numbers(lang.pick("指标", "indicator"));
        summary_headers.push(lang.pick("计算公式", "formula").into());
        sheets.push(Sheet {
            name: lang.pick("汇总", "Summary").into(),
            title: vec![heading.clone(), when.clone()],
            headers: summary_headers,
            rows: view
                .total
                .figures
                .iter()
                .map(|f| {
                    let mut cells = vec![Cell::Text(f.name.clone())];
                    cells.extend(figure_cells(f, lang));
                    cells.push(Cell::Text(f.formula.clone()));
                    cells
                })
                .collect(),
            total: None,
        });
        let unit_label = view.level.label(lang);
        let row_cells = |row: &ReportRow, index: usize| -> Vec<Cell> {
            let mut cells = vec![Cell::Text(row.name.clone())];
            match row.figures.get(index) {
                Some(f) => cells.extend(figure_cells(f, lang)),
                None => cells.extend(std::iter::repeat_n(Cell::Empty, 5)),
            }
            cells
        };
        for (index, figure) in view.total.figures.iter().enumerate() {
            let target = figure
                .target
                .map(|t| format!("{:.1}%", t * 100.0))
                .unwrap_or_else(|| lang.pick("未设", "none").into());
            sheets.push(Sheet {
                name: figure.name.clone(),
                title: vec![
                    format!("{heading} — {}", figure.name),
                    when.clone(),
                    format!("{}：{}", lang.pick("公式", "Formula"), figure.formula),
                    format!("{}：{target}", lang.pick("目标", "Target")),
                ],
                headers: numbers(unit_label),
                rows: view.rows.iter().map(|r| row_cells(r, index)).collect(),
                total: Some(row_cells(&view.total, index)),
            });
        }
        Ok(sheets)
    }

    /// Writes one workbook into `dir`, named for what it holds and the period, e.g.
    /// `report-2026-11.xlsx`; an earlier file of the same name is replaced whole.
    pub fn export_xlsx_into(
        &self,
        kind: ExportKind,
        request: &ReportRequest,
        dir: &Path,
    ) -> ApiResult<ExportOutcome> {
        if let Some(tool) = kind.township_tool() {
            self.require_tool(tool)?;
        }
        let params = self.report_params(request)?;
        let path = dir.join(format!(
            "{}-{}.xlsx",
            kind.file_stem(),
            crate::file_safe(&params.period.label())
        ));
        self.note("export", kind.file_stem(), &params.period.label())?;
        match kind {
            ExportKind::Report => self.export_report_xlsx(request, &path),
            ExportKind::Signed => self.export_roster_xlsx(request, true, &path),
            ExportKind::Unsigned => self.export_roster_xlsx(request, false, &path),
            ExportKind::Audit => self.export_audit_xlsx(request, &path),
        }
    }

    /// Writes the indicator report to an `.xlsx` file.
    pub fn export_report_xlsx(
        &self,
        request: &ReportRequest,
        path: &Path,
    ) -> ApiResult<ExportOutcome> {
        let sheets = self.report_sheets(request)?;
        self.write_sheets(path, &sheets)
    }

    /// Writes the people (or households, or owed occurrences) behind one figure: all of them,
    /// or with `counted` only those in the numerator (`Some(true)`) or outside it
    /// (`Some(false)`: for `contracts_served`, the signed-but-not-served list).
    pub fn export_drill_xlsx(
        &self,
        request: &DrillDownRequest,
        counted: Option<bool>,
        path: &Path,
    ) -> ApiResult<ExportOutcome> {
        let lang = self.lang;
        let view = self.drill_down(request)?;
        self.note("export", &request.indicator, &view.period.label())?;
        let rows: Vec<_> = view
            .rows
            .iter()
            .filter(|r| counted.is_none_or(|c| r.counted == c))
            .collect();
        let which = match counted {
            None => lang.pick("全部", "all"),
            Some(true) => lang.pick("计入分子的", "counted"),
            Some(false) => lang.pick("未计入分子的", "not counted"),
        };
        let f = &view.figure;
        let sheet = Sheet {
            name: f.name.clone(),
            title: vec![
                f.name.clone(),
                f.formula.clone(),
                lang.pick(
                    &format!(
                        "统计期 {}，统计日 {}：{} / {}；本表为{}，共 {} 行",
                        view.period.label(),
                        view.as_of,
                        f.numerator,
                        f.denominator,
                        which,
                        rows.len()
                    ),
                    &format!(
                        "Period {}, as of {}: {} / {}; this sheet: {}, {} rows",
                        view.period.label(),
                        view.as_of,
                        f.numerator,
                        f.denominator,
                        which,
                        rows.len()
                    ),
                )
                .to_string(),
            ],
            headers: [
                lang.pick("计入分子", "counted"),
                lang.pick("村", "village"),
                lang.pick("姓名", "name"),
                lang.pick("协议编号", "agreement"),
                lang.pick("医生", "doctor"),
                lang.pick("服务项目", "item"),
                lang.pick("第几次", "occurrence"),
                lang.pick("截止日", "due by"),
            ]
            .map(String::from)
            .to_vec(),
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        lang.pick(
                            if r.counted { "是" } else { "否" },
                            if r.counted { "yes" } else { "no" },
                        )
                        .into(),
                        r.village.clone().into(),
                        r.name.clone().into(),
                        r.agreement_number.clone().into(),
                        r.doctor.clone().into(),
                        r.item_name.clone().into(),
                        r.occurrence
                            .map(|k| Cell::Int(i64::from(k)))
                            .unwrap_or(Cell::Empty),
                        r.due_by.into(),
                    ]
                })
                .collect(),
            total: None,
        };
        self.write_sheets(path, &[sheet])
    }

    /// Writes the roster of residents signed (or not) on the as-of day.
    pub fn export_roster_xlsx(
        &self,
        request: &ReportRequest,
        signed: bool,
        path: &Path,
    ) -> ApiResult<ExportOutcome> {
        self.require_tool(TownshipTool::RosterExport)?;
        let lang = self.lang;
        let params = self.report_params(request)?;
        let rows = self.roster(request, signed)?;
        let title = if signed {
            lang.pick("已签约居民名册", "Signed residents")
        } else {
            lang.pick("未签约居民名册", "Unsigned residents")
        };
        let headers = [
            lang.pick("村", "village"),
            lang.pick("姓名", "name"),
            lang.pick("身份证号", "ID number"),
            lang.pick("出生日期", "birth date"),
            lang.pick("年龄", "age"),
            lang.pick("人群分类", "groups"),
            lang.pick("协议编号", "agreement"),
            lang.pick("签约医生", "doctor"),
            lang.pick("团队", "team"),
            lang.pick("签约开始", "term start"),
            lang.pick("签约截止", "covered until"),
        ]
        .map(String::from)
        .to_vec();
        let sheet = Sheet {
            name: title.into(),
            title: vec![
                title.to_string(),
                lang.pick(
                    &format!("统计日：{}　共 {} 人", params.as_of(), rows.len()),
                    &format!("As of {}: {} residents", params.as_of(), rows.len()),
                )
                .to_string(),
            ],
            headers,
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.village.clone().into(),
                        r.name.clone().into(),
                        r.id_number.clone().into(),
                        r.birth_date.into(),
                        r.age
                            .map(|a| Cell::Int(i64::from(a)))
                            .unwrap_or(Cell::Empty),
                        r.groups.clone().into(),
                        r.agreement_number.clone().into(),
                        r.doctor.clone().into(),
                        r.team.clone().into(),
                        r.term_start.into(),
                        r.term_end.into(),
                    ]
                })
                .collect(),
            total: None,
        };
        self.write_sheets(path, &[sheet])
    }

    /// Writes the audit list: signed residents with contract, doctor, items due and delivered.
    pub fn export_audit_xlsx(
        &self,
        request: &ReportRequest,
        path: &Path,
    ) -> ApiResult<ExportOutcome> {
        self.require_tool(TownshipTool::RosterExport)?;
        let lang = self.lang;
        let params = self.report_params(request)?;
        let rows = self.audit_list(request)?;
        let due: u32 = rows.iter().map(|r| r.items_due).sum();
        let delivered: u32 = rows.iter().map(|r| r.items_delivered).sum();
        let rate = |d: u32, n: u32| (n > 0).then(|| f64::from(d) / f64::from(n));
        let headers = [
            lang.pick("协议编号", "agreement"),
            lang.pick("村", "village"),
            lang.pick("姓名", "name"),
            lang.pick("身份证号", "ID number"),
            lang.pick("团队", "team"),
            lang.pick("签约医生", "doctor"),
            lang.pick("签约开始", "term start"),
            lang.pick("签约截止", "covered until"),
            lang.pick("期内应履约项次", "due in period"),
            lang.pick("已履约项次", "delivered"),
            lang.pick("履约率", "fulfilment"),
            lang.pick("服务项目（已完成/应完成）", "items (delivered/due)"),
        ]
        .map(String::from)
        .to_vec();
        let mut total = vec![Cell::Text(lang.pick("合计", "total").into())];
        total.extend(std::iter::repeat_n(Cell::Empty, 7));
        total.extend([
            Cell::Int(i64::from(due)),
            Cell::Int(i64::from(delivered)),
            Cell::Rate(rate(delivered, due)),
            Cell::Empty,
        ]);
        let title = lang.pick("签约履约核查清单", "Audit list");
        let sheet = Sheet {
            name: title.into(),
            title: vec![
                title.to_string(),
                lang.pick(
                    &format!(
                        "统计期：{} 至 {}　统计日：{}",
                        params.period.start,
                        params.period.end,
                        params.as_of()
                    ),
                    &format!(
                        "Period: {} to {}   As of: {}",
                        params.period.start,
                        params.period.end,
                        params.as_of()
                    ),
                )
                .to_string(),
            ],
            headers,
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.agreement_number.clone().into(),
                        r.village.clone().into(),
                        r.name.clone().into(),
                        r.id_number.clone().into(),
                        r.team.clone().into(),
                        r.doctor.clone().into(),
                        Cell::Date(r.term_start),
                        Cell::Date(r.term_end),
                        Cell::Int(i64::from(r.items_due)),
                        Cell::Int(i64::from(r.items_delivered)),
                        Cell::Rate(rate(r.items_delivered, r.items_due)),
                        r.items.clone().into(),
                    ]
                })
                .collect(),
            total: Some(total),
        };
        self.write_sheets(path, &[sheet])
    }
}
