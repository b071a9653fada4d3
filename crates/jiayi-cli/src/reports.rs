//! `jiayi report` and `jiayi targets`: the township's indicators in the terminal or in Excel.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use jiayi_api::{Api, ApiError, DrillDownRequest, DrillDownView, ReportRequest, ReportView};
use jiayi_core::Lang;
use jiayi_core::indicators::{Level, Targets};

use crate::{output, print_json};

#[derive(Clone, Copy, ValueEnum)]
pub enum LevelArg {
    Township,
    Village,
    Team,
    Doctor,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Township => Level::Township,
            LevelArg::Village => Level::Village,
            LevelArg::Team => Level::Team,
            LevelArg::Doctor => Level::Doctor,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ListArg {
    /// Residents signed on the as-of day.
    Signed,
    /// Residents not signed on the as-of day.
    Unsigned,
    /// Signed residents with contract, doctor, items due and delivered.
    Audit,
}

#[derive(Args)]
pub struct ReportArgs {
    /// 2026, 2026-11, 2026-Q4 or 2026-01-01..2026-06-30 (default: this month).
    #[arg(long)]
    period: Option<String>,
    #[arg(long, value_enum, default_value_t = LevelArg::Village)]
    level: LevelArg,
    /// The day the report is made (default: today); nothing after it is counted.
    #[arg(long)]
    date: Option<NaiveDate>,
    /// Show who is behind one indicator (e.g. signing, signing.elderly_65, fulfilment).
    #[arg(long)]
    indicator: Option<String>,
    /// With --indicator: one row of the level (village, team or doctor name, or id).
    #[arg(long)]
    unit: Option<String>,
    /// With --indicator: only those outside the numerator (with contracts_served, the
    /// households signed but not served, 只签不约).
    #[arg(long, requires = "indicator")]
    misses: bool,
    /// A list instead of the indicators.
    #[arg(long, value_enum)]
    list: Option<ListArg>,
    /// Write an Excel workbook instead of printing.
    #[arg(long)]
    xlsx: Option<PathBuf>,
    /// Print each indicator's formula under it.
    #[arg(long)]
    formulas: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct TargetsArgs {
    /// KEY=VALUE, a fraction or a percentage (fulfilment=0.92, signing=35%, control=none).
    #[arg(long)]
    set: Vec<String>,
    /// Back to the county plans' defaults.
    #[arg(long)]
    reset: bool,
    #[arg(long)]
    json: bool,
}

pub fn report(api: &Api, args: ReportArgs, lang: Lang) -> Result<(), ApiError> {
    let request = ReportRequest {
        period: args.period.clone(),
        level: Some(args.level.into()),
        reference: args.date,
    };
    if let Some(list) = args.list {
        return lists(api, &request, list, args.xlsx, args.json, lang);
    }
    if let Some(indicator) = args.indicator {
        let unit = match args.unit.as_deref() {
            None => None,
            Some(text) => find_unit(api, &request, text, lang)?,
        };
        let drill = DrillDownRequest {
            report: request,
            indicator,
            unit,
            unassigned: false,
        };
        let counted = args.misses.then_some(false);
        if let Some(path) = args.xlsx {
            let written = api.export_drill_xlsx(&drill, counted, &path)?;
            return output(args.json, &written, || rows_written(&written, lang));
        }
        let mut view = api.drill_down(&drill)?;
        if let Some(counted) = counted {
            view.rows.retain(|r| r.counted == counted);
        }
        return output(args.json, &view, || render_drill(&view, lang));
    }
    if let Some(path) = args.xlsx {
        let written = api.export_report_xlsx(&request, &path)?;
        return output(args.json, &written, || {
            lang.pick(
                &format!(
                    "已导出：{}（{} 个工作表）",
                    written.path.display(),
                    written.sheets
                ),
                &format!(
                    "written: {} ({} sheets)",
                    written.path.display(),
                    written.sheets
                ),
            )
            .to_string()
        });
    }
    let view = api.report(&request)?;
    output(args.json, &view, || {
        render_report(&view, args.formulas, lang)
    })
}

fn lists(
    api: &Api,
    request: &ReportRequest,
    list: ListArg,
    xlsx: Option<PathBuf>,
    json: bool,
    lang: Lang,
) -> Result<(), ApiError> {
    if let Some(path) = xlsx {
        let written = match list {
            ListArg::Signed => api.export_roster_xlsx(request, true, &path)?,
            ListArg::Unsigned => api.export_roster_xlsx(request, false, &path)?,
            ListArg::Audit => api.export_audit_xlsx(request, &path)?,
        };
        return output(json, &written, || rows_written(&written, lang));
    }
    match list {
        ListArg::Signed | ListArg::Unsigned => {
            let rows = api.roster(request, matches!(list, ListArg::Signed))?;
            output(json, &rows, || {
                let mut out = String::new();
                for r in &rows {
                    out.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}\t{}\n",
                        r.village,
                        r.name,
                        r.id_number.as_deref().unwrap_or("-"),
                        r.groups,
                        r.agreement_number.as_deref().unwrap_or("-"),
                        r.doctor.as_deref().unwrap_or("-"),
                    ));
                }
                out.push_str(lang.pick(
                    &format!("共 {} 人", rows.len()),
                    &format!("{} residents", rows.len()),
                ));
                out
            })
        }
        ListArg::Audit => {
            let rows = api.audit_list(request)?;
            output(json, &rows, || {
                let mut out = String::new();
                for r in &rows {
                    out.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}/{}\t{}\n",
                        r.agreement_number,
                        r.village,
                        r.name,
                        r.doctor,
                        r.items_delivered,
                        r.items_due,
                        r.items
                    ));
                }
                out.push_str(lang.pick(
                    &format!("共 {} 人", rows.len()),
                    &format!("{} residents", rows.len()),
                ));
                out
            })
        }
    }
}

/// A row of the level by name, code or id.
fn find_unit(
    api: &Api,
    request: &ReportRequest,
    text: &str,
    lang: Lang,
) -> Result<Option<uuid::Uuid>, ApiError> {
    let view = api.report(request)?;
    view.rows
        .iter()
        .find(|r| {
            r.name == text.trim()
                || (!r.code.is_empty() && r.code == text.trim())
                || r.id.is_some_and(|id| id.to_string() == text.trim())
        })
        .map(|r| r.id)
        .ok_or_else(|| {
            ApiError::invalid(
                "not_found",
                &format!("本级别没有“{text}”这一行"),
                &format!("no row '{text}' at this level"),
            )
            .localised(lang)
        })
}

/// "written: FILE (N rows)" for a list or drill-down workbook.
fn rows_written(written: &jiayi_api::ExportOutcome, lang: Lang) -> String {
    lang.pick(
        &format!("已导出：{}（{} 行）", written.path.display(), written.rows),
        &format!(
            "written: {} ({} rows)",
            written.path.display(),
            written.rows
        ),
    )
    .to_string()
}

pub fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// Width of a text in terminal columns (CJK characters take two).
fn width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn pad(text: &str, to: usize) -> String {
    format!("{text}{}", " ".repeat(to.saturating_sub(width(text))))
}

/// The columns of the per-row table: the figures the township watches most.
const MAIN: [&str; 11] = [
    "signing",
    "signing_households",
    "signing_key_groups",
    "fulfilment",
    "hypertension_standard_management",
    "hypertension_control",
    "diabetes_standard_management",
    "diabetes_control",
    "elderly_health_management",
    "renewal",
    "contracts_served",
];

fn render_report(view: &ReportView, formulas: bool, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(lang.pick(
        &format!(
            "{} 统计期 {}（{} 至 {}），统计日 {}\n\n",
            view.township, view.period_label, view.period.start, view.period.end, view.as_of
        ),
        &format!(
            "{} period {} ({} to {}), as of {}\n\n",
            view.township, view.period_label, view.period.start, view.period.end, view.as_of
        ),
    ));
    let name_width = view
        .total
        .figures
        .iter()
        .map(|f| width(&f.name))
        .max()
        .unwrap_or(10);
    for f in &view.total.figures {
        let mark = match f.met {
            Some(true) => "✓",
            Some(false) => "✗",
            None => " ",
        };
        let target = f
            .target
            .map(|t| format!("{} {}", lang.pick("目标", "target"), percent(Some(t))))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}  {:>7}  {:>6}/{:<6} {mark} {target}\n",
            pad(&f.name, name_width),
            percent(f.rate),
            f.numerator,
            f.denominator,
        ));
        if formulas {
            out.push_str(&format!("    {}\n", f.formula));
        }
    }
    out.push_str(&format!(
        "{}  {}\n",
        pad(lang.pick("服务人次", "services delivered"), name_width),
        view.total.services
    ));
    if view.rows.is_empty() {
        return out;
    }
    out.push('\n');
    let label_width = view
        .rows
        .iter()
        .map(|r| width(&r.name))
        .chain([width(&view.total.name)])
        .max()
        .unwrap_or(8);
    let header: Vec<String> = MAIN
        .iter()
        .filter_map(|code| view.total.figure(code).map(|f| f.name.clone()))
        .collect();
    out.push_str(&pad(view.level.label(lang), label_width));
    for i in 1..=header.len() {
        out.push_str(&format!(" {:>6}", format!("[{i}]")));
    }
    // The residents each row answers for and the services it delivered (at the doctor level,
    // by who served).
    out.push_str(&format!(" {:>7} {:>7}\n", "[R]", "[S]"));
    for row in view.rows.iter().chain([&view.total]) {
        out.push_str(&pad(&row.name, label_width));
        for code in MAIN {
            let rate = row.figure(code).and_then(|f| f.rate);
            out.push_str(&format!(" {:>6}", percent(rate)));
        }
        let residents = row.figure("signing").map_or(0, |f| f.denominator);
        out.push_str(&format!(" {residents:>7} {:>7}\n", row.services));
    }
    out.push('\n');
    for (i, name) in header.iter().enumerate() {
        out.push_str(&format!("[{}] {name}\n", i + 1));
    }
    out.push_str(lang.pick(
        "[R] 负责的在册居民数\n[S] 服务人次（按医生统计时按实际服务人员）\n",
        "[R] residents on the register answered for\n[S] services delivered (per team member: by who served)\n",
    ));
    out
}

fn render_drill(view: &DrillDownView, lang: Lang) -> String {
    let mut out = format!(
        "{}  {}  {}/{}\n{}\n\n",
        view.figure.name,
        percent(view.figure.rate),
        view.figure.numerator,
        view.figure.denominator,
        view.figure.formula
    );
    for r in &view.rows {
        let mark = if r.counted { "✓" } else { "✗" };
        let item = match (&r.item_name, r.occurrence, r.due_by) {
            (Some(name), Some(k), Some(due)) => {
                format!("\t{name} #{k} {} {due}", lang.pick("截止", "due"))
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "{mark} {}\t{}\t{}\t{}{item}\n",
            r.village,
            r.name,
            r.agreement_number.as_deref().unwrap_or("-"),
            r.doctor.as_deref().unwrap_or("-"),
        ));
    }
    out
}

pub fn targets(api: &mut Api, args: TargetsArgs, lang: Lang) -> Result<(), ApiError> {
    let mut targets = if args.reset {
        Targets::default()
    } else {
        api.indicator_targets()?
    };
    for pair in &args.set {
        let bad = || {
            ApiError::invalid(
                "bad_target",
                &format!(
                    "无法识别“{pair}”：应为 键=值，值为 0 到 1 的小数、百分数或 none；键为 {}",
                    Targets::KEYS.join("、")
                ),
                &format!(
                    "cannot read '{pair}': use KEY=VALUE with a fraction 0..1, a percentage or none; keys: {}",
                    Targets::KEYS.join(", ")
                ),
            )
            .localised(lang)
        };
        let (key, value) = pair.split_once('=').ok_or_else(bad)?;
        let value = value.trim();
        let parsed = if value.eq_ignore_ascii_case("none") {
            None
        } else if let Some(p) = value.strip_suffix('%') {
            Some(p.trim().parse::<f64>().map_err(|_| bad())? / 100.0)
        } else {
            Some(value.parse::<f64>().map_err(|_| bad())?)
        };
        if !targets.set(key, parsed) {
            return Err(bad());
        }
    }
    if args.reset || !args.set.is_empty() {
        targets = api.set_indicator_targets(&targets)?;
    }
    if args.json {
        print_json(&targets);
        return Ok(());
    }
    for key in Targets::KEYS {
        let value = targets.get(key).flatten();
        println!("{key:<28} {}", percent(value));
    }
    Ok(())
}

#[derive(Args)]
pub struct ImportArgs {
    /// The roster (.xlsx; .xls and .ods are read too).
    file: PathBuf,
    /// The sheet to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// The header row as Excel numbers it (default: found from the column names).
    #[arg(long)]
    header_row: Option<u32>,
    /// Column=field overrides, e.g. "户主=head_name,C=phone,备注=ignore". Repeatable.
    #[arg(long)]
    mapping: Vec<String>,
    /// The village of every row, when the file has no village column.
    #[arg(long)]
    village: Option<String>,
    /// Import the households without errors and leave the others out.
    #[arg(long)]
    skip_invalid: bool,
    /// Import after the checks (without it, only the preview and the report are shown).
    /// Leave out the members with errors and import the rest of their households.
    #[arg(long)]
    skip_invalid_members: bool,
    /// A township's own vocabulary of headers and group words (the form of
    /// assets/import/columns.toml), tried before the shipped one.
    #[arg(long)]
    vocabulary: Option<PathBuf>,
    #[arg(long)]
    yes: bool,
    #[arg(long)]
    json: bool,
}

pub fn import(api: &mut Api, args: ImportArgs, lang: Lang) -> Result<(), ApiError> {
    let mut mapping = std::collections::BTreeMap::new();
    for pair in args.mapping.iter().flat_map(|m| m.split([',', '，'])) {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (column, field) = pair.split_once('=').ok_or_else(|| {
            ApiError::invalid(
                "bad_mapping",
                &format!("无法识别映射“{pair}”，应为 列=字段"),
                &format!("cannot read the mapping '{pair}': use COLUMN=FIELD"),
            )
            .localised(lang)
        })?;
        mapping.insert(column.trim().to_string(), field.trim().to_string());
    }
    let request = jiayi_api::ImportRequest {
        path: args.file,
        sheet: args.sheet,
        header_row: args.header_row,
        mapping,
        village: args.village,
        skip_invalid: args.skip_invalid,
        skip_invalid_members: args.skip_invalid_members,
        vocabulary: args.vocabulary,
        expected_sha256: None,
    };
    if !args.yes {
        let preview = api.preview_import(&request)?;
        output(args.json, &preview, || render_preview(&preview, lang))?;
        if !preview.can_import {
            return Err(ApiError::invalid(
                "import_refused",
                "有错误，未导入。请修改文件，或加 --skip-invalid-members 跳过有错误的成员、--skip-invalid 跳过有错误的户",
                "there are errors; nothing imported. Fix the file, or add --skip-invalid-members to leave out the members with errors, --skip-invalid to leave out the households with errors",
            )
            .localised(lang));
        }
        eprintln!(
            "{}",
            lang.pick(
                "以上为预览，尚未导入。确认无误后加 --yes 导入。",
                "This is a preview; nothing was imported. Add --yes to import.",
            )
        );
        return Ok(());
    }
    let mut last = 0usize;
    let outcome = api.import_roster(&request, &mut |p| {
        // A line per tenth, on stderr, so that scripts reading stdout are not disturbed.
        if p.stage == jiayi_api::ImportStage::Writing && p.total > 0 {
            let tenth = p.done * 10 / p.total;
            if tenth > last {
                last = tenth;
                eprintln!("{}%", tenth * 10);
            }
        }
    });
    match outcome {
        Ok(outcome) => output(args.json, &outcome, || {
            let mut out = render_preview(&outcome.preview, lang);
            out.push_str(lang.pick(
                &format!(
                    "\n已导入 {} 户 {} 人；跳过 {} 户",
                    outcome.households, outcome.residents, outcome.skipped_households
                ),
                &format!(
                    "\nimported {} households, {} residents; {} households left out",
                    outcome.households, outcome.residents, outcome.skipped_households
                ),
            ));
            out
        }),
        Err(e) => {
            if e.code == "import_refused" {
                let preview = api.preview_import(&request)?;
                output(args.json, &preview, || render_preview(&preview, lang))?;
            }
            Err(e)
        }
    }
}

fn render_preview(p: &jiayi_api::ImportPreview, lang: Lang) -> String {
    let mut out = lang.pick(
        &format!(
            "工作表“{}”，表头在第 {} 行；{} 行数据，{} 户 {} 人；可导入 {} 户 {} 人；错误 {}，提示 {}\n\n列映射：\n",
            p.sheet,
            p.header_row,
            p.rows,
            p.households,
            p.residents,
            p.importable_households,
            p.importable_residents,
            p.errors,
            p.warnings
        ),
        &format!(
            "sheet '{}', header on row {}; {} rows, {} households, {} residents; importable {} households, {} residents; {} errors, {} warnings\n\ncolumns:\n",
            p.sheet,
            p.header_row,
            p.rows,
            p.households,
            p.residents,
            p.importable_households,
            p.importable_residents,
            p.errors,
            p.warnings
        ),
    )
    .to_string();
    for c in &p.columns {
        let field = match (&c.field, &c.field_label) {
            (Some(f), Some(label)) => format!(
                "{} ({label})",
                serde_json::to_value(f)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("")
            ),
            _ => lang.pick("（不导入）", "(not imported)").to_string(),
        };
        let mark = if c.overridden { " *" } else { "" };
        out.push_str(&format!(
            "  {} {:<12} → {field}{mark}\n",
            c.letter, c.header
        ));
    }
    if !p.issues.is_empty() {
        out.push_str(lang.pick("\n逐行检查：\n", "\nrow by row:\n"));
        for i in &p.issues {
            let level = match i.severity {
                jiayi_api::Severity::Error => lang.pick("错误", "error"),
                jiayi_api::Severity::Warning => lang.pick("提示", "warning"),
            };
            let colon = lang.pick("：", ": ");
            out.push_str(&format!("  {level} {}{colon}{}\n", i.place, i.message));
        }
    }
    if !p.skipped_rows.is_empty() {
        out.push_str(lang.pick("\n跳过的行：\n", "\nrows skipped:\n"));
        for r in &p.skipped_rows {
            let row = lang
                .pick(&format!("第 {} 行", r.row), &format!("row {}", r.row))
                .to_string();
            out.push_str(&format!("  {row} {} [{}]\n", r.message, r.text));
        }
    }
    out
}
