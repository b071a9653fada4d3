//! Reading workbooks back as text: every sheet of an `.xlsx`, `.xls` or `.ods` file (or a
//! `.csv`), with merged regions filled with their value and the cells stored as numbers
//! marked, so the caller can tell an ID number Excel turned into a number.

use std::collections::BTreeSet;
use std::path::Path;

use calamine::{Data, Dimensions, Reader, Sheets, open_workbook_auto};

use crate::{ExcelError, Result};

/// A sheet read back: its name and its rows as text (trailing empty cells dropped). Row and
/// column indexes are the sheet's own, 0-based, even when the used range starts lower.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub sheet: String,
    pub rows: Vec<Vec<String>>,
    /// Cells (row, column) the file stores as numbers rather than text.
    pub numbers: BTreeSet<(usize, usize)>,
}

impl Table {
    /// Whether the file stores the cell as a number.
    pub fn is_number(&self, row: usize, column: usize) -> bool {
        self.numbers.contains(&(row, column))
    }
}

/// Text of a cell as a person typed it. Whole numbers lose their ".0"; dates become
/// `YYYY-MM-DD`. Numbers longer than 15 digits (ID numbers typed as numbers) have already
/// lost digits in the file and are returned as Excel kept them.
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|d| d.date().to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads every sheet of an `.xlsx`, `.xls`, `.ods` or `.csv` file (by its extension).
pub fn read_workbook(path: &Path) -> Result<Vec<Table>> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "csv" | "tsv" | "txt" => {
            let bytes = std::fs::read(path).map_err(|e| ExcelError::Io(e.to_string()))?;
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("CSV")
                .to_string();
            Ok(vec![crate::csv::read_csv(&bytes, name)?])
        }
        "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => read_spreadsheet(path),
        _ => Err(ExcelError::UnknownFormat),
    }
}

fn read_spreadsheet(path: &Path) -> Result<Vec<Table>> {
    let mut workbook = open_workbook_auto(path).map_err(|e| ExcelError::Read(e.to_string()))?;
    let mut tables = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| ExcelError::Read(e.to_string()))?;
        let mut table = Table {
            sheet: name.clone(),
            ..Table::default()
        };
        let (top, left) = range
            .start()
            .map(|(r, c)| (r as usize, c as usize))
            .unwrap_or((0, 0));
        table.rows = vec![Vec::new(); top];
        for (i, r) in range.rows().enumerate() {
            let mut cells: Vec<String> = vec![String::new(); left];
            for (j, cell) in r.iter().enumerate() {
                if matches!(cell, Data::Float(_) | Data::Int(_)) {
                    table.numbers.insert((top + i, left + j));
                }
                cells.push(cell_text(cell));
            }
            while cells.last().is_some_and(|c| c.is_empty()) {
                cells.pop();
            }
            table.rows.push(cells);
        }
        // A sheet whose merged regions cannot be read is still read, unmerged.
        let merges: Vec<Dimensions> = match &mut workbook {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        fill_merged(&mut table, &merges);
        tables.push(table);
    }
    if tables.is_empty() {
        return Err(ExcelError::Empty);
    }
    Ok(tables)
}

/// Gives every cell of a merged region the value of its top-left cell, as a person reading
/// the sheet sees it (a head's name merged down the rows of the family).
fn fill_merged(table: &mut Table, merges: &[Dimensions]) {
    for d in merges {
        let (top, left) = (d.start.0 as usize, d.start.1 as usize);
        let Some(value) = table.rows.get(top).and_then(|r| r.get(left)).cloned() else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let number = table.is_number(top, left);
        let bottom = (d.end.0 as usize).min(table.rows.len().saturating_sub(1));
        let right = d.end.1 as usize;
        for r in top..=bottom {
            let row = &mut table.rows[r];
            if row.len() <= right {
                row.resize(right + 1, String::new());
            }
            for cell in row.iter_mut().take(right + 1).skip(left) {
                if cell.is_empty() {
                    cell.clone_from(&value);
                }
            }
            if number {
                for c in left..=right {
                    table.numbers.insert((r, c));
                }
            }
        }
    }
}

/// One sheet by name, or the first one.
pub fn read_sheet(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let tables = read_workbook(path)?;
    match sheet {
        None => tables.into_iter().next().ok_or(ExcelError::Empty),
        Some(name) => tables
            .into_iter()
            .find(|t| t.sheet == name)
            .ok_or_else(|| ExcelError::NoSheet(name.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_typed() {
        assert_eq!(cell_text(&Data::Float(13812345678.0)), "13812345678");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::String(" 张三 ".into())), "张三");
        assert_eq!(cell_text(&Data::Int(3)), "3");
        assert_eq!(
            cell_text(&Data::DateTimeIso("2026-01-02T00:00:00".into())),
            "2026-01-02"
        );
        assert_eq!(
            cell_text(&Data::Float(510102196509190000.0)),
            "510102196509190000"
        );
    }

    #[test]
    fn merged_regions_take_their_top_left_value() {
        let mut table = Table {
            sheet: "s".into(),
            rows: vec![
                vec!["张三".into(), "张三".into()],
                vec![String::new(), "李梅".into()],
                vec![],
            ],
            numbers: BTreeSet::new(),
        };
        let merge = Dimensions {
            start: (0, 0),
            end: (2, 0),
        };
        fill_merged(&mut table, &[merge]);
        assert_eq!(table.rows[1][0], "张三");
        assert_eq!(table.rows[2], ["张三"]);
    }
}
