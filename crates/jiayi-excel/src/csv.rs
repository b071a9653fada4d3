//! Comma-separated rosters as clerks' tools save them: UTF-8 with or without a byte-order
//! mark, UTF-16 ("Unicode text"), or GBK (Excel's "CSV" on a Chinese Windows); commas, tabs
//! or semicolons between the cells; quoted cells with commas and line breaks inside.

use crate::{ExcelError, Result, Table};

/// The file's text, decoded.
fn decode(bytes: &[u8]) -> Result<String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|_| ExcelError::Encoding);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _, bad) = encoding_rs::UTF_16LE.decode(bytes);
        return if bad {
            Err(ExcelError::Encoding)
        } else {
            Ok(text.into_owned())
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| t.into_owned())
        .ok_or(ExcelError::Encoding)
}

/// The separator the first line uses most, outside quotes.
fn separator(text: &str) -> char {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(',', 0usize), ('\t', 0), (';', 0), ('，', 0)];
    let mut quoted = false;
    for c in first.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && let Some(slot) = counts.iter_mut().find(|(s, _)| *s == c) {
            slot.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(c, _)| *c)
        .unwrap_or(',')
}

/// A cell as typed: `="0123"` (the way some tools keep digits as text) becomes `0123`.
fn clean_cell(cell: &str) -> String {
    let cell = cell.trim();
    cell.strip_prefix("=\"")
        .and_then(|c| c.strip_suffix('"'))
        .unwrap_or(cell)
        .trim()
        .to_string()
}

pub(crate) fn parse(text: &str) -> Vec<Vec<String>> {
    let sep = separator(text);
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cell.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
        } else if c == '"' && cell.trim().is_empty() {
            cell.clear();
            quoted = true;
        } else if c == sep {
            row.push(clean_cell(&cell));
            cell.clear();
        } else if c == '\n' || c == '\r' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            row.push(clean_cell(&cell));
            cell.clear();
            rows.push(std::mem::take(&mut row));
        } else {
            cell.push(c);
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(clean_cell(&cell));
        rows.push(row);
    }
    for r in rows.iter_mut() {
        while r.last().is_some_and(|c| c.is_empty()) {
            r.pop();
        }
    }
    rows
}

pub(crate) fn read_csv(bytes: &[u8], sheet: String) -> Result<Table> {
    let text = decode(bytes)?;
    Ok(Table {
        sheet,
        rows: parse(&text),
        numbers: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_clerks_save_in() {
        let text = "姓名,身份证号\n王芳,110101199003070028\n";
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        for bytes in [text.as_bytes().to_vec(), bom, gbk.into_owned()] {
            let table = read_csv(&bytes, "名单".into()).unwrap();
            assert_eq!(table.rows[0], ["姓名", "身份证号"]);
            assert_eq!(table.rows[1], ["王芳", "110101199003070028"]);
        }
        assert!(matches!(
            read_csv(&[0x81, 0x20, 0xFF], "x".into()),
            Err(ExcelError::Encoding)
        ));
    }

    #[test]
    fn quotes_separators_and_line_breaks() {
        let rows = parse("a,\"b,c\",\"d\"\"e\"\r\n\"x\ny\",=\"0123\",\n\n1\t2");
        assert_eq!(rows[0], ["a", "b,c", "d\"e"]);
        assert_eq!(rows[1], ["x\ny", "0123"]);
        assert!(rows[2].is_empty());
        assert_eq!(parse("姓名\t性别\n王\t男")[1], ["王", "男"]);
    }
}
