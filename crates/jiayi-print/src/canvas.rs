//! Drawing on a page in millimetres from the top-left corner, the way a designer measures.
//! Converts to PDF points from the bottom-left on the way out.

use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, PdfFontHandle, PdfPage, Point, Pt, Rect, Rgb,
    TextItem, TextRenderingMode, WindingOrder, XObjectId, XObjectTransform,
};

use crate::font::{Face, MM_PER_PT, Source, fallback_id};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgb8(pub u8, pub u8, pub u8);

impl Rgb8 {
    fn color(self) -> Color {
        Color::Rgb(Rgb::new(
            f32::from(self.0) / 255.0,
            f32::from(self.1) / 255.0,
            f32::from(self.2) / 255.0,
            None,
        ))
    }
}

/// The palette: a deep health-service green, ink, greys.
pub(crate) const INK: Rgb8 = Rgb8(0x22, 0x26, 0x2a);
pub(crate) const MUTED: Rgb8 = Rgb8(0x5f, 0x6b, 0x6d);
pub(crate) const ACCENT: Rgb8 = Rgb8(0x0b, 0x6e, 0x5f);
pub(crate) const ACCENT_LIGHT: Rgb8 = Rgb8(0xe3, 0xf1, 0xee);
pub(crate) const SHADE: Rgb8 = Rgb8(0xf3, 0xf6, 0xf5);
pub(crate) const RULE: Rgb8 = Rgb8(0x9a, 0xa8, 0xa6);
pub(crate) const ALERT: Rgb8 = Rgb8(0xb3, 0x26, 0x1e);
pub(crate) const WHITE: Rgb8 = Rgb8(0xff, 0xff, 0xff);

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub size: f32,
    pub color: Rgb8,
    pub bold: bool,
}

impl Style {
    pub const fn new(size: f32) -> Style {
        Style {
            size,
            color: INK,
            bold: false,
        }
    }
    pub const fn color(mut self, color: Rgb8) -> Style {
        self.color = color;
        self
    }
    pub const fn bold(mut self) -> Style {
        self.bold = true;
        self
    }
}

/// Millimetres to points, rounded to 1/100 pt (3.5 µm, far below any printer's dot): the
/// content streams then carry short numbers, which keeps files small and quick to deflate.
fn pt(mm: f32) -> Pt {
    Pt((mm / MM_PER_PT * 100.0).round() / 100.0)
}

#[derive(Clone)]
pub(crate) struct Canvas {
    pub width: f32,
    pub height: f32,
    pub ops: Vec<Op>,
    font: FontId,
}

impl Canvas {
    pub fn new(width: f32, height: f32, font: FontId) -> Canvas {
        Canvas {
            width,
            height,
            ops: Vec::new(),
            font,
        }
    }

    /// Draws with `draw` beneath everything already on the page.
    pub fn underlay(&mut self, draw: impl FnOnce(&mut Canvas)) {
        let mut under = Canvas::new(self.width, self.height, self.font.clone());
        draw(&mut under);
        under.ops.append(&mut self.ops);
        self.ops = under.ops;
    }

    pub fn into_page(self) -> PdfPage {
        PdfPage::new(
            printpdf::Mm(self.width),
            printpdf::Mm(self.height),
            self.ops,
        )
    }

    fn point(&self, x: f32, y: f32) -> Point {
        Point {
            x: pt(x),
            y: pt(self.height - y),
        }
    }

    /// One line of text with its baseline at `y`; `x` is the left edge, centre or right edge
    /// depending on `align`. The caller has already wrapped it to fit.
    pub fn text(&mut self, face: &Face, x: f32, y: f32, align: Align, style: Style, text: &str) {
        let text = face.clean(text);
        if text.is_empty() {
            return;
        }
        let w = face.width(&text, style.size);
        let left = match align {
            Align::Left => x,
            Align::Center => x - w / 2.0,
            Align::Right => x - w,
        };
        let pos = self.point(left, y);
        // No q/Q around each run: colour and stroke width are set by every drawing call,
        // and the rendering mode is put back before the text object ends.
        self.ops.push(Op::SetFillColor {
            col: style.color.color(),
        });
        if style.bold {
            // The face has no bold weight: stroke the outline lightly in the same colour.
            self.ops.push(Op::SetOutlineColor {
                col: style.color.color(),
            });
            self.ops.push(Op::SetOutlineThickness {
                pt: Pt(style.size * 0.045),
            });
        }
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFont {
            font: PdfFontHandle::External(self.font.clone()),
            size: Pt(style.size),
        });
        if style.bold {
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::FillStroke,
            });
        }
        self.ops.push(Op::SetTextCursor { pos });
        // One run per font; each run's glyphs move the cursor on for the next.
        let runs = face.runs(&text);
        let single = runs.len() == 1 && runs[0].0 == Source::Main;
        for (source, run) in runs {
            if !single {
                let font = match source {
                    Source::Main => self.font.clone(),
                    Source::Fallback(i) => fallback_id(i),
                };
                self.ops.push(Op::SetFont {
                    font: PdfFontHandle::External(font),
                    size: Pt(style.size),
                });
            }
            self.ops.push(Op::ShowText {
                items: vec![TextItem::Text(run)],
            });
        }
        if style.bold {
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::Fill,
            });
        }
        self.ops.push(Op::EndTextSection);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width_pt: f32, color: Rgb8) {
        let points = vec![
            LinePoint {
                p: self.point(x1, y1),
                bezier: false,
            },
            LinePoint {
                p: self.point(x2, y2),
                bezier: false,
            },
        ];
        self.ops.push(Op::SetOutlineColor { col: color.color() });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width_pt) });
        self.ops.push(Op::DrawLine {
            line: Line {
                points,
                is_closed: false,
            },
        });
    }

    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb8) {
        self.ops.push(Op::SetFillColor { col: color.color() });
        self.ops.push(Op::DrawRectangle {
            rectangle: self.rect(x, y, w, h, PaintMode::Fill),
        });
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width_pt: f32, color: Rgb8) {
        self.ops.push(Op::SetOutlineColor { col: color.color() });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width_pt) });
        self.ops.push(Op::DrawRectangle {
            rectangle: self.rect(x, y, w, h, PaintMode::Stroke),
        });
    }

    fn rect(&self, x: f32, y: f32, w: f32, h: f32, mode: PaintMode) -> Rect {
        Rect {
            x: pt(x),
            y: pt(self.height - y - h),
            width: pt(w),
            height: pt(h),
            mode: Some(mode),
            winding_order: Some(WindingOrder::NonZero),
        }
    }

    /// Filled rectangles in one colour inside a `size`-square box at (`x`, `y`), given in the
    /// box's own millimetres from its top-left (QR modules). The box is placed with a matrix,
    /// so the same code drawn on many cards is the same bytes each time and deflates to
    /// almost nothing.
    pub fn fill_rects_in_box(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        rects: &[(f32, f32, f32, f32)],
        color: Rgb8,
    ) {
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetTransformationMatrix {
            matrix: printpdf::CurTransMat::Translate(pt(x), pt(self.height - y - size)),
        });
        self.ops.push(Op::SetFillColor { col: color.color() });
        for &(rx, ry, w, h) in rects {
            let rectangle = Rect {
                x: pt(rx),
                y: pt(size - ry - h),
                width: pt(w),
                height: pt(h),
                mode: Some(PaintMode::Fill),
                winding_order: Some(WindingOrder::NonZero),
            };
            self.ops.push(Op::DrawRectangle { rectangle });
        }
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// Places an image of `px_w` × `px_h` pixels into the box, scaled to fit and centred.
    #[allow(clippy::too_many_arguments)]
    pub fn image(
        &mut self,
        id: &XObjectId,
        px_w: usize,
        px_h: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    ) {
        if px_w == 0 || px_h == 0 {
            return;
        }
        let (pw, ph) = (px_w as f32, px_h as f32);
        let scale_mm = (w / pw).min(h / ph);
        let (dw, dh) = (pw * scale_mm, ph * scale_mm);
        let left = x + (w - dw) / 2.0;
        let bottom = y + (h + dh) / 2.0;
        // At 72 dpi one pixel is one point; scale from there.
        let scale = scale_mm / MM_PER_PT;
        self.ops.push(Op::UseXobject {
            id: id.clone(),
            transform: XObjectTransform {
                translate_x: Some(pt(left)),
                translate_y: Some(pt(self.height - bottom)),
                scale_x: Some(scale),
                scale_y: Some(scale),
                dpi: Some(72.0),
                ..Default::default()
            },
        });
    }
}
