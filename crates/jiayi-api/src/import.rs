//! Importing household rosters (台账) from Excel: guess which column is which from the
//! Chinese headers (overridable), check every row with the same rules as the registration
//! form, find duplicates in the file and in the store, and import only when confirmed — all
//! households in one transaction, through the store's register path (with outbox rows).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use jiayi_core::CoreError;
use jiayi_core::agreement::sha256_hex;
use jiayi_core::household::{HouseholdInput, ResidentInput, ValidHousehold};
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use jiayi_store::NewHousehold;
use serde::{Deserialize, Serialize};

use crate::{Api, ApiError, ApiResult};

/// What a column holds.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    HeadName,
    Name,
    IdNumber,
    Sex,
    BirthDate,
    Phone,
    Relation,
    Village,
    Group,
    Address,
    Groups,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::HeadName,
        Field::Name,
        Field::IdNumber,
        Field::Sex,
        Field::BirthDate,
        Field::Phone,
        Field::Relation,
        Field::Village,
        Field::Group,
        Field::Address,
        Field::Groups,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Field::HeadName => "head_name",
            Field::Name => "name",
            Field::IdNumber => "id_number",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::Phone => "phone",
            Field::Relation => "relation",
            Field::Village => "village",
            Field::Group => "group",
            Field::Address => "address",
            Field::Groups => "groups",
        }
    }

    pub fn from_code(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code.trim())
    }

    pub fn label(self, lang: jiayi_core::Lang) -> &'static str {
        let (zh, en) = match self {
            Field::HeadName => ("户主姓名", "head of household"),
            Field::Name => ("姓名", "name"),
            Field::IdNumber => ("身份证号", "ID number"),
            Field::Sex => ("性别", "sex"),
            Field::BirthDate => ("出生日期", "birth date"),
            Field::Phone => ("联系电话", "phone"),
            Field::Relation => ("与户主关系", "relation to the head"),
            Field::Village => ("村", "village"),
            Field::Group => ("组", "villager group"),
            Field::Address => ("住址", "address"),
            Field::Groups => ("人群分类", "population groups"),
        };
        lang.pick(zh, en)
    }
}

/// Header spellings seen on rosters, most specific first.
const HEADERS: [(&str, Field); 40] = [
    ("户主姓名", Field::HeadName),
    ("户主", Field::HeadName),
    ("head", Field::HeadName),
    ("与户主关系", Field::Relation),
    ("家庭关系", Field::Relation),
    ("关系", Field::Relation),
    ("relation", Field::Relation),
    ("身份证号码", Field::IdNumber),
    ("公民身份号码", Field::IdNumber),
    ("身份证号", Field::IdNumber),
    ("证件号码", Field::IdNumber),
    ("身份证", Field::IdNumber),
    ("idnumber", Field::IdNumber),
    ("成员姓名", Field::Name),
    ("居民姓名", Field::Name),
    ("姓名", Field::Name),
    ("name", Field::Name),
    ("性别", Field::Sex),
    ("sex", Field::Sex),
    ("出生日期", Field::BirthDate),
    ("出生年月", Field::BirthDate),
    ("生日", Field::BirthDate),
    ("birthdate", Field::BirthDate),
    ("联系电话", Field::Phone),
    ("电话", Field::Phone),
    ("手机", Field::Phone),
    ("联系方式", Field::Phone),
    ("phone", Field::Phone),
    ("行政村", Field::Village),
    ("村名", Field::Village),
    ("村", Field::Village),
    ("village", Field::Village),
    ("村民小组", Field::Group),
    ("组", Field::Group),
    ("group", Field::Group),
    ("住址", Field::Address),
    ("地址", Field::Address),
    ("address", Field::Address),
    ("人群分类", Field::Groups),
    ("人群", Field::Groups),
];

fn normalise_header(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !"*＊:：_-()（）".contains(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field a header names, if it is recognised: an exact spelling first, then a header
/// that contains one ("家庭住址" is an address).
pub fn guess_field(header: &str) -> Option<Field> {
    let h = normalise_header(header);
    if h.is_empty() {
        return None;
    }
    HEADERS
        .iter()
        .find(|(name, _)| h == *name)
        .or_else(|| HEADERS.iter().find(|(name, _)| h.contains(name)))
        .map(|(_, f)| *f)
}

/// Which file to read and how. Only `path` is required.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportRequest {
    pub path: PathBuf,
    /// The sheet's name; the first sheet when empty.
    pub sheet: Option<String>,
    /// The header row as Excel numbers it (1-based); found when empty.
    pub header_row: Option<u32>,
    /// Overrides of the guessed mapping: column (header text, letter like "C", or 1-based
    /// number) → field code (`name`, `id_number`, …) or `ignore`.
    pub mapping: BTreeMap<String, String>,
    /// The village of every row when the file has no village column.
    pub village: Option<String>,
    /// Import the households without errors and leave the others out. Without it, any error
    /// stops the import.
    pub skip_invalid: bool,
    /// The file's SHA-256 from the preview: the import is refused if the file changed since.
    pub expected_sha256: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnView {
    /// 0-based position.
    pub index: usize,
    /// Excel's letter (A, B, … AA).
    pub letter: String,
    pub header: String,
    pub field: Option<Field>,
    pub field_label: Option<String>,
    /// Chosen by an override rather than guessed.
    pub overridden: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The household cannot be imported.
    Error,
    /// Imported, but worth a look (e.g. someone of the same name and birth date exists).
    Warning,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowIssue {
    /// The row as Excel numbers it; none for problems with the whole file.
    pub row: Option<u32>,
    /// The column's header, when the problem is in one cell.
    pub column: Option<String>,
    pub severity: Severity,
    pub code: String,
    pub message: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HouseholdPreview {
    pub village: String,
    pub address: String,
    pub head: String,
    pub members: usize,
    /// Excel row numbers of its members.
    pub rows: Vec<u32>,
    pub importable: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub file_sha256: String,
    pub sheet: String,
    pub header_row: u32,
    pub columns: Vec<ColumnView>,
    pub rows: usize,
    pub households: usize,
    pub residents: usize,
    pub importable_households: usize,
    pub importable_residents: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Row by row, in file order.
    pub issues: Vec<RowIssue>,
    pub household_list: Vec<HouseholdPreview>,
    /// Whether confirming would import (no errors, or `skip_invalid` and something valid).
    pub can_import: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    pub imported: bool,
    pub households: usize,
    pub residents: usize,
    pub skipped_households: usize,
    pub preview: ImportPreview,
}

/// Progress of an import, for a progress bar.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub stage: ImportStage,
    pub done: usize,
    pub total: usize,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStage {
    Reading,
    Checking,
    Writing,
    Done,
}

fn column_letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (index % 26) as u8) as char);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.iter().rev().collect()
}

pub fn parse_sex(text: &str) -> Option<Sex> {
    match text.trim().to_lowercase().as_str() {
        "男" | "男性" | "m" | "male" | "1" => Some(Sex::Male),
        "女" | "女性" | "f" | "female" | "2" => Some(Sex::Female),
        _ => None,
    }
}

/// The relation as rosters spell it; anything unknown is "other".
pub fn parse_relation(text: &str) -> Relation {
    let t = text.trim().to_lowercase();
    let any = |list: &[&str]| list.iter().any(|w| t == *w);
    let has = |list: &[&str]| list.iter().any(|w| t.contains(w));
    if any(&["户主", "本人", "head", "self"]) {
        Relation::Head
    } else if any(&[
        "配偶", "妻", "妻子", "夫", "丈夫", "spouse", "wife", "husband",
    ]) {
        Relation::Spouse
    } else if has(&["儿媳", "女婿", "媳"]) || t == "child_in_law" {
        Relation::ChildInLaw
    } else if has(&["孙", "grandchild"]) {
        Relation::Grandchild
    } else if has(&["公公", "婆婆", "岳父", "岳母"]) || t == "parent_in_law" {
        Relation::ParentInLaw
    } else if has(&[
        "祖父",
        "祖母",
        "爷爷",
        "奶奶",
        "外公",
        "外婆",
        "grandparent",
    ]) {
        Relation::Grandparent
    } else if has(&["父", "母", "parent"]) {
        Relation::Parent
    } else if has(&["子", "女", "儿", "child"]) {
        Relation::Child
    } else if has(&["兄", "弟", "姐", "妹", "sibling"]) {
        Relation::Sibling
    } else {
        Relation::Other
    }
}

/// Population groups as rosters write them, separated by 、 , ; / or spaces. Age groups
/// and "general" are dropped (they follow from the birth date); unknown words are returned.
pub fn parse_groups(text: &str) -> (Vec<String>, Vec<String>) {
    let mut codes = Vec::new();
    let mut unknown = Vec::new();
    for word in text
        .split(|c: char| "、,，;；/ 　|".contains(c))
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let group = if let Some(g) = PopulationGroup::from_code(word) {
            Some(g)
        } else {
            let table: [(&[&str], Option<PopulationGroup>); 14] = [
                (&["普通", "一般", "无"], None),
                (&["老年", "65"], Some(PopulationGroup::Elderly65)),
                (&["儿童", "0-6"], Some(PopulationGroup::Child0To6)),
                (&["孕"], Some(PopulationGroup::Pregnant)),
                (&["产妇", "产后"], Some(PopulationGroup::Postpartum)),
                (&["高血压"], Some(PopulationGroup::Hypertension)),
                (&["糖尿病"], Some(PopulationGroup::Diabetes)),
                (&["精神"], Some(PopulationGroup::SevereMental)),
                (&["结核"], Some(PopulationGroup::Tuberculosis)),
                (&["残疾"], Some(PopulationGroup::Disabled)),
                (
                    &["贫困", "脱贫", "建档立卡", "监测户"],
                    Some(PopulationGroup::PovertyRegistered),
                ),
                (&["低保", "特困"], Some(PopulationGroup::LowIncome)),
                (
                    &["计生", "计划生育", "特扶"],
                    Some(PopulationGroup::FamilyPlanningSpecial),
                ),
                (&["独居", "空巢"], Some(PopulationGroup::LivingAlone)),
            ];
            match table
                .iter()
                .find(|(words, _)| words.iter().any(|w| word.contains(w)))
            {
                Some((_, g)) => *g,
                None if word.contains("卧床") => Some(PopulationGroup::Bedridden),
                None => {
                    unknown.push(word.to_string());
                    continue;
                }
            }
        };
        if let Some(g) = group
            && !g.is_derived()
            && !codes.contains(&g.code().to_string())
        {
            codes.push(g.code().to_string());
        }
    }
    (codes, unknown)
}

/// A row of the sheet with the fields it holds.
struct RosterRow {
    excel_row: u32,
    cells: HashMap<Field, String>,
}

impl RosterRow {
    fn get(&self, field: Field) -> &str {
        self.cells.get(&field).map(String::as_str).unwrap_or("")
    }
}

/// A household as read from the file, with its rows and checks.
struct Draft {
    key: String,
    village: String,
    rows: Vec<RosterRow>,
    valid: Option<ValidHousehold>,
    village_id: Option<uuid::Uuid>,
    errors: bool,
}

/// What preview and import share: the checked households.
struct Checked {
    preview: ImportPreview,
    drafts: Vec<Draft>,
}

impl Api {
    fn issue(
        &self,
        row: Option<u32>,
        column: Option<&str>,
        severity: Severity,
        code: &str,
        zh: &str,
        en: &str,
    ) -> RowIssue {
        RowIssue {
            row,
            column: column.map(str::to_string),
            severity,
            code: code.to_string(),
            message: self.lang.pick(zh, en).to_string(),
        }
    }

    fn core_issue(&self, row: Option<u32>, column: Option<&str>, e: CoreError) -> RowIssue {
        RowIssue {
            row,
            column: column.map(str::to_string),
            severity: Severity::Error,
            code: e.code().to_string(),
            message: e.message(self.lang),
        }
    }

    /// People already registered: the same ID number stops the household; the same name
    /// and birth date in the village is a warning.
    #[allow(clippy::too_many_arguments)]
    fn store_duplicates(
        &self,
        village_id: uuid::Uuid,
        village: &str,
        member: &jiayi_core::household::ValidResident,
        row: Option<u32>,
        issues: &mut Vec<RowIssue>,
        errors: &mut bool,
        header_of: &dyn Fn(Field) -> Option<String>,
    ) -> ApiResult<()> {
        let one = ValidHousehold {
            village: village.to_string(),
            group: String::new(),
            address: String::new(),
            members: vec![member.clone()],
        };
        let matches = self
            .store
            .find_duplicates(village_id, &one)
            .map_err(|e| self.fail(e))?;
        for m in matches {
            match m.reason {
                jiayi_store::DuplicateReason::SameIdNumber => {
                    *errors = true;
                    issues.push(self.issue(
                        row,
                        header_of(Field::IdNumber).as_deref(),
                        Severity::Error,
                        "already_registered",
                        &format!("已登记：{}（{}）", m.name, m.village),
                        &format!("already registered: {} ({})", m.name, m.village),
                    ));
                }
                jiayi_store::DuplicateReason::SameNameAndBirthDate => {
                    issues.push(self.issue(
                        row,
                        header_of(Field::Name).as_deref(),
                        Severity::Warning,
                        "possible_duplicate",
                        &format!("本村已有同名、同出生日期的居民：{}", m.name),
                        &format!(
                            "someone of the same name and birth date lives in the village: {}",
                            m.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Keeps a roster the user picked in the app (its bytes, as the window read them) in `dir`,
    /// so the preview and the import read the same file. Only `.xlsx` files are taken; the
    /// name keeps its letters and digits.
    pub fn stage_import_file(&self, name: &str, bytes: &[u8], dir: &Path) -> ApiResult<PathBuf> {
        const MAX_BYTES: usize = 64 * 1024 * 1024;
        let Some((stem, "xlsx" | "XLSX" | "Xlsx")) = name.rsplit_once('.') else {
            return Err(self.fail(ApiError::invalid(
                "not_xlsx",
                "请选择 .xlsx 格式的 Excel 文件（旧的 .xls 请先另存为 .xlsx）",
                "choose an Excel .xlsx file (save an old .xls as .xlsx first)",
            )));
        };
        if bytes.is_empty() || bytes.len() > MAX_BYTES {
            return Err(self.fail(ApiError::invalid(
                "bad_file_size",
                "文件为空或超过 64 MB",
                "the file is empty or larger than 64 MB",
            )));
        }
        let safe: String = stem
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        let path = dir.join(format!("{safe}.xlsx"));
        let io = |e: std::io::Error| {
            self.fail(ApiError::invalid(
                "write_failed",
                &format!("无法保存文件 {}：{e}", path.display()),
                &format!("cannot keep {}: {e}", path.display()),
            ))
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::write(&path, bytes).map_err(io)?;
        Ok(path)
    }

    /// Reads and checks a roster without writing anything.
    pub fn preview_import(&self, request: &ImportRequest) -> ApiResult<ImportPreview> {
        self.preview_import_with_progress(request, &mut |_| {})
    }

    /// The preview, reporting progress while the rows are checked (large rosters).
    pub fn preview_import_with_progress(
        &self,
        request: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> ApiResult<ImportPreview> {
        Ok(self.check_roster(request, progress)?.preview)
    }

    /// Imports a roster after the preview was confirmed: every importable household in one
    /// transaction, or nothing. `progress` is called while checking and writing.
    pub fn import_roster(
        &mut self,
        request: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> ApiResult<ImportOutcome> {
        let checked = self.check_roster(request, progress)?;
        if let Some(expected) = request.expected_sha256.as_deref()
            && !expected.eq_ignore_ascii_case(&checked.preview.file_sha256)
        {
            return Err(self.fail(ApiError::invalid(
                "file_changed",
                "文件在预览之后被修改过，请重新预览后再导入",
                "the file changed after the preview; preview it again before importing",
            )));
        }
        let preview = checked.preview;
        if !preview.can_import {
            let (zh, en) = if preview.errors > 0 {
                (
                    format!(
                        "有 {} 处错误，未导入任何数据。请修改文件，或选择只导入无误的户",
                        preview.errors
                    ),
                    format!(
                        "{} errors: nothing was imported. Fix the file, or choose to import only the households without errors",
                        preview.errors
                    ),
                )
            } else {
                (
                    "文件中没有可导入的户".to_string(),
                    "the file has no household to import".to_string(),
                )
            };
            return Err(self.fail(ApiError::invalid("import_refused", &zh, &en)));
        }
        let valid: Vec<(uuid::Uuid, &ValidHousehold)> = checked
            .drafts
            .iter()
            .filter(|d| !d.errors)
            .filter_map(|d| Some((d.village_id?, d.valid.as_ref()?)))
            .collect();
        let news: Vec<NewHousehold<'_>> = valid
            .iter()
            .map(|(village_id, household)| NewHousehold {
                village_id: *village_id,
                household,
            })
            .collect();
        let now = self.now();
        let total = news.len();
        let records = self
            .store
            .register_households(&news, now, &mut |done, total| {
                progress(ImportProgress {
                    stage: ImportStage::Writing,
                    done,
                    total,
                })
            })
            .map_err(|e| self.fail(e))?;
        progress(ImportProgress {
            stage: ImportStage::Done,
            done: total,
            total,
        });
        Ok(ImportOutcome {
            imported: true,
            households: records.len(),
            residents: records.iter().map(|r| r.members.len()).sum(),
            skipped_households: preview.households - records.len(),
            preview,
        })
    }

    fn check_roster(
        &self,
        request: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> ApiResult<Checked> {
        let lang = self.lang;
        progress(ImportProgress {
            stage: ImportStage::Reading,
            done: 0,
            total: 0,
        });
        let bytes = std::fs::read(&request.path).map_err(|e| {
            self.fail(ApiError::invalid(
                "read_failed",
                &format!("无法读取文件 {}：{e}", request.path.display()),
                &format!("cannot read {}: {e}", request.path.display()),
            ))
        })?;
        let file_sha256 = sha256_hex(&bytes);
        drop(bytes);
        let table = jiayi_excel::read_sheet(&request.path, request.sheet.as_deref())
            .map_err(|e| self.fail(e))?;

        // The header row: given, or the first of the first 20 rows naming two known fields.
        let header_index = match request.header_row {
            Some(n) if n >= 1 => (n - 1) as usize,
            Some(_) => 0,
            None => table
                .rows
                .iter()
                .take(20)
                .position(|r| r.iter().filter_map(|h| guess_field(h)).count() >= 2)
                .ok_or_else(|| {
                    self.fail(ApiError::invalid(
                        "no_header",
                        "找不到表头行（应含“姓名”“身份证号”等列名），请指定表头所在行",
                        "no header row found (it names columns such as 姓名 and 身份证号); give the header row",
                    ))
                })?,
        };
        let headers: Vec<String> = table.rows.get(header_index).cloned().unwrap_or_default();
        let width = table.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut columns: Vec<ColumnView> = (0..width)
            .map(|index| {
                let header = headers.get(index).cloned().unwrap_or_default();
                ColumnView {
                    index,
                    letter: column_letter(index),
                    field: guess_field(&header),
                    header,
                    field_label: None,
                    overridden: false,
                }
            })
            .collect();
        // A field is guessed for one column only: the first that names it.
        for i in 0..columns.len() {
            if let Some(f) = columns[i].field
                && columns[..i].iter().any(|c| c.field == Some(f))
            {
                columns[i].field = None;
            }
        }
        for (key, value) in &request.mapping {
            let key = key.trim();
            let index = columns
                .iter()
                .position(|c| c.header == key)
                .or_else(|| {
                    columns
                        .iter()
                        .position(|c| c.letter.eq_ignore_ascii_case(key))
                })
                .or_else(|| {
                    key.parse::<usize>()
                        .ok()
                        .filter(|n| *n >= 1 && *n <= width)
                        .map(|n| n - 1)
                });
            let Some(index) = index else {
                return Err(self.fail(ApiError::invalid(
                    "bad_mapping",
                    &format!("映射中的列“{key}”在表中不存在"),
                    &format!("the mapping names a column '{key}' the sheet does not have"),
                )));
            };
            let field = match value.trim() {
                "" | "ignore" | "忽略" => None,
                code => Some(Field::from_code(code).ok_or_else(|| {
                    self.fail(ApiError::invalid(
                        "bad_mapping",
                        &format!(
                            "映射中的字段“{code}”无效，可用：{}",
                            Field::ALL.map(Field::code).join("、")
                        ),
                        &format!(
                            "unknown field '{code}' in the mapping; fields: {}",
                            Field::ALL.map(Field::code).join(", ")
                        ),
                    ))
                })?),
            };
            // The field moves to this column.
            if let Some(f) = field {
                for c in columns.iter_mut() {
                    if c.field == Some(f) {
                        c.field = None;
                    }
                }
            }
            columns[index].field = field;
            columns[index].overridden = true;
        }
        for c in columns.iter_mut() {
            c.field_label = c.field.map(|f| f.label(lang).to_string());
        }
        let column_of = |f: Field| columns.iter().find(|c| c.field == Some(f));
        let header_of = |f: Field| column_of(f).map(|c| c.header.clone());

        let mut issues: Vec<RowIssue> = Vec::new();
        if column_of(Field::Name).is_none() {
            return Err(self.fail(ApiError::invalid(
                "bad_mapping",
                "没有“姓名”列：请在映射中指定哪一列是姓名",
                "no name column: say in the mapping which column holds the names",
            )));
        }
        let fixed_village = request
            .village
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if column_of(Field::Village).is_none() && fixed_village.is_none() {
            return Err(self.fail(ApiError::invalid(
                "bad_mapping",
                "没有“村”列：请在映射中指定村列，或指定全部行所属的村",
                "no village column: map one, or give the village of every row",
            )));
        }

        // Rows below the header, empty ones skipped.
        let rows: Vec<RosterRow> = table
            .rows
            .iter()
            .enumerate()
            .skip(header_index + 1)
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
            .map(|(i, cells)| RosterRow {
                excel_row: i as u32 + 1,
                cells: columns
                    .iter()
                    .filter_map(|c| {
                        let value = cells.get(c.index)?.trim();
                        Some((c.field?, value.to_string()))
                    })
                    .filter(|(_, v)| !v.is_empty())
                    .collect(),
            })
            .collect();
        let row_count = rows.len();

        // Rows → households: by (village, group, head's name, address) when the head's name
        // is a column; otherwise a new household starts at each head; with neither the head's
        // name nor the relation, each row is a household of one.
        let has_head_column = column_of(Field::HeadName).is_some();
        let single = !has_head_column && column_of(Field::Relation).is_none();
        let mut drafts: Vec<Draft> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let village = fixed_village
                .map(str::to_string)
                .unwrap_or_else(|| row.get(Field::Village).to_string());
            let key = format!(
                "{}\u{1}{}\u{1}{}\u{1}{}",
                village,
                row.get(Field::Group),
                row.get(Field::HeadName),
                row.get(Field::Address)
            );
            let starts_new = if has_head_column {
                !by_key.contains_key(&key)
            } else {
                single
                    || drafts.is_empty()
                    || parse_relation(row.get(Field::Relation)) == Relation::Head
            };
            if starts_new {
                by_key.insert(key.clone(), drafts.len());
                drafts.push(Draft {
                    key,
                    village,
                    rows: vec![row],
                    valid: None,
                    village_id: None,
                    errors: false,
                });
            } else {
                let at = if has_head_column {
                    by_key[&key]
                } else {
                    drafts.len() - 1
                };
                drafts[at].rows.push(row);
            }
        }

        let today = self.today();
        let villages = self.store.villages().map_err(|e| self.fail(e))?;
        let mut seen_ids: HashMap<String, u32> = HashMap::new();
        let mut seen_people: HashMap<(String, String, String), u32> = HashMap::new();
        let total = drafts.len();
        for (done, draft) in drafts.iter_mut().enumerate() {
            if done % 100 == 0 {
                progress(ImportProgress {
                    stage: ImportStage::Checking,
                    done,
                    total,
                });
            }
            let first_row = draft.rows[0].excel_row;
            let village = villages
                .iter()
                .find(|v| v.name == draft.village || v.code == draft.village);
            match village {
                Some(v) => draft.village_id = Some(v.id),
                None => {
                    draft.errors = true;
                    let column = header_of(Field::Village);
                    issues.push(if draft.village.is_empty() {
                        self.issue(
                            Some(first_row),
                            column.as_deref(),
                            Severity::Error,
                            "required",
                            "请填写村",
                            "the village is missing",
                        )
                    } else {
                        self.issue(
                            Some(first_row),
                            column.as_deref(),
                            Severity::Error,
                            "unknown_village",
                            &format!("本乡镇没有“{}”村", draft.village),
                            &format!("there is no village '{}' in this township", draft.village),
                        )
                    });
                }
            }
            // Each member on its own first, so every bad cell is reported, not just the first.
            let mut inputs = Vec::with_capacity(draft.rows.len());
            for row in &draft.rows {
                let r = Some(row.excel_row);
                let (groups, unknown) = parse_groups(row.get(Field::Groups));
                for word in unknown {
                    draft.errors = true;
                    issues.push(self.core_issue(
                        r,
                        header_of(Field::Groups).as_deref(),
                        CoreError::UnknownGroup(word),
                    ));
                }
                let sex_text = row.get(Field::Sex);
                let sex = parse_sex(sex_text);
                if !sex_text.is_empty() && sex.is_none() {
                    draft.errors = true;
                    issues.push(self.issue(
                        r,
                        header_of(Field::Sex).as_deref(),
                        Severity::Error,
                        "bad_sex",
                        &format!("无法识别性别“{sex_text}”（应为 男 或 女）"),
                        &format!("cannot read the sex '{sex_text}' (男 or 女)"),
                    ));
                }
                let relation_text = row.get(Field::Relation);
                let relation = if relation_text.is_empty() {
                    // Without a relation, the row naming the head is the head, and so is the
                    // one member of a household of one.
                    let head = row.get(Field::HeadName);
                    if single || (!head.is_empty() && head == row.get(Field::Name)) {
                        Relation::Head
                    } else {
                        Relation::Other
                    }
                } else {
                    parse_relation(relation_text)
                };
                let input = ResidentInput {
                    name: row.get(Field::Name).to_string(),
                    id_number: Some(row.get(Field::IdNumber).to_string()).filter(|s| !s.is_empty()),
                    sex,
                    birth_date: Some(row.get(Field::BirthDate).to_string())
                        .filter(|s| !s.is_empty()),
                    phone: Some(row.get(Field::Phone).to_string()).filter(|s| !s.is_empty()),
                    relation: Some(relation),
                    groups,
                };
                match input.validate(today) {
                    Ok(valid) => {
                        if let Some(village_id) = draft.village_id {
                            self.store_duplicates(
                                village_id,
                                &draft.village,
                                &valid,
                                r,
                                &mut issues,
                                &mut draft.errors,
                                &header_of,
                            )?;
                        }
                        if let Some(id) = &valid.id_number {
                            let id = id.to_string();
                            if let Some(first) = seen_ids.get(&id) {
                                draft.errors = true;
                                issues.push(self.issue(
                                    r,
                                    header_of(Field::IdNumber).as_deref(),
                                    Severity::Error,
                                    "duplicate_in_file",
                                    &format!("身份证号与第 {first} 行重复"),
                                    &format!("the same ID number as row {first}"),
                                ));
                            } else {
                                seen_ids.insert(id, row.excel_row);
                            }
                        }
                        if let Some(birth) = valid.birth_date {
                            let key =
                                (draft.village.clone(), valid.name.clone(), birth.to_string());
                            match seen_people.get(&key) {
                                Some(first) if valid.id_number.is_none() => {
                                    issues.push(self.issue(
                                        r,
                                        header_of(Field::Name).as_deref(),
                                        Severity::Warning,
                                        "possible_duplicate_in_file",
                                        &format!("与第 {first} 行同村、同名、同出生日期，可能是同一人"),
                                        &format!("same village, name and birth date as row {first}: maybe the same person"),
                                    ));
                                }
                                Some(_) => {}
                                None => {
                                    seen_people.insert(key, row.excel_row);
                                }
                            }
                        }
                    }
                    Err(e) => {
                        draft.errors = true;
                        let column = match &e {
                            CoreError::IdNumber(_) | CoreError::BirthDateMismatch => {
                                header_of(Field::IdNumber)
                            }
                            CoreError::Phone(_) => header_of(Field::Phone),
                            CoreError::Date(_) => header_of(Field::BirthDate),
                            CoreError::Required { field: "sex" } => header_of(Field::Sex),
                            CoreError::Required { .. } | CoreError::TooLong { .. } => {
                                header_of(Field::Name)
                            }
                            _ => None,
                        };
                        issues.push(self.core_issue(r, column.as_deref(), e));
                    }
                }
                inputs.push(input);
            }
            let group = draft.rows[0].get(Field::Group).to_string();
            let address = {
                let typed = draft.rows[0].get(Field::Address);
                if typed.is_empty() {
                    format!("{}{}", draft.village, group)
                } else {
                    typed.to_string()
                }
            };
            let input = HouseholdInput {
                village: draft.village.clone(),
                group,
                address,
                members: inputs,
            };
            if !draft.errors {
                match input.validate(today) {
                    Ok(valid) => draft.valid = Some(valid),
                    Err(e) => {
                        draft.errors = true;
                        let row = e
                            .member_index
                            .and_then(|i| draft.rows.get(i))
                            .map(|r| r.excel_row)
                            .unwrap_or(first_row);
                        issues.push(self.core_issue(Some(row), None, e.error));
                    }
                }
            }
        }
        progress(ImportProgress {
            stage: ImportStage::Checking,
            done: total,
            total,
        });
        issues.sort_by_key(|i| (i.row.unwrap_or(0), i.severity == Severity::Warning));
        let errors = issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count();
        let warnings = issues.len() - errors;
        let importable: Vec<&Draft> = drafts.iter().filter(|d| !d.errors).collect();
        let importable_households = importable.len();
        let importable_residents = importable.iter().map(|d| d.rows.len()).sum();
        let household_list = drafts
            .iter()
            .map(|d| HouseholdPreview {
                village: d.village.clone(),
                address: d
                    .valid
                    .as_ref()
                    .map(|v| v.address.clone())
                    .unwrap_or_else(|| d.rows[0].get(Field::Address).to_string()),
                head: d
                    .rows
                    .iter()
                    .find(|r| {
                        parse_relation(r.get(Field::Relation)) == Relation::Head
                            || (!r.get(Field::HeadName).is_empty()
                                && r.get(Field::HeadName) == r.get(Field::Name))
                    })
                    .map(|r| r.get(Field::Name).to_string())
                    .unwrap_or_else(|| d.key.split('\u{1}').nth(2).unwrap_or("").to_string()),
                members: d.rows.len(),
                rows: d.rows.iter().map(|r| r.excel_row).collect(),
                importable: !d.errors,
            })
            .collect();
        let can_import = importable_households > 0 && (errors == 0 || request.skip_invalid);
        Ok(Checked {
            preview: ImportPreview {
                file_sha256,
                sheet: table.sheet,
                header_row: header_index as u32 + 1,
                columns,
                rows: row_count,
                households: drafts.len(),
                residents: drafts.iter().map(|d| d.rows.len()).sum(),
                importable_households,
                importable_residents,
                errors,
                warnings,
                issues,
                household_list,
                can_import,
            },
            drafts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_guessed_from_their_chinese_names() {
        let table = [
            ("户主姓名", Some(Field::HeadName)),
            ("姓名", Some(Field::Name)),
            ("成员姓名", Some(Field::Name)),
            ("身份证号码", Some(Field::IdNumber)),
            ("公民身份号码", Some(Field::IdNumber)),
            ("性别", Some(Field::Sex)),
            ("出生日期", Some(Field::BirthDate)),
            ("联系电话", Some(Field::Phone)),
            ("手机号码", Some(Field::Phone)),
            ("与户主关系", Some(Field::Relation)),
            ("村", Some(Field::Village)),
            ("行政村", Some(Field::Village)),
            ("组", Some(Field::Group)),
            ("村民小组", Some(Field::Group)),
            ("住址", Some(Field::Address)),
            ("家庭住址", Some(Field::Address)),
            ("人群分类", Some(Field::Groups)),
            (" 姓 名 ", Some(Field::Name)),
            ("*身份证号", Some(Field::IdNumber)),
            ("序号", None),
            ("", None),
        ];
        for (header, field) in table {
            assert_eq!(guess_field(header), field, "{header}");
        }
    }

    #[test]
    fn relations_sexes_and_groups_as_rosters_write_them() {
        assert_eq!(parse_relation("户主"), Relation::Head);
        assert_eq!(parse_relation("妻子"), Relation::Spouse);
        assert_eq!(parse_relation("长子"), Relation::Child);
        assert_eq!(parse_relation("次女"), Relation::Child);
        assert_eq!(parse_relation("儿媳"), Relation::ChildInLaw);
        assert_eq!(parse_relation("孙女"), Relation::Grandchild);
        assert_eq!(parse_relation("母亲"), Relation::Parent);
        assert_eq!(parse_relation("岳母"), Relation::ParentInLaw);
        assert_eq!(parse_relation("奶奶"), Relation::Grandparent);
        assert_eq!(parse_relation("弟弟"), Relation::Sibling);
        assert_eq!(parse_relation("侄子"), Relation::Child);
        assert_eq!(parse_relation("邻居"), Relation::Other);
        assert_eq!(parse_sex("男"), Some(Sex::Male));
        assert_eq!(parse_sex("女"), Some(Sex::Female));
        assert_eq!(parse_sex("未知"), None);
        let (codes, unknown) = parse_groups("高血压、糖尿病，脱贫户 65岁以上老年人；火星人");
        assert_eq!(codes, ["hypertension", "diabetes", "poverty_registered"]);
        assert_eq!(unknown, ["火星人"]);
        assert_eq!(parse_groups("普通人群"), (vec![], vec![]));
        assert_eq!(parse_groups("计生特扶").0, ["family_planning_special"]);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
