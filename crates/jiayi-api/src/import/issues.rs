//! The row-by-row report the checks write into: each issue with its message in the user's
//! language, the sheet, row, column and member it is about, and what an error keeps out.

use jiayi_core::{CoreError, Lang};

use super::columns::header_of;
use super::fields::Field;
use super::views::{ColumnView, IssueScope, RowIssue, Severity};

/// Where an issue is: a row and the member's name on it (none for the household as a whole).
#[derive(Debug, Clone, Copy)]
pub(super) struct At<'r> {
    pub row: u32,
    pub name: &'r str,
}

/// Issues as the checks find them, in that order.
pub(super) struct Issues<'a> {
    lang: Lang,
    sheet: &'a str,
    columns: &'a [ColumnView],
    list: Vec<RowIssue>,
}

impl<'a> Issues<'a> {
    pub fn new(lang: Lang, sheet: &'a str, columns: &'a [ColumnView]) -> Issues<'a> {
        Issues {
            lang,
            sheet,
            columns,
            list: Vec::new(),
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// An issue at `at` about the cell of `field`, if any.
    pub fn add(
        &mut self,
        at: At<'_>,
        field: Option<Field>,
        (severity, scope): (Severity, IssueScope),
        code: &str,
        (zh, en): (&str, &str),
    ) {
        let column = field.and_then(|f| header_of(self.columns, f));
        let name = Some(at.name.to_string()).filter(|n| !n.is_empty());
        let place = self.place(at.row, column.as_deref(), name.as_deref());
        self.list.push(RowIssue {
            sheet: self.sheet.to_string(),
            row: Some(at.row),
            column,
            name,
            severity,
            scope,
            code: code.to_string(),
            place,
            message: self.lang.pick(zh, en).to_string(),
        });
    }

    /// A rule of the core broken by a member: an error that keeps the member out.
    pub fn core(&mut self, at: At<'_>, field: Option<Field>, scope: IssueScope, e: CoreError) {
        let code = match &e {
            CoreError::GroupNotForSex { .. } => "group_not_for_sex",
            e => e.code(),
        };
        let message = e.message(self.lang);
        self.add(
            at,
            field,
            (Severity::Error, scope),
            code,
            (&message, &message),
        );
    }

    fn place(&self, row: u32, column: Option<&str>, name: Option<&str>) -> String {
        let mut parts = vec![match self.lang {
            Lang::Zh => format!("“{}”第 {row} 行", self.sheet),
            Lang::En => format!("sheet '{}' row {row}", self.sheet),
        }];
        if let Some(c) = column {
            parts.push(match self.lang {
                Lang::Zh => format!("“{c}”列"),
                Lang::En => format!("column '{c}'"),
            });
        }
        if let Some(n) = name {
            parts.push(n.to_string());
        }
        parts.join(self.lang.pick("，", ", "))
    }

    /// The errors of the member on `row`, who is the household's head, keep the whole
    /// household out: they say so.
    pub fn block_household_at(&mut self, row: u32) {
        let (zh, en) = (
            "（户主有误，整户暂不能导入）",
            " (the head's row: the household cannot be imported until it is corrected)",
        );
        for issue in self.list.iter_mut().filter(|i| {
            i.row == Some(row) && i.severity == Severity::Error && i.scope == IssueScope::Member
        }) {
            issue.scope = IssueScope::Household;
            issue.message.push_str(self.lang.pick(zh, en));
        }
    }

    pub fn into_list(self) -> Vec<RowIssue> {
        self.list
    }
}
