//! The embedded CJK font: parsed once, measured by its own advance widths.
//!
//! WenQuanYi Micro Hei covers Simplified Chinese, Latin letters and digits in one face, so an
//! ID number or a phone number prints in the same font as the names around it. The PDF gets
//! only the glyphs a document uses (printpdf subsets it on save).

use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::error::{PrintError, Result};

static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/WenQuanYiMicroHei.ttf"
));

/// Printed in place of a character the font lacks, so a gap is visible rather than silent.
const MISSING: char = '□';

pub(crate) struct Face {
    pub parsed: ParsedFont,
    /// Advance width in font units for every BMP code point; 0 where the font has no glyph.
    advances: Vec<u16>,
    units_per_em: f32,
    /// Ascent and descent as fractions of the em (descent positive, below the baseline).
    pub ascent: f32,
    pub descent: f32,
}

static FACE: OnceLock<Option<Face>> = OnceLock::new();

/// The shared face; parsing the 4.6 MB font costs ~12 ms, paid once per process.
pub(crate) fn face() -> Result<&'static Face> {
    FACE.get_or_init(load).as_ref().ok_or(PrintError::Font)
}

fn load() -> Option<Face> {
    let parsed = ParsedFont::from_bytes(FONT_BYTES, 0, &mut Vec::new())?;
    let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
    let mut advances = vec![0u16; 0x1_0000];
    for (cp, slot) in advances.iter_mut().enumerate() {
        let Ok(cp) = u32::try_from(cp) else { continue };
        if let Some(gid) = parsed.lookup_glyph_index(cp).filter(|&g| g != 0) {
            // A glyph with zero advance (combining mark) still counts as present.
            *slot = parsed.get_horizontal_advance(gid).max(1);
        }
    }
    let ascent = parsed.font_metrics.ascent.abs() / units_per_em;
    let descent = parsed.font_metrics.descent.abs() / units_per_em;
    Some(Face {
        parsed,
        advances,
        units_per_em,
        ascent,
        descent,
    })
}

impl Face {
    fn advance(&self, c: char) -> Option<u16> {
        let a = *self.advances.get(c as usize)?;
        (a != 0).then_some(a)
    }

    /// Width of `c` in mm at `size_pt`, after the same substitution `clean` makes.
    pub fn char_width(&self, c: char, size_pt: f32) -> f32 {
        let units = self
            .advance(c)
            .or_else(|| self.advance(MISSING))
            .unwrap_or(0);
        f32::from(units) / self.units_per_em * size_pt * MM_PER_PT
    }

    pub fn width(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size_pt)).sum()
    }

    /// The text as it will print: control characters dropped, characters the font lacks
    /// replaced by a visible box.
    pub fn clean(&self, text: &str) -> String {
        text.chars()
            .filter(|c| !c.is_control())
            .map(|c| {
                if self.advance(c).is_some() {
                    c
                } else {
                    MISSING
                }
            })
            .collect()
    }

    /// Breaks `text` into lines no wider than `max_mm`, by glyph widths.
    ///
    /// Chinese may break between any two characters; a run of ASCII letters and digits (a
    /// word, an ID number, a phone number) stays whole unless it alone is wider than the
    /// line. Closing punctuation never starts a line and opening punctuation never ends
    /// one. `\n` forces a break.
    pub fn wrap(&self, text: &str, size_pt: f32, max_mm: f32) -> Vec<String> {
        let mut out = Vec::new();
        for para in text.split('\n') {
            self.wrap_paragraph(&self.clean(para), size_pt, max_mm, &mut out);
        }
        out
    }

    fn wrap_paragraph(&self, text: &str, size_pt: f32, max_mm: f32, out: &mut Vec<String>) {
        let units = self.units(text, size_pt, max_mm);
        let mut line: Vec<(String, f32)> = Vec::new();
        let mut width = 0.0;
        for unit in units {
            if line.is_empty() && unit.0 == " " {
                continue;
            }
            if width + unit.1 <= max_mm + 1e-3 || line.is_empty() {
                width += unit.1;
                line.push(unit);
                continue;
            }
            // Break before `unit`; move characters down so punctuation rules hold.
            let mut carry: Vec<(String, f32)> = Vec::new();
            let starts_badly = unit.0.chars().next().is_some_and(is_no_start);
            if starts_badly && line.len() > 1 {
                carry.extend(line.pop());
            }
            while line.len() > 1
                && line
                    .last()
                    .is_some_and(|u| u.0.chars().last().is_some_and(is_no_end))
            {
                carry.insert(0, line.pop().unwrap_or_default());
            }
            push_line(out, &line);
            line = carry;
            line.retain(|u| u.0 != " ");
            width = line.iter().map(|u| u.1).sum();
            if !(line.is_empty() && unit.0 == " ") {
                width += unit.1;
                line.push(unit);
            }
        }
        if !line.is_empty() || out.is_empty() {
            push_line(out, &line);
        }
    }

    /// Breakable units: ASCII words, single spaces, single other characters. A word wider
    /// than the line is cut into pieces that fit.
    fn units(&self, text: &str, size_pt: f32, max_mm: f32) -> Vec<(String, f32)> {
        let mut units = Vec::new();
        let mut word = String::new();
        let mut word_w = 0.0;
        let flush = |word: &mut String, word_w: &mut f32, units: &mut Vec<(String, f32)>| {
            if !word.is_empty() {
                units.push((std::mem::take(word), *word_w));
                *word_w = 0.0;
            }
        };
        for c in text.chars() {
            let w = self.char_width(c, size_pt);
            if c.is_ascii_graphic() {
                if word_w + w > max_mm && !word.is_empty() {
                    flush(&mut word, &mut word_w, &mut units);
                }
                word.push(c);
                word_w += w;
            } else {
                flush(&mut word, &mut word_w, &mut units);
                let s = if c.is_whitespace() {
                    " ".to_string()
                } else {
                    c.to_string()
                };
                let w = if c.is_whitespace() {
                    self.char_width(' ', size_pt)
                } else {
                    w
                };
                units.push((s, w));
            }
        }
        flush(&mut word, &mut word_w, &mut units);
        units
    }
}

fn push_line(out: &mut Vec<String>, line: &[(String, f32)]) {
    let s: String = line.iter().map(|u| u.0.as_str()).collect();
    out.push(s.trim_end().to_string());
}

fn is_no_start(c: char) -> bool {
    "，。、；：？！）》」』】”’…—·%,.;:!?)]}".contains(c)
}

fn is_no_end(c: char) -> bool {
    "（《「『【“‘([{".contains(c)
}

pub(crate) const MM_PER_PT: f32 = 25.4 / 72.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_chinese_latin_and_digits() {
        let f = face().expect("embedded font parses");
        for c in "家庭医生签约服务协议书ABCxyz0123456789X（）：，。".chars() {
            assert!(f.advance(c).is_some(), "font lacks {c:?}");
        }
        assert!(f.ascent > 0.5 && f.descent > 0.0);
    }

    #[test]
    fn chinese_is_square_and_digits_are_narrower() {
        let f = face().unwrap();
        let han = f.width("中", 10.0);
        assert!(
            (han - 10.0 * MM_PER_PT).abs() < 0.01,
            "a Han character is one em wide: {han}"
        );
        assert!(f.width("1", 10.0) < han * 0.7);
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_character() {
        let f = face().unwrap();
        let text = "甲方对乙方的个人信息和健康信息严格保密，仅用于签约服务、健康管理以及卫生健康主管部门依法要求的统计和考核；身份证号 11010519491231002X 不会被拆开。";
        for max in [20.0, 35.5, 60.0, 120.0] {
            let lines = f.wrap(text, 9.0, max);
            for l in &lines {
                assert!(
                    f.width(l, 9.0) <= max + 1e-3,
                    "line {l:?} wider than {max} mm"
                );
                assert!(
                    !l.starts_with(is_no_start),
                    "line starts with closing punctuation: {l:?}"
                );
            }
            let joined: String = lines.concat().replace(' ', "");
            assert_eq!(
                joined,
                text.replace(' ', ""),
                "wrapping lost characters at {max} mm"
            );
            if max > f.width("11010519491231002X", 9.0) {
                assert!(
                    lines.iter().any(|l| l.contains("11010519491231002X")),
                    "the ID number was split at {max} mm"
                );
            }
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let f = face().unwrap();
        let lines = f.wrap("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ", 10.0, 15.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| f.width(l, 10.0) <= 15.0 + 1e-3));
    }

    #[test]
    fn missing_characters_become_a_visible_box_and_newlines_break() {
        let f = face().unwrap();
        assert_eq!(f.clean("王\u{1F600}明\u{7}"), "王□明");
        assert_eq!(
            f.wrap("第一行\n第二行", 10.0, 100.0),
            vec!["第一行", "第二行"]
        );
        assert_eq!(f.wrap("", 10.0, 100.0), vec![""]);
    }
}
