//! The amendment confirmation (协议变更确认书): one A4 sheet holding the household's copy above
//! a cut line and the health station's copy below it, each complete on its own half.
//!
//! A half is laid out at the largest of a few type scales at which it fits, so an amendment
//! adding many packages shrinks instead of running into the other copy; if even the smallest
//! scale is too small, the last packages are left out with a line saying so.

use chrono::TimeDelta;
use jiayi_core::Lang;
use jiayi_core::agreement::{PackageTerms, verification_code};
use jiayi_core::catalog::{PackageKind, yuan};
use jiayi_core::year::amendment::{AmendmentKind, AmendmentSnapshot, CoverageEndReason};
use printpdf::PdfDocument;

use crate::agreement::grid_widths;
use crate::canvas::{ACCENT, ACCENT_LIGHT, Align, Canvas, MUTED, RULE, SHADE, Style};
use crate::doc::{DEFLATE_FAST, Image, SignatureImages, Signatures, date, save};
use crate::error::Result;
use crate::flow::{A4_H, A4_W, Cell, Flow, MARGIN_Y, Row, Table, baseline, line_height};
use crate::font::{self, Face};
use crate::marks::{PrintOptions, mark_pages};
use crate::templates::{self, AmendmentText, fill};

/// China Standard Time, the clock the amendment was recorded by (no daylight saving).
const CST_HOURS: i64 = 8;
/// The cut line runs across the middle of the sheet.
const CUT_Y: f32 = A4_H / 2.0;
/// Clear space between the cut line and either copy.
const CUT_GAP: f32 = 5.5;
/// Height of one copy, from its top line to the foot of its verification line.
const COPY_H: f32 = CUT_Y - CUT_GAP - MARGIN_Y;
/// The foot strip of a copy: a rule and the verification code.
const FOOT_H: f32 = 7.0;
/// Type scales tried in turn, largest first.
const SCALES: [f32; 7] = [1.0, 0.93, 0.86, 0.8, 0.74, 0.68, 0.62];

pub fn render_amendment(
    snapshot: &AmendmentSnapshot,
    signatures: &Signatures,
    lang: Lang,
    options: &PrintOptions,
) -> Result<Vec<u8>> {
    let face = font::face()?;
    let t = templates::amendment(lang)?;
    let mut doc = PdfDocument::new(&t.title);
    doc.metadata.info.subject = snapshot.agreement_number.clone();
    let font = doc.add_font(&face.parsed);
    let images = SignatureImages::add(&mut doc, signatures)?;
    let copy = CopyText::new(snapshot, t, lang);

    // The largest scale (then the most packages) at which one copy fits its half.
    let body_h = COPY_H - FOOT_H;
    let fits = |scale: f32, shown: usize| {
        let mut probe = half_flow(face, font.clone(), MARGIN_Y, 10_000.0);
        lay_out_copy(&mut probe, &copy, &images, &t.copy_household, scale, shown);
        probe.y - MARGIN_Y <= body_h
    };
    let all = snapshot.packages.len();
    let (scale, shown) = SCALES
        .iter()
        .find(|&&s| fits(s, all))
        .map(|&s| (s, all))
        .unwrap_or_else(|| {
            let smallest = SCALES[SCALES.len() - 1];
            let shown = (0..all).rev().find(|&n| fits(smallest, n)).unwrap_or(0);
            (smallest, shown)
        });

    let mut sheet = Canvas::new(A4_W, A4_H, font.clone());
    let code = verification_code(&snapshot.sha256());
    let tops = [MARGIN_Y, CUT_Y + CUT_GAP];
    for (top, mark) in tops.into_iter().zip([&t.copy_household, &t.copy_clinic]) {
        let mut flow = half_flow(face, font.clone(), top, top + body_h);
        lay_out_copy(&mut flow, &copy, &images, mark, scale, shown);
        // Anything pushed past the half went to a page of its own; the sheet keeps one.
        if let Some(first) = flow.pages.into_iter().next() {
            sheet.ops.extend(first.ops);
        }
        foot(face, &mut sheet, top + COPY_H, t, &code, mark);
    }
    cut_line(face, &mut sheet, &t.cut);
    let mut sheets = [sheet];
    mark_pages(face, &mut sheets, options, lang)?;
    let [sheet] = sheets;
    Ok(save(doc, vec![sheet.into_page()], DEFLATE_FAST))
}

/// A flow over one half of the sheet.
fn half_flow(face: &Face, font: printpdf::FontId, top: f32, bottom: f32) -> Flow<'_> {
    let mut flow = Flow::a4(face, font);
    flow.top = top;
    flow.y = top;
    flow.bottom = bottom;
    flow
}

/// The texts of one copy, worked out once for both halves and every trial scale.
struct CopyText<'a> {
    s: &'a AmendmentSnapshot,
    t: &'a AmendmentText,
    lang: Lang,
    kind: &'a str,
    change: String,
    /// Package number, title, services, fee.
    packages: Vec<[String; 4]>,
    self_pay_fen: i64,
    household_signs: bool,
    signed_on: String,
}

impl<'a> CopyText<'a> {
    fn new(s: &'a AmendmentSnapshot, t: &'a AmendmentText, lang: Lang) -> CopyText<'a> {
        let name = s.member.name.as_str();
        let day = date(s.effective_on, lang);
        let (kind, change) = match &s.kind {
            AmendmentKind::MemberAdded { .. } => (
                &t.kind_member_added,
                fill(&t.member_added, &[("name", name), ("date", &day)]),
            ),
            AmendmentKind::CoverageEnded { reason, .. } => {
                let reason = match reason {
                    CoverageEndReason::Death => &t.reason_death,
                    CoverageEndReason::MovedOut => &t.reason_moved_out,
                    CoverageEndReason::OnRequest => &t.reason_on_request,
                };
                (
                    &t.kind_coverage_ended,
                    fill(
                        &t.coverage_ended,
                        &[("name", name), ("date", &day), ("reason", reason)],
                    ),
                )
            }
            AmendmentKind::ObligationAdded { group, .. } => (
                &t.kind_obligation_added,
                match group {
                    Some(g) => fill(
                        &t.obligation_added_group,
                        &[("name", name), ("date", &day), ("group", g.label(lang))],
                    ),
                    None => fill(&t.obligation_added, &[("name", name), ("date", &day)]),
                },
            ),
        };
        let packages = s
            .packages
            .iter()
            .enumerate()
            .map(|(i, p)| {
                [
                    (i + 1).to_string(),
                    package_title(p, lang),
                    services(p, t, lang),
                    fee(p, t),
                ]
            })
            .collect();
        let signed_on = s
            .recorded_at
            .checked_add_signed(TimeDelta::hours(CST_HOURS))
            .unwrap_or(s.recorded_at)
            .date_naive();
        CopyText {
            s,
            t,
            lang,
            kind,
            change,
            packages,
            self_pay_fen: s
                .packages
                .iter()
                .fold(0, |sum: i64, p| sum.saturating_add(p.price.self_pay_fen)),
            household_signs: s.kind.needs_household_signature(),
            signed_on: date(signed_on, lang),
        }
    }
}

fn package_title(p: &PackageTerms, lang: Lang) -> String {
    let name = lang.pick(&p.name, &p.name_en);
    if name.trim().is_empty() {
        p.name.clone()
    } else {
        name.to_string()
    }
}

/// "健康评估（1次/年）、血压测量（4次/年）…", or the package's description when it lists no items.
fn services(p: &PackageTerms, t: &AmendmentText, lang: Lang) -> String {
    if p.items.is_empty() {
        return p.description.clone();
    }
    p.items
        .iter()
        .map(|it| {
            let name = lang.pick(&it.name, &it.name_en);
            let name = if name.trim().is_empty() {
                &it.name
            } else {
                name
            };
            let times = if it.times_per_year == 0 {
                t.on_need.clone()
            } else {
                fill(&t.times, &[("n", &it.times_per_year.to_string())])
            };
            format!(
                "{name}{}",
                lang.pick(&format!("（{times}）"), &format!(" ({times})"))
            )
        })
        .collect::<Vec<_>>()
        .join(lang.pick("、", "; "))
}

/// The yearly fee of one member for the package, split by payer; lines for a zero share are
/// left out, and a free basic package says so.
fn fee(p: &PackageTerms, t: &AmendmentText) -> String {
    let total = p.price.total_fen();
    if total == 0 {
        return if p.kind == PackageKind::Basic {
            t.free.clone()
        } else {
            yuan(0)
        };
    }
    let text = fill(
        &t.price,
        &[
            ("total", &yuan(total)),
            ("insurance", &yuan(p.price.insurance_fen)),
            ("public", &yuan(p.price.public_health_fen)),
            ("self_pay", &yuan(p.price.self_pay_fen)),
        ],
    );
    let zero = format!(" {}", yuan(0));
    text.lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || !l.ends_with(&zero))
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lays one copy out from the flow's top: mark, title, the agreement and the member, what
/// changes, the packages added and the signature boxes.
fn lay_out_copy(
    flow: &mut Flow<'_>,
    c: &CopyText<'_>,
    images: &SignatureImages,
    mark: &str,
    scale: f32,
    shown: usize,
) {
    let (s, t, lang) = (c.s, c.t, c.lang);
    let face = flow.face;
    let k = |pt: f32| pt * scale;
    let small = Style::new(k(8.5));
    let body = Style::new(k(9.5));
    let label = |text: &str| Cell::new(text, small.color(MUTED)).fill(SHADE);
    let value = |text: &str| Cell::new(text, small);
    let band = |text: &str| Cell::new(text, small.bold()).fill(ACCENT_LIGHT).span(4);

    // The copy mark at the right, the agreement number at the left.
    let mark_style = Style::new(k(9.0)).color(ACCENT).bold();
    let mark_w = face.width(mark, mark_style.size) + 5.0;
    let mark_h = k(6.0);
    let (left, right, top) = (flow.left, flow.right, flow.y);
    let number = format!("{} {}", t.agreement_number, s.agreement_number);
    let number = face
        .wrap(&number, k(8.5), flow.width() - mark_w - 4.0)
        .into_iter()
        .next()
        .unwrap_or_default();
    let page = flow.page();
    page.stroke_rect(right - mark_w, top, mark_w, mark_h, 0.8, ACCENT);
    let base = baseline(face, top, mark_h, mark_style.size);
    page.text(
        face,
        right - mark_w / 2.0,
        base,
        Align::Center,
        mark_style,
        mark,
    );
    let base = baseline(face, top, mark_h, k(8.5));
    page.text(
        face,
        left,
        base,
        Align::Left,
        Style::new(k(8.5)).color(MUTED),
        &number,
    );
    flow.y = top + mark_h + k(1.5);

    flow.paragraph(&t.title, Style::new(k(14.5)).bold(), 0.0, Align::Center);
    flow.space(k(1.2));
    let intro = fill(
        &t.intro,
        &[
            ("number", &s.agreement_number),
            ("start", &date(s.term.start, lang)),
            ("end", &date(s.term.end, lang)),
            ("date", &date(s.effective_on, lang)),
        ],
    );
    flow.paragraph(&intro, body, 0.0, Align::Left);
    flow.space(k(1.5));

    let m = &s.member;
    let term = format!("{} – {}", date(s.term.start, lang), date(s.term.end, lang));
    let groups = m
        .groups
        .iter()
        .map(|g| g.label(lang))
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "));
    let or_none = |text: String| {
        if text.is_empty() {
            t.none.clone()
        } else {
            text
        }
    };
    flow.table(&Table {
        widths: grid_widths(flow.width()),
        header: None,
        rows: vec![
            Row::new(vec![
                label(&t.agreement_number),
                value(&s.agreement_number),
                label(&t.term),
                value(&term),
            ]),
            Row::new(vec![
                label(&t.effective_on),
                value(&date(s.effective_on, lang)),
                label(&t.agreement_code),
                value(&verification_code(&s.agreement_sha256)),
            ]),
            Row::new(vec![band(&t.member)]),
            Row::new(vec![
                label(&t.name),
                value(&m.name),
                label(&t.sex),
                value(m.sex.label(lang)),
            ]),
            Row::new(vec![
                label(&t.birth_date),
                value(
                    &m.birth_date
                        .map_or_else(|| t.none.clone(), |d| date(d, lang)),
                ),
                label(&t.id_number),
                value(m.id_number.as_deref().unwrap_or(&t.no_id)),
            ]),
            Row::new(vec![
                label(&t.relation),
                value(m.relation.label(lang)),
                label(&t.groups),
                value(&or_none(groups)),
            ]),
        ],
    });

    // What changes, in plain words.
    flow.space(k(2.0));
    let heading = format!("{}{}{}", t.change, lang.pick("：", ": "), c.kind);
    flow.paragraph(
        &heading,
        Style::new(k(10.0)).color(ACCENT).bold(),
        0.0,
        Align::Left,
    );
    flow.paragraph(&c.change, body, 0.0, Align::Left);

    if !c.packages.is_empty() {
        flow.space(k(1.0));
        let w = flow.width();
        let widths = vec![10.0, k(38.0), w - 10.0 - k(38.0) - k(29.0), k(29.0)];
        let header = t
            .package_columns
            .iter()
            .map(|h| {
                Cell::new(h, small.bold())
                    .fill(ACCENT_LIGHT)
                    .align(Align::Center)
            })
            .collect();
        let rows = c
            .packages
            .iter()
            .take(shown)
            .map(|[n, title, items, fee]| {
                Row::new(vec![
                    Cell::new(n, small).align(Align::Center),
                    Cell::new(title, small),
                    Cell::new(items, small),
                    Cell::new(fee, small),
                ])
            })
            .collect();
        flow.table(&Table {
            widths,
            header: Some(header),
            rows,
        });
        let muted = Style::new(k(8.0)).color(MUTED);
        if shown < c.packages.len() {
            let more = fill(
                &t.more_packages,
                &[("n", &(c.packages.len() - shown).to_string())],
            );
            flow.paragraph(&more, muted, 0.0, Align::Left);
        }
        if c.self_pay_fen > 0 {
            let total = fill(&t.self_pay_total, &[("self_pay", &yuan(c.self_pay_fen))]);
            flow.paragraph(&total, muted, 0.0, Align::Left);
        }
    }

    flow.space(k(2.5));
    signature_boxes(flow, c, images, scale);
}

/// The two signature boxes of a copy, doctor left and household right; the household's box
/// says so when the change needs no signature of theirs.
fn signature_boxes(flow: &mut Flow<'_>, c: &CopyText<'_>, images: &SignatureImages, scale: f32) {
    let t = c.t;
    let k = |v: f32| v * scale;
    let h = k(24.0);
    let gap = 6.0;
    let w = (flow.width() - gap) / 2.0;
    let (y, face) = (flow.y, flow.face);
    let blank = t.blank_date.as_str();
    let boxes: [(&str, Option<&Image>, bool); 2] = [
        (&t.sign_party_a, images.doctor.as_ref(), true),
        (&t.sign_party_b, images.resident.as_ref(), c.household_signs),
    ];
    for (i, (label, image, needed)) in boxes.into_iter().enumerate() {
        let x = flow.left + i as f32 * (w + gap);
        let page = flow.page();
        page.stroke_rect(x, y, w, h, 0.6, RULE);
        let label_style = Style::new(k(9.0)).bold();
        let label = face
            .wrap(label, label_style.size, w - 6.0)
            .into_iter()
            .next()
            .unwrap_or_default();
        page.text(face, x + 3.0, y + k(5.0), Align::Left, label_style, &label);
        let (img_top, img_h) = (y + k(6.5), k(10.5));
        if !needed {
            let style = Style::new(k(9.5)).color(MUTED);
            for (j, line) in face
                .wrap(&t.not_required, style.size, w - 8.0)
                .iter()
                .take(2)
                .enumerate()
            {
                let lh = line_height(style.size);
                let base = baseline(face, img_top + k(2.0) + j as f32 * lh, lh, style.size);
                page.text(face, x + w / 2.0, base, Align::Center, style, line);
            }
            continue;
        }
        if let Some(img) = image {
            page.image(
                &img.id,
                img.width,
                img.height,
                x + 6.0,
                img_top,
                w - 12.0,
                img_h,
            );
        }
        page.line(
            x + 3.0,
            img_top + img_h + k(0.8),
            x + w - 3.0,
            img_top + img_h + k(0.8),
            0.5,
            RULE,
        );
        let when = if image.is_some() {
            c.signed_on.as_str()
        } else {
            blank
        };
        page.text(
            face,
            x + 3.0,
            y + h - k(2.2),
            Align::Left,
            Style::new(k(8.5)),
            &format!("{}{}{}", t.date, c.lang.pick("：", ": "), when),
        );
    }
    flow.y = y + h;
}

/// The foot of a copy: a rule, the amendment's own verification code, and the copy mark again
/// so a half cut off the sheet still says whose it is.
fn foot(face: &Face, page: &mut Canvas, bottom: f32, t: &AmendmentText, code: &str, mark: &str) {
    let (left, right) = (crate::flow::MARGIN_X, A4_W - crate::flow::MARGIN_X);
    let rule_y = bottom - FOOT_H + 2.0;
    page.line(left, rule_y, right, rule_y, 0.4, RULE);
    let base = bottom - 1.2;
    let code_style = Style::new(9.0).color(ACCENT).bold();
    page.text(
        face,
        left,
        base,
        Align::Left,
        code_style,
        &format!("{} {}", t.verification, code),
    );
    page.text(
        face,
        right,
        base,
        Align::Right,
        Style::new(8.0).color(MUTED),
        mark,
    );
}

/// A dashed line across the sheet with "cut here" in its middle.
fn cut_line(face: &Face, page: &mut Canvas, label: &str) {
    let style = Style::new(7.5).color(MUTED);
    let text_w = face.width(label, style.size) + 4.0;
    let mid = A4_W / 2.0;
    let (from, to) = (6.0, A4_W - 6.0);
    let (dash, space) = (2.2, 1.6);
    let mut x = from;
    while x < to {
        let end = (x + dash).min(to);
        let clear = end <= mid - text_w / 2.0 || x >= mid + text_w / 2.0;
        if clear {
            page.line(x, CUT_Y, end, CUT_Y, 0.5, RULE);
        }
        x += dash + space;
    }
    page.text(face, mid, CUT_Y + 1.0, Align::Center, style, label);
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_core::catalog::PriceSplit;

    fn package(kind: PackageKind, insurance: i64, public: i64, self_pay: i64) -> PackageTerms {
        PackageTerms {
            code: "p".into(),
            name: "套餐".into(),
            name_en: String::new(),
            kind,
            tier: None,
            description: "说明".into(),
            price: PriceSplit {
                insurance_fen: insurance,
                public_health_fen: public,
                self_pay_fen: self_pay,
            },
            items: Vec::new(),
        }
    }

    #[test]
    fn a_fee_leaves_out_the_payers_with_no_share() {
        let t = templates::amendment(Lang::Zh).unwrap();
        assert_eq!(fee(&package(PackageKind::Basic, 0, 0, 0), t), "免费");
        assert_eq!(
            fee(&package(PackageKind::Paid, 6000, 0, 4000), t),
            "合计 100.00\n医保 60.00\n自付 40.00"
        );
        let en = templates::amendment(Lang::En).unwrap();
        assert_eq!(
            fee(&package(PackageKind::Paid, 0, 0, 2500), en),
            "total 25.00\nself-pay 25.00"
        );
    }

    #[test]
    fn services_fall_back_to_the_description_and_the_chinese_name() {
        let t = templates::amendment(Lang::En).unwrap();
        let mut p = package(PackageKind::Basic, 0, 0, 0);
        assert_eq!(services(&p, t, Lang::En), "说明");
        p.items = vec![jiayi_core::agreement::ItemTerms {
            code: "i".into(),
            name: "血压测量".into(),
            name_en: String::new(),
            times_per_year: 4,
            content: String::new(),
        }];
        assert_eq!(services(&p, t, Lang::En), "血压测量 (4×/year)");
        assert_eq!(package_title(&p, Lang::En), "套餐");
    }
}
