//! Step 2, the header row: the one the request gives, or the first of the first 20 rows
//! that names two known fields.

use super::fields::guess_field;
use crate::error::ApiError;

/// Rows searched for the header when the request gives none.
const SEARCHED_ROWS: usize = 20;

/// The header row's 0-based index in `rows`. `given` is the row as Excel numbers it.
pub(super) fn find_header_row(rows: &[Vec<String>], given: Option<u32>) -> Result<usize, ApiError> {
    match given {
        Some(n) if n >= 1 => Ok((n - 1) as usize),
        Some(_) => Ok(0),
        None => rows
            .iter()
            .take(SEARCHED_ROWS)
            .position(|r| r.iter().filter_map(|h| guess_field(h)).count() >= 2)
            .ok_or_else(|| {
                ApiError::invalid(
                    "no_header",
                    "找不到表头行（应含“姓名”“身份证号”等列名），请指定表头所在行",
                    "no header row found (it names columns such as 姓名 and 身份证号); give the header row",
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(texts: &[&[&str]]) -> Vec<Vec<String>> {
        texts
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn the_first_row_naming_two_fields_is_the_header() {
        let sheet = rows(&[
            &["东庄村台账"],
            &["序号", "姓名", "身份证号"],
            &["1", "王某", ""],
        ]);
        assert_eq!(find_header_row(&sheet, None).unwrap(), 1);
        assert_eq!(find_header_row(&sheet, Some(3)).unwrap(), 2);
        assert_eq!(find_header_row(&sheet, Some(0)).unwrap(), 0);
        let e = find_header_row(&rows(&[&["序号", "姓名"]]), None).unwrap_err();
        assert_eq!(e.code, "no_header");
    }
}
