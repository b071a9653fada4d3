//! The termination confirmation (解约确认书), signed by both parties, in two marked copies.

use chrono::TimeDelta;
use jiayi_core::Lang;
use jiayi_core::agreement::{TerminationSnapshot, verification_code};
use jiayi_core::contract::TerminationReason;
use printpdf::PdfDocument;

use crate::agreement::{contact, grid_widths, institution_line};
use crate::canvas::{ACCENT, Align, Canvas, INK, MUTED, RULE, SHADE, Style};
use crate::doc::{
    DEFLATE_FAST, Decoration, SignatureBox, SignatureImages, Signatures, date, decorate, save,
    signature_boxes,
};
use crate::error::Result;
use crate::flow::{BODY, Cell, Flow, HEAD_FILL, Row, SMALL, TABLE_HEAD, Table, line_height};
use crate::font;
use crate::marks::{PrintOptions, mark_pages};
use crate::templates::{self, TerminationText, fill};

/// China Standard Time, the clock the confirmation was signed by (no daylight saving).
const CST_HOURS: i64 = 8;

pub fn render_termination(
    snapshot: &TerminationSnapshot,
    signatures: &Signatures,
    lang: Lang,
    options: &PrintOptions,
) -> Result<Vec<u8>> {
    let face = font::face()?;
    let t = templates::termination(lang)?;
    let mut doc = PdfDocument::new(&t.title);
    doc.metadata.info.author = snapshot.party_a.institution.clone();
    doc.metadata.info.subject = snapshot.agreement_number.clone();
    let font = doc.add_font(&face.parsed);
    let images = SignatureImages::add(&mut doc, signatures)?;

    let mut flow = Flow::a4(face, font);
    lay_out_termination(&mut flow, snapshot, &images, t, lang);
    let body = flow.pages;

    let code = verification_code(&snapshot.sha256());
    let footer = format!(
        "{} {} · {} {}",
        t.agreement_number, snapshot.agreement_number, t.verification, code
    );
    let header = institution_line(
        &snapshot.party_a.institution,
        &snapshot.party_a.village_clinic,
    );
    let mut pages = Vec::with_capacity(body.len() * 2);
    for mark in [&t.copy_clinic, &t.copy_household] {
        let mut copy: Vec<Canvas> = body.clone();
        let d = Decoration {
            header_left: &header,
            mark,
            footer_left: &footer,
            page_template: &t.page,
        };
        decorate(face, &mut copy, &d);
        mark_pages(face, &mut copy, options, lang)?;
        pages.extend(copy.into_iter().map(Canvas::into_page));
    }
    Ok(save(doc, pages, DEFLATE_FAST))
}

/// Lays the confirmation's body out page by page (one copy; the marks are added per copy).
fn lay_out_termination(
    flow: &mut Flow<'_>,
    s: &TerminationSnapshot,
    images: &SignatureImages,
    t: &TerminationText,
    lang: Lang,
) {
    let face = flow.face;
    let label = |text: &str| Cell::new(text, SMALL.color(MUTED)).fill(SHADE);
    let value = |text: &str| Cell::new(text, SMALL);
    let band = |text: &str| Cell::new(text, TABLE_HEAD).fill(HEAD_FILL).span(4);
    let none = "—";

    flow.space(3.0);
    flow.paragraph(&t.title, Style::new(18.0).bold(), 0.0, Align::Center);
    flow.space(4.0);
    let intro = fill(
        &t.intro,
        &[
            ("number", &s.agreement_number),
            ("start", &date(s.term.start, lang)),
            ("end", &date(s.term.end, lang)),
            ("date", &date(s.effective_on, lang)),
        ],
    );
    flow.paragraph(&intro, BODY.bold(), 0.0, Align::Left);
    flow.space(3.0);

    let term = format!("{} – {}", date(s.term.start, lang), date(s.term.end, lang));
    let widths = grid_widths(flow.width());
    let a = &s.party_a;
    let b = &s.party_b;
    let address = crate::agreement::full_address(&b.village, &b.group, &b.address);
    let representative = b.representative_label(lang);
    flow.table(&Table {
        widths: widths.clone(),
        header: None,
        rows: vec![
            Row::new(vec![band(&t.agreement)]),
            Row::new(vec![
                label(&t.agreement_number),
                value(&s.agreement_number),
                label(&t.term),
                value(&term),
            ]),
            Row::new(vec![
                label(&t.effective_on),
                value(&date(s.effective_on, lang)),
                label(&t.reason),
                value(s.reason.label(lang)),
            ]),
            Row::new(vec![band(&t.party_a)]),
            Row::new(vec![
                label(&t.institution),
                value(&institution_line(&a.institution, &a.village_clinic)),
                label(&t.family_doctor),
                value(&contact(&a.family_doctor)),
            ]),
            Row::new(vec![band(&t.party_b)]),
            Row::new(vec![
                label(&t.representative),
                value(&representative),
                label(&t.id_number),
                value(b.representative_id_number.as_deref().unwrap_or(none)),
            ]),
            Row::new(vec![
                label(&t.phone),
                value(b.phone.as_deref().unwrap_or(none)),
                label(&t.address),
                value(&address),
            ]),
        ],
    });

    // Reason: every possible reason with a box, the chosen one ticked.
    flow.space(4.0);
    flow.heading(&t.reason);
    let cols = 3;
    let col_w = flow.width() / cols as f32;
    let lh = 7.0;
    let rows = TerminationReason::ALL.len().div_ceil(cols);
    flow.ensure(rows as f32 * lh);
    let (left, top) = (flow.left, flow.y);
    for (i, reason) in TerminationReason::ALL.iter().enumerate() {
        let x = left + (i % cols) as f32 * col_w + 2.0;
        let y = top + (i / cols) as f32 * lh;
        let chosen = *reason == s.reason;
        let page = flow.page();
        page.stroke_rect(
            x,
            y + 1.6,
            3.6,
            3.6,
            0.7,
            if chosen { ACCENT } else { RULE },
        );
        if chosen {
            page.fill_rect(x + 0.8, y + 2.4, 2.0, 2.0, ACCENT);
        }
        let style = if chosen {
            Style::new(9.5).color(ACCENT).bold()
        } else {
            Style::new(9.5).color(INK)
        };
        let text = face
            .wrap(reason.label(lang), style.size, col_w - 8.0)
            .into_iter()
            .next()
            .unwrap_or_default();
        page.text(face, x + 5.5, y + 4.9, Align::Left, style, &text);
    }
    flow.y = top + rows as f32 * lh;
    flow.space(1.0);
    let note = if s.note.trim().is_empty() {
        t.no_note.clone()
    } else {
        s.note.clone()
    };
    flow.paragraph(&format!("{}：{}", t.note, note), BODY, 0.0, Align::Left);

    // The members whose coverage ends.
    flow.heading(&t.members);
    let names = s
        .members
        .iter()
        .map(|m| match &m.id_number {
            Some(id) => format!("{}（{}，{}）", m.name, m.relation.label(lang), id),
            None => format!("{}（{}）", m.name, m.relation.label(lang)),
        })
        .collect::<Vec<_>>();
    for (i, n) in names.iter().enumerate() {
        flow.numbered(&format!("{}.", i + 1), n, BODY, 0.3);
    }
    flow.heading(&t.statement_heading);
    for (i, item) in t.statement.iter().enumerate() {
        flow.numbered(&format!("{}.", i + 1), item, BODY, 0.8);
    }
    flow.space(4.0);

    let signed_on = (s.confirmed_at + TimeDelta::hours(CST_HOURS)).date_naive();
    let signed = Some(date(signed_on, lang));
    let blank_date = lang.pick("    年    月    日", "____ - __ - __");
    flow.ensure(crate::doc::SIGNATURE_BOX_H + line_height(9.0));
    let party_a = SignatureBox {
        label: &t.sign_party_a,
        image: images.doctor.as_ref(),
        date_label: &t.date,
        date: images.doctor.as_ref().and(signed.clone()),
        blank_date,
        footnote: format!("{}：{}", t.stamp, a.institution),
    };
    let party_b = SignatureBox {
        label: &t.sign_party_b,
        image: images.resident.as_ref(),
        date_label: &t.date,
        date: images.resident.as_ref().and(signed),
        blank_date,
        footnote: format!("{}：{}", t.representative, representative),
    };
    signature_boxes(flow, &party_a, &party_b);
}
