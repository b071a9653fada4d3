//! What is printed over a document without being part of what was signed: the demo data's
//! mark on paper from a demo store, and 补打 with the day on a document printed before.
//! Both are drawn as text, so they are in the text layer too (a search or `pdftotext` finds
//! them), on every page.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use jiayi_core::Lang;

use crate::canvas::{ALERT, Align, Canvas, Rgb8, Style, WHITE};
use crate::doc::date;
use crate::error::Result;
use crate::font::Face;
use crate::templates::{self, fill};

/// How one print of a document differs from another; the default prints it plain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// Printed from a demo store: 演示数据 — 非正式文书 on every page.
    pub demo: bool,
    /// The document was printed before: 补打 with this day (the reprint's) on every page.
    pub reprint_on: Option<NaiveDate>,
    /// Service items no member holding their package is owed, as (package code, item code):
    /// left off the agreement's package table. The frozen snapshot, and so the verification
    /// code, keeps them.
    pub left_out: BTreeSet<(String, String)>,
}

impl PrintOptions {
    pub(crate) fn shows_item(&self, package: &str, item: &str) -> bool {
        !self
            .left_out
            .contains(&(package.to_string(), item.to_string()))
    }
}

/// The large mark behind the content: light, so the text over it stays readable.
const WATERMARK: Rgb8 = Rgb8(0xf2, 0xc4, 0xc0);
/// Banner height and gap (mm).
const BANNER_H: f32 = 3.8;
const BANNER_GAP: f32 = 0.8;

/// Puts the marks `options` asks for on every page.
pub(crate) fn mark_pages(
    face: &Face,
    pages: &mut [Canvas],
    options: &PrintOptions,
    lang: Lang,
) -> Result<()> {
    if !options.demo && options.reprint_on.is_none() {
        return Ok(());
    }
    let t = templates::marks(lang)?;
    let mut banners = Vec::new();
    if options.demo {
        banners.push(t.demo.clone());
    }
    if let Some(day) = options.reprint_on {
        banners.push(fill(&t.reprint, &[("date", &date(day, lang))]));
    }
    for page in pages {
        if options.demo {
            watermark(face, page, &t.demo);
        }
        banner_row(face, page, &banners);
    }
    Ok(())
}

/// The demo mark across the middle of the page, under everything drawn on it.
fn watermark(face: &Face, page: &mut Canvas, text: &str) {
    let (w, h) = (page.width, page.height);
    let at_one_pt = face.width(text, 1.0).max(0.1);
    let size = (0.82 * w / at_one_pt).min(40.0);
    page.underlay(|c| {
        c.text(
            face,
            w / 2.0,
            h / 2.0 + size * 0.12,
            Align::Center,
            Style::new(size).color(WATERMARK).bold(),
            text,
        );
    });
}

/// White on red boxes at the top right, over the content: side by side on a sheet, one under
/// the other on a card (its top band has room only at the right).
fn banner_row(face: &Face, page: &mut Canvas, banners: &[String]) {
    let sheet = page.width > 150.0;
    let size = if sheet { 7.5 } else { 5.5 };
    let style = Style::new(size).color(WHITE).bold();
    let (mut right, mut top) = if sheet {
        (page.width - crate::flow::MARGIN_X, 5.5)
    } else {
        (page.width - 2.0, 1.4)
    };
    for text in banners {
        let w = face.width(text, size) + 3.0;
        page.fill_rect(right - w, top, w, BANNER_H, ALERT);
        page.text(
            face,
            right - w / 2.0,
            top + BANNER_H * 0.74,
            Align::Center,
            style,
            text,
        );
        if sheet {
            right -= w + BANNER_GAP;
        } else {
            top += BANNER_H + BANNER_GAP;
        }
    }
}
