//! Excel workbooks in and out, with no domain knowledge: the API decides what goes in a sheet,
//! this crate lays it out so that township staff can file it (a title, bold headers, a frozen
//! header row, widths that fit the Chinese text, percentages and dates formatted, a totals
//! row), and reads rosters back as rows of text.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

mod csv;
mod read;

pub use read::{Table, read_sheet, read_workbook};

#[derive(Debug, thiserror::Error)]
pub enum ExcelError {
    #[error("the workbook could not be written: {0}")]
    Write(#[from] XlsxError),
    #[error("the workbook could not be read: {0}")]
    Read(String),
    #[error("the workbook has no sheet named '{0}'")]
    NoSheet(String),
    #[error("the workbook has no sheets")]
    Empty,
    #[error("the file cannot be opened: {0}")]
    Io(String),
    #[error("the file is not a workbook this reader knows (.xlsx, .xls, .ods, .csv)")]
    UnknownFormat,
    #[error("the text file is in an encoding this reader does not know")]
    Encoding,
}

pub type Result<T, E = ExcelError> = std::result::Result<T, E>;

/// One cell of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A fraction shown as a percentage with one decimal; none is shown as "—".
    Rate(Option<f64>),
    Date(NaiveDate),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map(Cell::Text).unwrap_or(Cell::Empty)
    }
}

impl From<Option<NaiveDate>> for Cell {
    fn from(d: Option<NaiveDate>) -> Cell {
        d.map(Cell::Date).unwrap_or(Cell::Empty)
    }
}

/// A table on a sheet: title lines above, headers, rows, an optional totals row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub name: String,
    /// Lines above the table (the first is set large and bold).
    pub title: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub total: Option<Vec<Cell>>,
}

const MAX_WIDTH: f64 = 60.0;

/// Width of a text in Excel's character units: CJK characters take two.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.1 })
        .sum()
}

fn cell_width(cell: &Cell) -> f64 {
    match cell {
        Cell::Text(t) => text_width(t),
        Cell::Int(n) => n.to_string().len() as f64,
        Cell::Rate(_) => 7.0,
        Cell::Date(_) => 10.0,
        Cell::Empty => 0.0,
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'').to_string();
    let base: String = if clean.is_empty() {
        "Sheet".into()
    } else {
        clean.chars().take(31).collect()
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!("({n})");
        let keep = 31 - suffix.chars().count();
        name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        n += 1;
    }
    name
}

struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    text: Format,
    int: Format,
    rate: Format,
    date: Format,
    total_text: Format,
    total_int: Format,
    total_rate: Format,
    total_date: Format,
}

impl Formats {
    fn new() -> Formats {
        let body = Format::new()
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF));
        let total = body
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(0xF2F2F2))
            .set_border_top(FormatBorder::Medium);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            subtitle: Format::new().set_font_color(Color::RGB(0x595959)),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border(FormatBorder::Thin),
            text: body.clone(),
            int: body.clone().set_num_format("0"),
            rate: body.clone().set_num_format("0.0%"),
            date: body.clone().set_num_format("yyyy-mm-dd"),
            total_text: total.clone(),
            total_int: total.clone().set_num_format("0"),
            total_rate: total.clone().set_num_format("0.0%"),
            total_date: total.set_num_format("yyyy-mm-dd"),
        }
    }
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    formats: &Formats,
    total: bool,
) -> Result<()> {
    let pick = |plain: &Format, bold: &Format| -> Format {
        if total { bold.clone() } else { plain.clone() }
    };
    match cell {
        Cell::Text(t) => {
            ws.write_string_with_format(row, col, t, &pick(&formats.text, &formats.total_text))?;
        }
        Cell::Int(n) => {
            ws.write_number_with_format(
                row,
                col,
                *n as f64,
                &pick(&formats.int, &formats.total_int),
            )?;
        }
        Cell::Rate(Some(r)) => {
            ws.write_number_with_format(row, col, *r, &pick(&formats.rate, &formats.total_rate))?;
        }
        Cell::Rate(None) => {
            ws.write_string_with_format(row, col, "—", &pick(&formats.text, &formats.total_text))?;
        }
        Cell::Date(d) => {
            let date = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            ws.write_datetime_with_format(
                row,
                col,
                &date,
                &pick(&formats.date, &formats.total_date),
            )?;
        }
        Cell::Empty => {
            ws.write_blank(row, col, &pick(&formats.text, &formats.total_text))?;
        }
    }
    Ok(())
}

/// The workbook as bytes (the caller writes the file whole).
pub fn workbook_bytes(sheets: &[Sheet]) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut taken: Vec<String> = Vec::new();
    for sheet in sheets {
        let name = sheet_name(&sheet.name, &taken);
        taken.push(name.clone());
        let ws = workbook.add_worksheet();
        ws.set_name(&name)?;
        ws.set_landscape();
        ws.set_paper_size(9); // A4
        ws.set_print_fit_to_pages(1, 0);
        let mut row: u32 = 0;
        for (i, line) in sheet.title.iter().enumerate() {
            let format = if i == 0 {
                &formats.title
            } else {
                &formats.subtitle
            };
            ws.write_string_with_format(row, 0, line, format)?;
            row += 1;
        }
        if !sheet.title.is_empty() {
            row += 1; // a blank line between the title and the table
        }
        let header_row = row;
        for (col, header) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, header, &formats.header)?;
        }
        ws.set_freeze_panes(header_row + 1, 0)?;
        ws.set_repeat_rows(header_row, header_row)?;
        row += 1;
        for cells in &sheet.rows {
            for (col, cell) in cells.iter().enumerate() {
                write_cell(ws, row, col as u16, cell, &formats, false)?;
            }
            row += 1;
        }
        if let Some(total) = &sheet.total {
            for (col, cell) in total.iter().enumerate() {
                write_cell(ws, row, col as u16, cell, &formats, true)?;
            }
        }
        // Widths from the longest header word or cell, within reason.
        for col in 0..sheet.headers.len() {
            let header = text_width(&sheet.headers[col]).min(24.0);
            let cells = sheet
                .rows
                .iter()
                .chain(sheet.total.iter())
                .filter_map(|r| r.get(col))
                .map(cell_width)
                .fold(0.0, f64::max);
            let width = (header.max(cells) + 2.0).clamp(6.0, MAX_WIDTH);
            ws.set_column_width(col as u16, width)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_acceptable_and_unique() {
        let taken = vec!["签约率".to_string()];
        assert_eq!(sheet_name("签约率", &taken), "签约率(2)");
        assert_eq!(sheet_name("a/b:c", &[]), "a_b_c");
        let long = "很".repeat(40);
        let name = sheet_name(&long, &[]);
        assert_eq!(name.chars().count(), 31);
        let again = sheet_name(&long, std::slice::from_ref(&name));
        assert_eq!(again.chars().count(), 31);
        assert!(again.ends_with("(2)"));
        assert_eq!(sheet_name("", &[]), "Sheet");
    }
}
