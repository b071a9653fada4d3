//! The import as the app and the CLI call it: keeping a picked file, the preview, and the
//! confirmed import, each running the steps in order.

use std::path::{Path, PathBuf};

use jiayi_core::household::ValidHousehold;
use jiayi_store::NewHousehold;

use super::check::{CheckContext, check_households};
use super::columns::{check_required, column_of, map_columns};
use super::duplicates::Lookups;
use super::fields::Field;
use super::header::{find_sheet_and_header, village_in_title};
use super::households::{Draft, Grouping, group_households};
use super::issues::Issues;
use super::preview::{Choices, SheetSummary, build_preview};
use super::read::read_file;
use super::rows::person_rows;
use super::views::{ImportOutcome, ImportPreview, ImportProgress, ImportRequest, ImportStage};
use super::vocabulary::Vocabulary;
use crate::Api;
use crate::error::{ApiError, ApiResult};

/// What preview and import share: the checked households.
struct Checked {
    preview: ImportPreview,
    drafts: Vec<Draft>,
}

impl Api {
    /// Keeps a roster the user picked in the app (its bytes, as the window read them) in `dir`,
    /// so the preview and the import read the same file. `.xlsx`, `.xls`, `.ods` and `.csv`
    /// files are taken; the name keeps its letters and digits.
    pub fn stage_import_file(&self, name: &str, bytes: &[u8], dir: &Path) -> ApiResult<PathBuf> {
        const MAX_BYTES: usize = 64 * 1024 * 1024;
        const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xls", "ods", "csv"];
        let split = name
            .rsplit_once('.')
            .map(|(stem, ext)| (stem, ext.to_ascii_lowercase()))
            .filter(|(_, ext)| EXTENSIONS.contains(&ext.as_str()));
        let Some((stem, extension)) = split else {
            return Err(self.fail(ApiError::invalid(
                "not_a_roster_file",
                "请选择表格文件：.xlsx、.xls、.ods 或 .csv",
                "choose a spreadsheet: .xlsx, .xls, .ods or .csv",
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
        let path = dir.join(format!("{safe}.{extension}"));
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
                        "有 {} 处错误，未导入任何数据。请修改文件，或选择跳过有错误的成员（导入该户其余成员）、跳过有错误的户（导入文件其余部分）",
                        preview.errors
                    ),
                    format!(
                        "{} errors: nothing was imported. Fix the file, or choose to leave out the members with errors (importing the rest of their households) or the households with errors (importing the rest of the file)",
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
            .filter(|d| d.importable(request.skip_invalid_members))
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
        let residents = records.iter().map(|r| r.members.len()).sum();
        Ok(ImportOutcome {
            imported: true,
            households: records.len(),
            residents,
            skipped_households: preview.households - records.len(),
            skipped_residents: preview.residents.saturating_sub(residents),
            preview,
        })
    }

    /// Runs the steps: read, find the header, map the columns, rows to households, check,
    /// preview. Nothing is written.
    fn check_roster(
        &self,
        request: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> ApiResult<Checked> {
        let fail = |e| self.fail(e);
        progress(ImportProgress {
            stage: ImportStage::Reading,
            done: 0,
            total: 0,
        });
        let vocabulary = Vocabulary::with_file(request.vocabulary.as_deref()).map_err(fail)?;
        let read = read_file(&request.path).map_err(fail)?;
        let (sheet_index, header_index) = find_sheet_and_header(
            &read.tables,
            request.sheet.as_deref(),
            request.header_row,
            &vocabulary,
        )
        .map_err(fail)?;
        let table = &read.tables[sheet_index];
        let columns = map_columns(
            &table.rows,
            header_index,
            &request.mapping,
            self.lang,
            &vocabulary,
        )
        .map_err(fail)?;
        let villages = self.store.villages().map_err(|e| self.fail(e))?;
        let fixed_village = request
            .village
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .or_else(|| {
                column_of(&columns, Field::Village)
                    .is_none()
                    .then(|| village_in_title(table, header_index, &villages))
                    .flatten()
            });
        check_required(&columns, fixed_village).map_err(fail)?;

        let (people, skipped_rows) = person_rows(table, header_index, &columns, self.lang);
        let row_count = people.len();
        let grouping = Grouping::of(&columns);
        let mut drafts = group_households(people, fixed_village, grouping);

        let cx = CheckContext {
            today: self.today(),
            villages: &villages,
            grouping,
            vocabulary: &vocabulary,
        };
        let mut duplicates = |village_id, one: &ValidHousehold| {
            self.store
                .find_duplicates(village_id, one)
                .map_err(|e| self.fail(e))
        };
        let mut record_number = |number: &str| {
            self.store
                .resident_with_record_number(number)
                .map(|found| found.is_some())
                .map_err(|e| self.fail(e))
        };
        let mut lookups = Lookups {
            duplicates: &mut duplicates,
            record_number: &mut record_number,
        };
        let mut issues = Issues::new(self.lang, &table.sheet, &columns);
        check_households(&mut drafts, &cx, &mut lookups, &mut issues, progress)?;
        let issues = issues.into_list();

        let summary = SheetSummary {
            file_sha256: read.file_sha256,
            sheets: read.tables.iter().map(|t| t.sheet.clone()).collect(),
            sheet: table.sheet.clone(),
            header_row: header_index as u32 + 1,
            columns,
            rows: row_count,
            skipped_rows,
        };
        let choices = Choices {
            skip_households: request.skip_invalid,
            skip_members: request.skip_invalid_members,
        };
        let preview = build_preview(summary, &drafts, issues, choices);
        Ok(Checked { preview, drafts })
    }
}
