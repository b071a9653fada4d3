//! Flowing layout for A4 documents: paragraphs, headings and tables that continue onto new
//! pages, with the table header repeated on every page a table touches.

use printpdf::FontId;

use crate::canvas::{ACCENT, ACCENT_LIGHT, Align, Canvas, INK, RULE, Rgb8, Style};
use crate::font::{Face, MM_PER_PT};

pub(crate) const A4_W: f32 = 210.0;
pub(crate) const A4_H: f32 = 297.0;
/// Left and right margin of the A4 documents; the header and footer sit inside it too.
pub const MARGIN_X: f32 = 18.0;
/// Top and bottom limits of anything printed, header and footer included.
pub const MARGIN_Y: f32 = 12.0;
/// The body runs between these; the band above and below holds header and footer.
pub(crate) const BODY_TOP: f32 = 26.0;
pub(crate) const BODY_BOTTOM: f32 = 274.0;

/// Line pitch for a font size, in mm.
pub(crate) fn line_height(size: f32) -> f32 {
    size * MM_PER_PT * 1.5
}

/// Baseline inside a line box of height `lh` whose top is at `top`: the glyphs' box is
/// centred in the line.
pub(crate) fn baseline(face: &Face, top: f32, lh: f32, size: f32) -> f32 {
    let em = size * MM_PER_PT;
    top + (lh - (face.ascent + face.descent) * em) / 2.0 + face.ascent * em
}

#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub text: String,
    pub span: usize,
    pub align: Align,
    pub style: Style,
    pub fill: Option<Rgb8>,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            span: 1,
            align: Align::Left,
            style,
            fill: None,
        }
    }
    pub fn span(mut self, span: usize) -> Cell {
        self.span = span.max(1);
        self
    }
    pub fn align(mut self, align: Align) -> Cell {
        self.align = align;
        self
    }
    pub fn fill(mut self, fill: Rgb8) -> Cell {
        self.fill = Some(fill);
        self
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub cells: Vec<Cell>,
    /// Columns with no rule above this row: they read as merged with the row above (a
    /// package spanning its item rows).
    pub merged: Vec<usize>,
    /// Cells that replace the leading cells when this row is the first on a page, so a
    /// merged cell's text is repeated after a page break.
    pub carry: Vec<Cell>,
}

impl Row {
    pub fn new(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            merged: Vec::new(),
            carry: Vec::new(),
        }
    }
}

pub(crate) struct Table {
    pub widths: Vec<f32>,
    pub header: Option<Vec<Cell>>,
    pub rows: Vec<Row>,
}

/// A cell after wrapping: where it sits and its lines.
struct Laid {
    x: f32,
    w: f32,
    lines: Vec<String>,
    cell: Cell,
}

const PAD_X: f32 = 1.4;
const PAD_Y: f32 = 1.1;

pub(crate) struct Flow<'f> {
    pub face: &'f Face,
    font: FontId,
    pub pages: Vec<Canvas>,
    pub y: f32,
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
}

impl<'f> Flow<'f> {
    pub fn a4(face: &'f Face, font: FontId) -> Flow<'f> {
        let mut flow = Flow {
            face,
            font,
            pages: Vec::new(),
            y: BODY_TOP,
            left: MARGIN_X,
            right: A4_W - MARGIN_X,
            top: BODY_TOP,
            bottom: BODY_BOTTOM,
        };
        flow.new_page();
        flow
    }

    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    pub fn page(&mut self) -> &mut Canvas {
        if self.pages.is_empty() {
            self.pages.push(Canvas::new(A4_W, A4_H, self.font.clone()));
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn new_page(&mut self) {
        self.pages.push(Canvas::new(A4_W, A4_H, self.font.clone()));
        self.y = self.top;
    }

    /// Starts a new page unless `h` more millimetres fit on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom && self.y > self.top {
            self.new_page();
        }
    }

    pub fn space(&mut self, h: f32) {
        self.y = (self.y + h).min(self.bottom);
    }

    /// A wrapped paragraph; lines flow onto the next page one by one.
    pub fn paragraph(&mut self, text: &str, style: Style, indent: f32, align: Align) {
        let lh = line_height(style.size);
        let width = self.width() - indent;
        for line in self.face.wrap(text, style.size, width) {
            self.ensure(lh);
            let base = baseline(self.face, self.y, lh, style.size);
            let x = match align {
                Align::Left => self.left + indent,
                Align::Center => self.left + indent + width / 2.0,
                Align::Right => self.right,
            };
            let face = self.face;
            self.page().text(face, x, base, align, style, &line);
            self.y += lh;
        }
    }

    /// A numbered clause with a hanging indent: "1." in the margin column, text beside it.
    pub fn numbered(&mut self, label: &str, text: &str, style: Style, gap_after: f32) {
        let lh = line_height(style.size);
        let hang = self.face.width("00.", style.size) + 1.5;
        let lines = self.face.wrap(text, style.size, self.width() - hang);
        // Keep at least two lines of a clause together with its number.
        self.ensure(lh * lines.len().min(2) as f32);
        for (i, line) in lines.iter().enumerate() {
            self.ensure(lh);
            let base = baseline(self.face, self.y, lh, style.size);
            let face = self.face;
            let left = self.left;
            if i == 0 {
                self.page()
                    .text(face, left, base, Align::Left, style, label);
            }
            self.page()
                .text(face, left + hang, base, Align::Left, style, line);
            self.y += lh;
        }
        self.space(gap_after);
    }

    /// A section heading: a short accent bar and bold text; never left alone at a page foot.
    pub fn heading(&mut self, text: &str) {
        let style = Style::new(11.0).color(ACCENT).bold();
        let lh = line_height(style.size);
        self.ensure(lh + 22.0);
        self.space(1.5);
        let base = baseline(self.face, self.y, lh, style.size);
        let (left, y) = (self.left, self.y);
        self.page()
            .fill_rect(left, y + lh * 0.22, 1.2, lh * 0.56, ACCENT);
        let face = self.face;
        self.page()
            .text(face, left + 3.0, base, Align::Left, style, text);
        self.y += lh + 0.8;
    }

    fn lay_row(&self, widths: &[f32], cells: &[Cell]) -> (Vec<Laid>, f32) {
        let mut x = self.left;
        let mut col = 0;
        let mut laid = Vec::new();
        let mut height: f32 = 0.0;
        for cell in cells {
            let end = (col + cell.span).min(widths.len());
            let w: f32 = widths.get(col..end).map_or(0.0, |ws| ws.iter().sum());
            let lines = self
                .face
                .wrap(&cell.text, cell.style.size, (w - 2.0 * PAD_X).max(1.0));
            let h = lines.len() as f32 * line_height(cell.style.size) + 2.0 * PAD_Y;
            height = height.max(h);
            laid.push(Laid {
                x,
                w,
                lines,
                cell: cell.clone(),
            });
            x += w;
            col = end;
        }
        (laid, height)
    }

    fn draw_row(&mut self, laid: &[Laid], height: f32, rule: &[(f32, f32)]) {
        let y = self.y;
        let face = self.face;
        for l in laid {
            if let Some(fill) = l.cell.fill {
                self.page().fill_rect(l.x, y, l.w, height, fill);
            }
        }
        for l in laid {
            let lh = line_height(l.cell.style.size);
            let block = l.lines.len() as f32 * lh;
            let mut top = y + (height - block) / 2.0;
            for line in &l.lines {
                let base = baseline(face, top, lh, l.cell.style.size);
                let x = match l.cell.align {
                    Align::Left => l.x + PAD_X,
                    Align::Center => l.x + l.w / 2.0,
                    Align::Right => l.x + l.w - PAD_X,
                };
                self.page()
                    .text(face, x, base, l.cell.align, l.cell.style, line);
                top += lh;
            }
        }
        for &(x1, x2) in rule {
            self.page().line(x1, y, x2, y, 0.5, RULE);
        }
        if let Some(first) = laid.first() {
            self.page().line(first.x, y, first.x, y + height, 0.5, RULE);
        }
        for l in laid {
            self.page()
                .line(l.x + l.w, y, l.x + l.w, y + height, 0.5, RULE);
        }
        self.y += height;
    }

    fn draw_header(&mut self, widths: &[f32], header: &[Cell]) {
        let (laid, h) = self.lay_row(widths, header);
        let y = self.y;
        let (left, right) = (self.left, self.right);
        self.draw_row(&laid, h, &[(left, right)]);
        self.page().line(left, y + h, right, y + h, 0.8, ACCENT);
    }

    fn close(&mut self) {
        let (left, right, y) = (self.left, self.right, self.y);
        self.page().line(left, y, right, y, 0.5, RULE);
    }

    /// Draws a table; rows that do not fit go to the next page under a repeated header.
    pub fn table(&mut self, table: &Table) {
        let header_h = table
            .header
            .as_ref()
            .map_or(0.0, |h| self.lay_row(&table.widths, h).1);
        let first_h = table
            .rows
            .first()
            .map_or(0.0, |r| self.lay_row(&table.widths, &r.cells).1);
        self.ensure(header_h + first_h);
        if let Some(h) = &table.header {
            self.draw_header(&table.widths, h);
        }
        let mut first_on_page = true;
        for row in &table.rows {
            let (mut laid, mut h) = self.lay_row(&table.widths, &row.cells);
            if self.y + h > self.bottom && !first_on_page {
                self.close();
                self.new_page();
                if let Some(hd) = &table.header {
                    self.draw_header(&table.widths, hd);
                }
                first_on_page = true;
            }
            if first_on_page && !row.carry.is_empty() {
                let mut cells = row.carry.clone();
                cells.extend(row.cells.iter().skip(row.carry.len()).cloned());
                (laid, h) = self.lay_row(&table.widths, &cells);
            }
            // A row taller than a whole page would never fit: keep what fits, drop the rest.
            let room = self.bottom - self.y;
            if h > room {
                for l in &mut laid {
                    let lh = line_height(l.cell.style.size);
                    let keep = (((room - 2.0 * PAD_Y) / lh).floor().max(1.0)) as usize;
                    l.lines.truncate(keep);
                }
                h = room;
            }
            let merged: &[usize] = if first_on_page { &[] } else { &row.merged };
            let rule = rule_segments(self.left, &table.widths, merged);
            self.draw_row(&laid, h, &rule);
            first_on_page = false;
        }
        self.close();
    }
}

/// The stretches of a row's top rule, skipping merged columns and joining neighbours.
fn rule_segments(left: f32, widths: &[f32], merged: &[usize]) -> Vec<(f32, f32)> {
    let mut segments: Vec<(f32, f32)> = Vec::new();
    let mut x = left;
    for (i, w) in widths.iter().enumerate() {
        if !merged.contains(&i) {
            match segments.last_mut() {
                Some(last) if (last.1 - x).abs() < 1e-3 => last.1 = x + w,
                _ => segments.push((x, x + w)),
            }
        }
        x += w;
    }
    segments
}

/// The standard body text style.
pub(crate) const BODY: Style = Style::new(9.5);
/// Table text.
pub(crate) const SMALL: Style = Style::new(8.5);
pub(crate) const TABLE_HEAD: Style = Style {
    size: 8.5,
    color: INK,
    bold: true,
};
pub(crate) const HEAD_FILL: Rgb8 = ACCENT_LIGHT;

#[cfg(test)]
mod tests {
    use super::*;
    use printpdf::{Op, PdfDocument, TextItem};

    fn texts(c: &Canvas) -> Vec<String> {
        c.ops
            .iter()
            .filter_map(|op| match op {
                Op::ShowText { items } => items.iter().find_map(|i| match i {
                    TextItem::Text(t) => Some(t.clone()),
                    _ => None,
                }),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_table_continues_under_a_repeated_header_and_names_its_merged_cell_again() {
        let face = crate::font::face().unwrap();
        let font = PdfDocument::new("t").add_font(&face.parsed);
        let mut flow = Flow::a4(face, font);
        let head = vec![
            Cell::new("服务包", TABLE_HEAD),
            Cell::new("服务项目", TABLE_HEAD),
        ];
        let mut rows = Vec::new();
        for i in 0..80 {
            let mut row = Row::new(vec![
                Cell::new(if i == 0 { "基础服务包" } else { "" }, SMALL),
                Cell::new(format!("项目{i}"), SMALL),
            ]);
            if i > 0 {
                row.merged = vec![0];
                row.carry = vec![Cell::new("基础服务包（续）", SMALL)];
            }
            rows.push(row);
        }
        flow.table(&Table {
            widths: vec![60.0, 114.0],
            header: Some(head),
            rows,
        });
        assert!(flow.pages.len() >= 2, "80 rows need a second page");
        for (n, page) in flow.pages.iter().enumerate() {
            let t = texts(page);
            assert_eq!(
                t.first().map(String::as_str),
                Some("服务包"),
                "page {n} starts with the header"
            );
            if n > 0 {
                assert!(
                    t.iter().any(|s| s == "基础服务包（续）"),
                    "page {n} names the merged cell again"
                );
            }
        }
        let all: Vec<String> = flow.pages.iter().flat_map(texts).collect();
        for i in 0..80 {
            assert!(all.contains(&format!("项目{i}")), "row {i} printed");
        }
    }
}
