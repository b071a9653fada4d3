//! The embedded CJK fonts: parsed once, measured by their own advance widths.
//!
//! WenQuanYi Micro Hei covers Simplified Chinese, Latin letters and digits in one face, so an
//! ID number or a phone number prints in the same font as the names around it. A character it
//! lacks (CJK Ext A and B, the rarer characters of the 通用规范汉字表 such as 䶮 𬌗 𫖯) prints
//! in a fallback, HanaMin (`assets/fonts/README`), chosen glyph by glyph; each is parsed only
//! when a document needs it. A character neither has prints as its code point, `[U+20BB7]`,
//! never as a silent box. The PDF gets only the glyphs a document uses (printpdf subsets
//! each font on save).

use std::sync::OnceLock;

use printpdf::{FontId, ParsedFont};

use crate::error::{PrintError, Result};

static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/WenQuanYiMicroHei.ttf"
));

/// The fallback fonts, tried in order: the check boxes ☐☑☒ alone (a few kilobytes, so an
/// agreement's check boxes do not cost the large one), then HanaMin for rare characters,
/// gzip-compressed (26 MB of glyphs pack to 15 MB).
static SYMBOLS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/HanaMinSymbols.ttf"
));
static RARE_GZ: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/HanaMinFallback.ttf.gz"
));
pub(crate) const FALLBACKS: usize = 2;

/// The name fallback `i` goes by in a document's resources. Six capitals: printpdf makes
/// the embedded font's subset tag of its first six characters, and readers know a subset by
/// such a tag.
pub(crate) fn fallback_id(i: usize) -> FontId {
    FontId(["JYSYMB", "JYRARE"][i.min(FALLBACKS - 1)].to_string())
}

/// A fallback face: only what measuring and embedding need.
pub(crate) struct Fallback {
    pub parsed: ParsedFont,
    units_per_em: f32,
}

static LOADED: [OnceLock<Option<Fallback>>; FALLBACKS] = [OnceLock::new(), OnceLock::new()];

/// Fallback `i`, unpacked and parsed on first use.
pub(crate) fn fallback(i: usize) -> Option<&'static Fallback> {
    LOADED.get(i)?.get_or_init(|| load_fallback(i)).as_ref()
}

fn load_fallback(i: usize) -> Option<Fallback> {
    use std::io::Read;
    let bytes = match i {
        0 => SYMBOLS.to_vec(),
        _ => {
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(RARE_GZ)
                .read_to_end(&mut bytes)
                .ok()?;
            bytes
        }
    };
    let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())?;
    let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
    Some(Fallback {
        parsed,
        units_per_em,
    })
}

impl Fallback {
    fn advance(&self, c: char) -> Option<u16> {
        let gid = self
            .parsed
            .lookup_glyph_index(c as u32)
            .filter(|&g| g != 0)?;
        Some(self.parsed.get_horizontal_advance(gid).max(1))
    }
}

/// The fallback that has `c`, with its advance.
fn in_fallback(c: char) -> Option<(usize, &'static Fallback, u16)> {
    (0..FALLBACKS).find_map(|i| {
        let f = fallback(i)?;
        f.advance(c).map(|a| (i, f, a))
    })
}

/// Which font prints a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Main,
    Fallback(usize),
}

/// Characters of `text` neither font can print (controls aside), each once, in order.
pub fn unprintable_chars(text: &str) -> Vec<char> {
    let Ok(face) = face() else {
        return Vec::new();
    };
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if !c.is_control() && face.source(c).is_none() && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// How a character neither font has is printed: its code point, so the gap can be read.
pub fn code_point_label(c: char) -> String {
    format!("[U+{:04X}]", c as u32)
}

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

    /// The font that prints `c`, if either does. Spaces and ASCII are always the main font's.
    pub fn source(&self, c: char) -> Option<Source> {
        if self.advance(c).is_some() {
            return Some(Source::Main);
        }
        in_fallback(c).map(|(i, _, _)| Source::Fallback(i))
    }

    /// Width of `c` in mm at `size_pt`; `clean` has already replaced what neither font has.
    pub fn char_width(&self, c: char, size_pt: f32) -> f32 {
        let em = |units: u16, per_em: f32| f32::from(units) / per_em * size_pt * MM_PER_PT;
        if let Some(units) = self.advance(c) {
            return em(units, self.units_per_em);
        }
        if let Some((_, fb, units)) = in_fallback(c) {
            return em(units, fb.units_per_em);
        }
        code_point_label(c)
            .chars()
            .map(|l| em(self.advance(l).unwrap_or(0), self.units_per_em))
            .sum()
    }

    /// The text cut into runs that one font prints, in order.
    pub fn runs(&self, text: &str) -> Vec<(Source, String)> {
        let mut runs: Vec<(Source, String)> = Vec::new();
        for c in text.chars() {
            let source = self.source(c).unwrap_or(Source::Main);
            match runs.last_mut() {
                Some((s, run)) if *s == source => run.push(c),
                _ => runs.push((source, c.to_string())),
            }
        }
        runs
    }

    pub fn width(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size_pt)).sum()
    }

    /// The text as it will print: control characters dropped, characters neither font has
    /// replaced by their code point.
    pub fn clean(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars().filter(|c| !c.is_control()) {
            if self.source(c).is_some() {
                out.push(c);
            } else {
                out.push_str(&code_point_label(c));
            }
        }
        out
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
    fn rare_characters_print_in_the_fallback_and_others_as_code_points() {
        let f = face().unwrap();
        assert_eq!(f.clean("王\u{1F600}明\u{7}"), "王[U+1F600]明");
        assert_eq!(unprintable_chars("王\u{1F600}明䶮𬌗"), vec!['\u{1F600}']);
        for c in "䶮𬌗𫖯𠮷㐀鿏".chars() {
            assert_eq!(f.source(c), Some(Source::Fallback(1)), "{c}");
            assert!(f.char_width(c, 10.0) > 3.0, "{c} has no width");
        }
        assert_eq!(
            f.runs("王䶮𬌗明"),
            vec![
                (Source::Main, "王".to_string()),
                (Source::Fallback(1), "䶮𬌗".to_string()),
                (Source::Main, "明".to_string())
            ]
        );
        assert_eq!(f.source('☑'), Some(Source::Fallback(0)));
        assert_eq!(f.source('☐'), Some(Source::Fallback(0)));
    }

    #[test]
    fn newlines_break() {
        let f = face().unwrap();
        assert_eq!(
            f.wrap("第一行\n第二行", 10.0, 100.0),
            vec!["第一行", "第二行"]
        );
        assert_eq!(f.wrap("", 10.0, 100.0), vec![""]);
    }
}
