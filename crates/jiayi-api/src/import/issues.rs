//! The row-by-row report the checks write into, each issue with its message in the user's
//! language and the header of the column it is about.

use jiayi_core::{CoreError, Lang};

use super::columns::header_of;
use super::fields::Field;
use super::views::{ColumnView, RowIssue, Severity};

/// Issues as the checks find them, in that order.
pub(super) struct Issues<'a> {
    lang: Lang,
    columns: &'a [ColumnView],
    list: Vec<RowIssue>,
}

impl<'a> Issues<'a> {
    pub fn new(lang: Lang, columns: &'a [ColumnView]) -> Issues<'a> {
        Issues {
            lang,
            columns,
            list: Vec::new(),
        }
    }

    /// An issue on `row` (none for the whole file) about the cell of `field`, if any.
    pub fn add(
        &mut self,
        row: Option<u32>,
        field: Option<Field>,
        severity: Severity,
        code: &str,
        (zh, en): (&str, &str),
    ) {
        self.list.push(RowIssue {
            row,
            column: self.header(field),
            severity,
            code: code.to_string(),
            message: self.lang.pick(zh, en).to_string(),
        });
    }

    /// A rule of the core broken: always an error.
    pub fn core(&mut self, row: Option<u32>, field: Option<Field>, e: CoreError) {
        self.list.push(RowIssue {
            row,
            column: self.header(field),
            severity: Severity::Error,
            code: e.code().to_string(),
            message: e.message(self.lang),
        });
    }

    fn header(&self, field: Option<Field>) -> Option<String> {
        field.and_then(|f| header_of(self.columns, f))
    }

    pub fn into_list(self) -> Vec<RowIssue> {
        self.list
    }
}
