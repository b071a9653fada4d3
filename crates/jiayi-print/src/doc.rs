//! Pieces shared by the A4 documents: signature images, the signature boxes, the running
//! header and footer with the copy mark and page numbers, and saving.

use chrono::NaiveDate;
use jiayi_core::Lang;
use printpdf::{PdfDocument, PdfPage, PdfSaveOptions, RawImage, XObjectId};

use crate::canvas::{ACCENT, Align, Canvas, INK, MUTED, RULE, SHADE, Style};
use crate::error::{PrintError, Result};
use crate::flow::{A4_W, BODY_BOTTOM, Flow, MARGIN_X, baseline, line_height};
use crate::font::Face;
use crate::templates::fill;

/// The drawn signatures (PNG) captured on the tablet or laptop at signing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signatures {
    pub resident_png: Option<Vec<u8>>,
    pub doctor_png: Option<Vec<u8>>,
}

pub(crate) struct Image {
    pub id: XObjectId,
    pub width: usize,
    pub height: usize,
}

pub(crate) struct SignatureImages {
    pub resident: Option<Image>,
    pub doctor: Option<Image>,
}

impl SignatureImages {
    pub fn add(doc: &mut PdfDocument, signatures: &Signatures) -> Result<SignatureImages> {
        Ok(SignatureImages {
            resident: add_png(doc, signatures.resident_png.as_deref(), "resident's")?,
            doctor: add_png(doc, signatures.doctor_png.as_deref(), "doctor's")?,
        })
    }
}

fn add_png(
    doc: &mut PdfDocument,
    png: Option<&[u8]>,
    whose: &'static str,
) -> Result<Option<Image>> {
    let Some(png) = png else { return Ok(None) };
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(PrintError::Signature {
            whose,
            message: "not a PNG file".into(),
        });
    }
    let image = RawImage::decode_from_bytes(png, &mut Vec::new())
        .map_err(|message| PrintError::Signature { whose, message })?;
    let (width, height) = (image.width, image.height);
    Ok(Some(Image {
        id: doc.add_image(&image),
        width,
        height,
    }))
}

/// Dates as a Chinese reader writes them, or ISO for English.
pub(crate) fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%-m月%-d日").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

pub(crate) struct SignatureBox<'a> {
    pub label: &'a str,
    pub image: Option<&'a Image>,
    pub date_label: &'a str,
    /// The signing date, or None to leave a blank for a hand-written one.
    pub date: Option<String>,
    pub blank_date: &'a str,
    /// A line under the date (the seal line, or who signed for the household).
    pub footnote: String,
}

pub(crate) const SIGNATURE_BOX_H: f32 = 42.0;

/// Two signature boxes side by side, Party A left and Party B right.
pub(crate) fn signature_boxes(flow: &mut Flow<'_>, a: &SignatureBox<'_>, b: &SignatureBox<'_>) {
    flow.ensure(SIGNATURE_BOX_H + 2.0);
    let gap = 6.0;
    let w = (flow.width() - gap) / 2.0;
    let y = flow.y;
    let face = flow.face;
    for (i, sbox) in [a, b].into_iter().enumerate() {
        let x = flow.left + i as f32 * (w + gap);
        let page = flow.page();
        page.stroke_rect(x, y, w, SIGNATURE_BOX_H, 0.6, RULE);
        let label = Style::new(9.5).bold();
        page.text(face, x + 3.0, y + 6.0, Align::Left, label, sbox.label);
        if let Some(img) = sbox.image {
            page.image(
                &img.id,
                img.width,
                img.height,
                x + 6.0,
                y + 8.5,
                w - 12.0,
                17.0,
            );
        }
        page.line(x + 3.0, y + 27.0, x + w - 3.0, y + 27.0, 0.5, RULE);
        let date_text = sbox
            .date
            .clone()
            .unwrap_or_else(|| sbox.blank_date.to_string());
        let date_line = format!("{}：{}", sbox.date_label, date_text);
        page.text(
            face,
            x + 3.0,
            y + 32.5,
            Align::Left,
            Style::new(9.0),
            &date_line,
        );
        for (j, line) in face
            .wrap(&sbox.footnote, 8.0, w - 6.0)
            .iter()
            .take(2)
            .enumerate()
        {
            page.text(
                face,
                x + 3.0,
                y + 37.0 + j as f32 * 3.6,
                Align::Left,
                Style::new(8.0).color(MUTED),
                line,
            );
        }
    }
    flow.y = y + SIGNATURE_BOX_H;
}

/// The verification strip: the code in bold, then what it is for.
pub(crate) fn verification_strip(flow: &mut Flow<'_>, label: &str, code: &str, note: &str) {
    let note_style = Style::new(7.5).color(MUTED);
    let lines = flow.face.wrap(note, note_style.size, flow.width() - 6.0);
    let h = 8.0 + lines.len() as f32 * line_height(note_style.size) + 2.0;
    flow.ensure(h);
    let (x, y, w) = (flow.left, flow.y, flow.width());
    let face = flow.face;
    let page = flow.page();
    page.fill_rect(x, y, w, h, SHADE);
    page.fill_rect(x, y, 1.0, h, ACCENT);
    let code_style = Style::new(10.0).color(ACCENT).bold();
    page.text(
        face,
        x + 3.0,
        y + 6.0,
        Align::Left,
        code_style,
        &format!("{label}：{code}"),
    );
    let lh = line_height(note_style.size);
    for (i, line) in lines.iter().enumerate() {
        let base = baseline(face, y + 8.0 + i as f32 * lh, lh, note_style.size);
        page.text(face, x + 3.0, base, Align::Left, note_style, line);
    }
    flow.y = y + h;
}

pub(crate) struct Decoration<'a> {
    pub header_left: &'a str,
    pub mark: &'a str,
    pub footer_left: &'a str,
    pub page_template: &'a str,
}

/// Adds the running header (institution, copy mark) and footer (reference, "第 n 页 共 N
/// 页") to one copy's pages. Numbering restarts for each copy: each is a document of its own
/// once the sheets are separated.
pub(crate) fn decorate(face: &Face, pages: &mut [Canvas], d: &Decoration<'_>) {
    let total = pages.len().to_string();
    let right = A4_W - MARGIN_X;
    let small = Style::new(8.0).color(MUTED);
    for (i, page) in pages.iter_mut().enumerate() {
        let mark_style = Style::new(9.0).color(ACCENT).bold();
        let mark_w = face.width(d.mark, mark_style.size) + 5.0;
        page.stroke_rect(right - mark_w, 12.5, mark_w, 6.5, 0.8, ACCENT);
        page.text(
            face,
            right - mark_w / 2.0,
            17.1,
            Align::Center,
            mark_style,
            d.mark,
        );
        let header_room = A4_W - 2.0 * MARGIN_X - mark_w - 4.0;
        let header = face
            .wrap(d.header_left, 8.5, header_room)
            .into_iter()
            .next()
            .unwrap_or_default();
        page.text(
            face,
            MARGIN_X,
            17.1,
            Align::Left,
            Style::new(8.5).color(INK),
            &header,
        );
        page.line(MARGIN_X, 21.0, right, 21.0, 0.7, ACCENT);

        let foot = BODY_BOTTOM + 3.5;
        page.line(MARGIN_X, foot, right, foot, 0.4, RULE);
        let number = fill(
            d.page_template,
            &[("page", &(i + 1).to_string()), ("pages", &total)],
        );
        page.text(face, right, foot + 5.0, Align::Right, small, &number);
        let room = A4_W - 2.0 * MARGIN_X - face.width(&number, small.size) - 6.0;
        let footer = face
            .wrap(d.footer_left, small.size, room)
            .into_iter()
            .next()
            .unwrap_or_default();
        page.text(face, MARGIN_X, foot + 5.0, Align::Left, small, &footer);
    }
}

/// zlib levels for the streams. printpdf's own save deflates at level 9, which took most of
/// an agreement's time for a few percent of size. Agreements favour speed; card sheets repeat
/// the same QR code block many times, which level 3's longer match search turns into a file a
/// quarter the size of level 1's for the same time.
pub(crate) const DEFLATE_FAST: u32 = 1;
pub(crate) const DEFLATE_REPEATS: u32 = 3;

/// Serialises the document with the font subset to the glyphs used and every stream
/// deflated.
pub(crate) fn save(mut doc: PdfDocument, pages: Vec<PdfPage>, level: u32) -> Vec<u8> {
    let options = PdfSaveOptions {
        subset_fonts: true,
        optimize: false,
        ..Default::default()
    };
    for i in 0..crate::font::FALLBACKS {
        if uses_font(&pages, &crate::font::fallback_id(i))
            && let Some(fallback) = crate::font::fallback(i)
        {
            // Registered under a fixed name, the one the pages' runs ask for.
            let id = doc.add_font(&fallback.parsed);
            if let Some(font) = doc.resources.fonts.map.remove(&id) {
                doc.resources
                    .fonts
                    .map
                    .insert(crate::font::fallback_id(i), font);
            }
        }
    }
    doc.with_pages(pages);
    let mut pdf = doc.to_lopdf_document(&options, &mut Vec::new());
    for object in pdf.objects.values_mut() {
        if let lopdf::Object::Stream(stream) = object
            && stream.allows_compression
            && stream.dict.get(b"Filter").is_err()
            && let Some(packed) = deflate(&stream.content, level)
            && packed.len() + 19 < stream.content.len()
        {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    }
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = pdf.save_to(&mut out);
    out
}

fn uses_font(pages: &[PdfPage], id: &printpdf::FontId) -> bool {
    pages.iter().flat_map(|p| &p.ops).any(|op| {
        matches!(op, printpdf::Op::SetFont { font: printpdf::PdfFontHandle::External(f), .. } if f == id)
    })
}

fn deflate(data: &[u8], level: u32) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(level),
    );
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}
