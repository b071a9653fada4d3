//! The family doctor contact card (家庭医生联系卡), 85.6 × 54 mm (ID-1), front and back.
//!
//! A village's cards print ten to an A4 sheet (2 × 5, no gutter, crop marks in the margin).
//! Each sheet of fronts is followed by its sheet of backs with the columns swapped, so that
//! printing the whole file duplex with a long-edge flip puts every back behind its front.

use std::collections::HashMap;

use jiayi_core::Lang;
use jiayi_core::agreement::AgreementSnapshot;
use printpdf::{FontId, PdfDocument};
use qrcode::{EcLevel, QrCode};

use crate::canvas::{ACCENT, ALERT, Align, Canvas, INK, MUTED, RULE, Rgb8, SHADE, Style, WHITE};
use crate::doc::{DEFLATE_REPEATS, save};
use crate::error::{PrintError, Result};
use crate::flow::{A4_H, A4_W};
use crate::font::{self, Face};
use crate::marks::{PrintOptions, mark_pages};
use crate::templates::{self, CardText, fill};

pub const CARD_W: f32 = 85.6;
pub const CARD_H: f32 = 54.0;
const COLS: usize = 2;
const ROWS: usize = 5;
pub const CARDS_PER_SHEET: usize = COLS * ROWS;
/// Left and top edge of the card grid on the sheet: the grid is centred.
const GRID_X: f32 = (A4_W - COLS as f32 * CARD_W) / 2.0;
const GRID_Y: f32 = (A4_H - ROWS as f32 * CARD_H) / 2.0;
/// Nothing on a card comes closer to its edge than this (what survives an imprecise cut),
/// except the colour bands, which run to the edge on purpose.
pub const CARD_SAFE: f32 = 3.0;

/// One card as a two-page PDF of card size: front, then back.
pub fn render_card(
    card: &AgreementSnapshot,
    lang: Lang,
    options: &PrintOptions,
) -> Result<Vec<u8>> {
    let face = font::face()?;
    let t = templates::card(lang)?;
    let mut doc = PdfDocument::new(&t.title);
    let font = doc.add_font(&face.parsed);
    let qr = Qr::for_card(card, &t.family_doctor)?;
    let mut front = Canvas::new(CARD_W, CARD_H, font.clone());
    draw_front(&mut front, face, 0.0, 0.0, card, t, &qr);
    let mut back = Canvas::new(CARD_W, CARD_H, font);
    draw_back(&mut back, face, 0.0, 0.0, card, t, lang);
    let mut sides = [front, back];
    mark_pages(face, &mut sides, options, lang)?;
    let [front, back] = sides;
    Ok(save(
        doc,
        vec![front.into_page(), back.into_page()],
        DEFLATE_REPEATS,
    ))
}

/// All cards on A4 sheets, fronts and mirrored backs alternating, with crop marks.
pub fn render_cards(
    cards: &[AgreementSnapshot],
    lang: Lang,
    options: &PrintOptions,
) -> Result<Vec<u8>> {
    if cards.is_empty() {
        return Err(PrintError::Empty("no contact cards"));
    }
    let face = font::face()?;
    let t = templates::card(lang)?;
    let mut doc = PdfDocument::new(&t.title);
    let font = doc.add_font(&face.parsed);
    let sheets = cards.len().div_ceil(CARDS_PER_SHEET);
    let mut pages = Vec::with_capacity(sheets * 2);
    let mut codes: HashMap<String, Qr> = HashMap::new();
    for (n, chunk) in cards.chunks(CARDS_PER_SHEET).enumerate() {
        let mut front = sheet(&font, face, t, &t.sheet_front, n + 1, sheets);
        let mut back = sheet(&font, face, t, &t.sheet_back, n + 1, sheets);
        for (i, card) in chunk.iter().enumerate() {
            let (col, row) = (i % COLS, i / COLS);
            let y = GRID_Y + row as f32 * CARD_H;
            // A village's households mostly share one doctor: encode each vCard once.
            let vcard = vcard(card, &t.family_doctor);
            if !codes.contains_key(&vcard) {
                codes.insert(vcard.clone(), Qr::encode(&vcard)?);
            }
            let Some(qr) = codes.get(&vcard) else {
                continue;
            };
            draw_front(
                &mut front,
                face,
                GRID_X + col as f32 * CARD_W,
                y,
                card,
                t,
                qr,
            );
            // Long-edge flip mirrors left and right: the back goes in the other column.
            draw_back(
                &mut back,
                face,
                GRID_X + (COLS - 1 - col) as f32 * CARD_W,
                y,
                card,
                t,
                lang,
            );
        }
        let mut sides = [front, back];
        mark_pages(face, &mut sides, options, lang)?;
        pages.extend(sides.map(Canvas::into_page));
    }
    Ok(save(doc, pages, DEFLATE_REPEATS))
}

/// An empty A4 sheet with crop marks at every cut line and a note for the operator.
fn sheet(font: &FontId, face: &Face, t: &CardText, title: &str, n: usize, total: usize) -> Canvas {
    let mut c = Canvas::new(A4_W, A4_H, font.clone());
    let (x0, y0) = (GRID_X, GRID_Y);
    let (x1, y1) = (x0 + COLS as f32 * CARD_W, y0 + ROWS as f32 * CARD_H);
    let (gap, len) = (3.0, 6.0);
    let mark = Rgb8(0, 0, 0);
    for k in 0..=COLS {
        let x = x0 + k as f32 * CARD_W;
        c.line(x, y0 - gap - len, x, y0 - gap, 0.3, mark);
        c.line(x, y1 + gap, x, y1 + gap + len, 0.3, mark);
    }
    for k in 0..=ROWS {
        let y = y0 + k as f32 * CARD_H;
        c.line(x0 - gap - len, y, x0 - gap, y, 0.3, mark);
        c.line(x1 + gap, y, x1 + gap + len, y, 0.3, mark);
    }
    let label = format!(
        "{} · {}",
        fill(
            title,
            &[("n", &n.to_string()), ("total", &total.to_string())]
        ),
        t.duplex
    );
    let room = CARD_W - 6.0;
    let style = Style::new(6.5).color(MUTED);
    let line = face
        .wrap(&label, style.size, room)
        .into_iter()
        .next()
        .unwrap_or_default();
    c.text(face, x0 + 3.0, y0 - 4.5, Align::Left, style, &line);
    c
}

/// The first line of `text` that fits `width`, with an ellipsis when something was cut.
fn fit(face: &Face, text: &str, size: f32, width: f32) -> String {
    let lines = face.wrap(text, size, width);
    match lines.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, ..] => {
            let mut s = first.clone();
            while !s.is_empty() && face.width(&format!("{s}…"), size) > width {
                s.pop();
            }
            format!("{s}…")
        }
    }
}

fn draw_front(
    c: &mut Canvas,
    face: &Face,
    ox: f32,
    oy: f32,
    s: &AgreementSnapshot,
    t: &CardText,
    qr: &Qr,
) {
    let a = &s.party_a;
    let inner = CARD_W - 2.0 * CARD_SAFE;
    let x = ox + CARD_SAFE + 1.0;
    // Header band, to the card edge.
    c.fill_rect(ox, oy, CARD_W, 13.0, ACCENT);
    c.text(
        face,
        x,
        oy + 7.0,
        Align::Left,
        Style::new(11.0).color(WHITE).bold(),
        &t.title,
    );
    let org = if a.village_clinic.trim().is_empty() {
        a.institution.clone()
    } else {
        format!("{} · {}", a.institution, a.village_clinic)
    };
    c.text(
        face,
        x,
        oy + 11.0,
        Align::Left,
        Style::new(6.5).color(WHITE),
        &fit(face, &org, 6.5, inner - 2.0),
    );

    // The family doctor, large.
    let left_w = 52.0;
    c.text(
        face,
        x,
        oy + 18.2,
        Align::Left,
        Style::new(6.5).color(MUTED),
        &t.your_doctor,
    );
    let doctor = fit(face, &a.family_doctor.name, 13.0, left_w);
    c.text(
        face,
        x,
        oy + 24.4,
        Align::Left,
        Style::new(13.0).bold(),
        &doctor,
    );
    let phone = fit(face, &format!("☎ {}", a.family_doctor.phone), 11.0, left_w);
    c.text(
        face,
        x,
        oy + 29.8,
        Align::Left,
        Style::new(11.0).color(ACCENT).bold(),
        &phone,
    );

    // The rest of the team.
    c.text(
        face,
        x,
        oy + 34.6,
        Align::Left,
        Style::new(6.0).color(MUTED),
        &t.team,
    );
    let mut y = oy + 37.9;
    let team = [
        (&t.leader, Some(&a.leader)),
        (&t.nurse, a.nurse.as_ref()),
        (&t.public_health_worker, a.public_health_worker.as_ref()),
    ];
    for (role, member) in team {
        let Some(m) = member else { continue };
        let line = fit(
            face,
            &format!("{role}  {}  {}", m.name, m.phone),
            6.5,
            left_w,
        );
        c.text(face, x, y, Align::Left, Style::new(6.5), &line);
        y += 3.1;
    }

    // QR code with the doctor's vCard.
    let qr_size = 22.0;
    let qx = ox + CARD_W - CARD_SAFE - 1.0 - qr_size;
    let qy = oy + 16.0;
    qr.draw(c, qx, qy, qr_size);
    let caption = face.wrap(&t.qr_caption, 5.5, qr_size + 2.0);
    for (i, line) in caption.iter().take(2).enumerate() {
        c.text(
            face,
            qx + qr_size / 2.0,
            qy + qr_size + 3.0 + i as f32 * 2.6,
            Align::Center,
            Style::new(5.5).color(MUTED),
            line,
        );
    }

    // The household, at the foot.
    let foot = oy + CARD_H - CARD_SAFE - 1.0;
    c.line(
        ox + CARD_SAFE,
        foot - 4.6,
        ox + CARD_W - CARD_SAFE,
        foot - 4.6,
        0.4,
        RULE,
    );
    let household = fill(&t.household, &[("name", &s.party_b.head_name)]);
    let number = format!("{} {}", t.agreement_number, s.agreement_number);
    let record = (!s.health_record_number.trim().is_empty())
        .then(|| format!("{} {}", t.record_number, s.health_record_number));
    let number_w = face
        .width(&number, 5.5)
        .max(record.as_deref().map_or(0.0, |r| face.width(r, 5.5)))
        .min(inner / 2.0);
    if let Some(record) = record {
        let record = fit(face, &record, 5.5, number_w + 0.01);
        c.text(
            face,
            ox + CARD_W - CARD_SAFE - 1.0,
            foot - 2.3,
            Align::Right,
            Style::new(5.5).color(MUTED),
            &record,
        );
    }
    let number = fit(face, &number, 5.5, number_w + 0.01);
    c.text(
        face,
        ox + CARD_W - CARD_SAFE - 1.0,
        foot,
        Align::Right,
        Style::new(5.5).color(MUTED),
        &number,
    );
    let household = fit(face, &household, 7.5, inner - number_w - 4.0);
    c.text(
        face,
        x,
        foot,
        Align::Left,
        Style::new(7.5).bold(),
        &household,
    );
}

fn draw_back(
    c: &mut Canvas,
    face: &Face,
    ox: f32,
    oy: f32,
    s: &AgreementSnapshot,
    t: &CardText,
    lang: Lang,
) {
    let a = &s.party_a;
    let x = ox + CARD_SAFE + 1.0;
    let right = ox + CARD_W - CARD_SAFE - 1.0;
    c.fill_rect(ox, oy, CARD_W, 1.6, ACCENT);
    c.text(
        face,
        x,
        oy + 7.6,
        Align::Left,
        Style::new(8.5).color(ACCENT).bold(),
        &t.services,
    );
    c.line(x, oy + 9.4, right, oy + 9.4, 0.6, ACCENT);

    // The service items in short, two columns, the basic ones first as the catalog lists them.
    let mut items: Vec<&str> = Vec::new();
    for p in &s.packages {
        for it in &p.items {
            let name = lang.pick(&it.name, &it.name_en);
            if !items.contains(&name) {
                items.push(name);
            }
        }
        if p.items.is_empty() {
            items.push(lang.pick(&p.name, &p.name_en));
        }
    }
    // Four rows of items leave a line for the team's duties above the contact panel.
    let slots = 8;
    let col_w = (right - x) / 2.0;
    let shown = if items.len() > slots {
        slots - 1
    } else {
        items.len()
    };
    for (i, item) in items.iter().take(shown).enumerate() {
        let cx = x + (i % 2) as f32 * col_w;
        let cy = oy + 13.6 + (i / 2) as f32 * 3.6;
        c.fill_rect(cx + 0.3, cy - 1.55, 1.1, 1.1, ACCENT);
        c.text(
            face,
            cx + 2.4,
            cy,
            Align::Left,
            Style::new(6.5).color(INK),
            &fit(face, item, 6.5, col_w - 3.4),
        );
    }
    if items.len() > shown {
        let i = shown;
        let cx = x + (i % 2) as f32 * col_w;
        let cy = oy + 13.6 + (i / 2) as f32 * 3.6;
        let more = fill(&t.more_items, &[("n", &items.len().to_string())]);
        c.text(
            face,
            cx + 2.4,
            cy,
            Align::Left,
            Style::new(6.5).color(MUTED),
            &fit(face, &more, 6.5, col_w - 3.4),
        );
    }

    c.text(
        face,
        x,
        oy + 28.6,
        Align::Left,
        Style::new(6.0).color(INK),
        &fit(face, &t.duties, 6.0, right - x),
    );

    // Contact panel on a light ground, to the card's lower edge.
    let panel = oy + 30.5;
    c.fill_rect(ox, panel, CARD_W, CARD_H - 30.5, SHADE);
    let label_w = face
        .width(&t.hotline, 6.5)
        .max(face.width(&t.hours, 6.5))
        .max(face.width(&t.complaint, 6.5))
        + 2.5;
    let value_w = right - x - label_w;
    let mut y = panel + 3.5;
    let limit = oy + CARD_H - CARD_SAFE - 5.0;
    for (label, value, lines) in [
        (&t.hotline, &a.service_hotline, 1),
        (&t.hours, &a.service_hours, 2),
        (&t.complaint, &a.complaint_phone, 1),
    ] {
        let wrapped = face.wrap(value, 6.5, value_w);
        c.text(
            face,
            x,
            y,
            Align::Left,
            Style::new(6.5).color(ACCENT).bold(),
            label,
        );
        for line in wrapped.iter().take(lines) {
            if y > limit {
                break;
            }
            c.text(
                face,
                x + label_w,
                y,
                Align::Left,
                Style::new(6.5).color(INK),
                line,
            );
            y += 3.0;
        }
    }
    c.text(
        face,
        x,
        y + 0.4,
        Align::Left,
        Style::new(7.0).color(ALERT).bold(),
        &fit(face, &t.emergency, 7.0, right - x),
    );
    let foot = oy + CARD_H - CARD_SAFE - 0.6;
    c.text(
        face,
        x,
        foot,
        Align::Left,
        Style::new(5.3).color(MUTED),
        &fit(face, &t.footer, 5.3, right - x),
    );
}

/// The doctor's contact as a vCard 3.0 QR code, kept as a module grid.
struct Qr {
    width: usize,
    dark: Vec<bool>,
}

impl Qr {
    fn for_card(s: &AgreementSnapshot, title: &str) -> Result<Qr> {
        Qr::encode(&vcard(s, title))
    }

    fn encode(vcard: &str) -> Result<Qr> {
        let code = QrCode::with_error_correction_level(vcard.as_bytes(), EcLevel::M)
            .map_err(|e| PrintError::QrCode(e.to_string()))?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Ok(Qr {
            width: code.width(),
            dark,
        })
    }

    /// Dark modules as horizontal runs, one path for the whole code, with the quiet zone
    /// left white around it.
    fn draw(&self, c: &mut Canvas, x: f32, y: f32, size: f32) {
        let quiet = 2.0;
        let module = size / (self.width as f32 + 2.0 * quiet);
        let mut rects = Vec::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if self
                    .dark
                    .get(row * self.width + col)
                    .copied()
                    .unwrap_or(false)
                {
                    let start = col;
                    while col < self.width
                        && self
                            .dark
                            .get(row * self.width + col)
                            .copied()
                            .unwrap_or(false)
                    {
                        col += 1;
                    }
                    // A hair of overlap so viewers draw no seams between modules.
                    rects.push((
                        (quiet + start as f32) * module,
                        (quiet + row as f32) * module,
                        (col - start) as f32 * module + 0.02,
                        module + 0.02,
                    ));
                } else {
                    col += 1;
                }
            }
        }
        c.fill_rect(x, y, size, size, WHITE);
        c.fill_rects_in_box(x, y, size, &rects, Rgb8(0, 0, 0));
    }
}

/// Escapes a vCard text value (RFC 6350 §3.4).
fn vcard_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn vcard(s: &AgreementSnapshot, title: &str) -> String {
    let a = &s.party_a;
    let d = &a.family_doctor;
    let name = vcard_escape(&d.name);
    let mut v = String::from("BEGIN:VCARD\r\nVERSION:3.0\r\n");
    v.push_str(&format!("N:{name};;;;\r\nFN:{name}\r\n"));
    v.push_str(&format!(
        "ORG:{};{}\r\n",
        vcard_escape(&a.institution),
        vcard_escape(&a.village_clinic)
    ));
    v.push_str(&format!("TITLE:{}\r\n", vcard_escape(title)));
    v.push_str(&format!("TEL;TYPE=CELL:{}\r\n", vcard_escape(&d.phone)));
    if !a.service_hotline.trim().is_empty() {
        v.push_str(&format!(
            "TEL;TYPE=WORK:{}\r\n",
            vcard_escape(&a.service_hotline)
        ));
    }
    v.push_str("END:VCARD\r\n");
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_fits_the_sheet_with_room_for_crop_marks() {
        const { assert!(GRID_X >= 15.0, "the left margin holds the crop marks") };
        const { assert!(GRID_Y >= 12.0, "the top margin holds the crop marks") };
        const { assert!(CARDS_PER_SHEET >= 8 && CARDS_PER_SHEET <= 10) };
    }

    #[test]
    fn vcard_values_are_escaped() {
        assert_eq!(vcard_escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d e");
    }
}
