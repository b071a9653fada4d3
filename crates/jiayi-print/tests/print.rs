//! Renders real documents and checks them with poppler, the way a reader's viewer sees them:
//! the text extracts back, the font is embedded and subset, nothing runs off the margins,
//! long households flow onto further pages with repeated headers.
//!
//! Needs poppler-utils (pdftotext, pdffonts, pdfinfo, pdfimages, pdftoppm) on the PATH.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Change;
use jiayi_core::Lang;
use jiayi_core::agreement::verification_code;
use jiayi_core::year::amendment::CoverageEndReason;
use jiayi_print::{
    CARD_H, CARD_W, MARGIN_X, MARGIN_Y, NoticeMember, PrintError, PrintOptions, Signatures,
    render_agreement, render_amendment, render_card, render_cards, render_renewal_notice,
    render_termination,
};

const PT_PER_MM: f64 = 72.0 / 25.4;
const A4: (f64, f64) = (210.0, 297.0);

fn tool(name: &str) -> Command {
    let probe = Command::new(name).arg("-v").output();
    assert!(
        probe.is_ok(),
        "{name} is missing: install poppler-utils (apt-get install -y poppler-utils)"
    );
    Command::new(name)
}

fn run(mut cmd: Command) -> String {
    let out = cmd.output().expect("poppler tool runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

struct Pdf {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Pdf {
    fn write(bytes: &[u8], name: &str) -> Pdf {
        assert!(bytes.starts_with(b"%PDF-"), "output is a PDF");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        if let Some(out) = std::env::var_os("JIAYI_PRINT_OUT") {
            // Keep a copy to look at: JIAYI_PRINT_OUT=/tmp/out cargo test -p jiayi-print
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(Path::new(&out).join(name), bytes).unwrap();
        }
        Pdf { _dir: dir, path }
    }

    fn text(&self) -> String {
        let mut cmd = tool("pdftotext");
        cmd.arg("-layout").arg(&self.path).arg("-");
        run(cmd)
    }

    fn page_text(&self, page: usize) -> String {
        let mut cmd = tool("pdftotext");
        cmd.args(["-f", &page.to_string(), "-l", &page.to_string()])
            .arg(&self.path)
            .arg("-");
        run(cmd)
    }

    fn pages(&self) -> usize {
        let mut cmd = tool("pdfinfo");
        cmd.arg(&self.path);
        let info = run(cmd);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("pdfinfo reports the page count")
    }

    fn fonts(&self) -> String {
        let mut cmd = tool("pdffonts");
        cmd.arg(&self.path);
        run(cmd)
    }

    /// Every word's box in mm from the top-left, per page (1-based).
    fn words(&self) -> Vec<(usize, String, [f64; 4])> {
        let mut cmd = tool("pdftotext");
        cmd.arg("-bbox").arg(&self.path).arg("-");
        let html = run(cmd);
        let mut page = 0;
        let mut words = Vec::new();
        for line in html.lines() {
            let line = line.trim();
            if line.starts_with("<page ") {
                page += 1;
            }
            if let Some(rest) = line.strip_prefix("<word ") {
                let attr = |name: &str| -> f64 {
                    let key = format!("{name}=\"");
                    let start = rest.find(&key).expect("attribute present") + key.len();
                    let end = rest[start..].find('"').unwrap() + start;
                    rest[start..end].parse::<f64>().unwrap() / PT_PER_MM
                };
                let text = rest
                    .split('>')
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches("</word")
                    .to_string();
                words.push((
                    page,
                    text,
                    [attr("xMin"), attr("yMin"), attr("xMax"), attr("yMax")],
                ));
            }
        }
        words
    }
}

fn assert_inside_margins(pdf: &Pdf, (w, h): (f64, f64), mx: f64, my: f64) {
    let words = pdf.words();
    assert!(words.len() > 20, "the document has text");
    // Half a point of tolerance for the rounding of poppler's boxes.
    let tol = 0.2;
    for (page, text, [x0, y0, x1, y1]) in words {
        assert!(
            x0 >= mx - tol && x1 <= w - mx + tol && y0 >= my - tol && y1 <= h - my + tol,
            "page {page}: {text:?} at x {x0:.1}–{x1:.1} mm, y {y0:.1}–{y1:.1} mm runs outside the margins"
        );
    }
}

/// A hand-drawn looking stroke on a transparent background.
fn signature_png(seed: u32) -> Vec<u8> {
    let (w, h) = (360u32, 120u32);
    let mut rgba = vec![0u8; (w * h * 4) as usize];
    for xi in 20..340 {
        let x = xi as f32;
        let y = 60.0
            + 30.0 * ((x + seed as f32 * 13.0) / 23.0).sin() * (1.0 - (x - 180.0).abs() / 200.0);
        for dy in -2..=2 {
            let yy = (y as i32 + dy).clamp(0, h as i32 - 1) as u32;
            let i = ((yy * w + xi) * 4) as usize;
            rgba[i..i + 4].copy_from_slice(&[20, 30, 90, 255]);
        }
    }
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&rgba).unwrap();
    }
    png
}

fn signed() -> Signatures {
    Signatures {
        resident_png: Some(signature_png(1)),
        doctor_png: Some(signature_png(7)),
    }
}

#[test]
fn agreement_round_trips_names_ids_and_clauses() {
    let snap = common::household();
    let pdf = Pdf::write(
        &render_agreement(&snap, &signed(), Lang::Zh, &PrintOptions::default()).unwrap(),
        "agreement.pdf",
    );
    let text = pdf.text();
    let flat: String = text.split_whitespace().collect();
    for needle in [
        "家庭医生签约服务协议书",
        "甲方留存",
        "乙方留存",
        &snap.agreement_number,
        &snap.health_record_number,
        "富民县青山镇卫生院",
        "杨秀兰",
        "13987654321",
        "刘建国",
        "赵丽萍",
        "马文斌",
        "自动续约",
        "免责条款",
        "隐私保护",
        "不承担急诊",
        "高血压",
        &verification_code(&snap.sha256()),
    ] {
        assert!(
            flat.contains(&needle.replace(' ', "")),
            "agreement text lacks {needle:?}"
        );
    }
    for m in &snap.members {
        assert!(text.contains(&m.name), "member {} missing", m.name);
        let id = m.id_number.as_deref().unwrap();
        assert!(
            text.contains(id),
            "ID number {id} of {} missing or split",
            m.name
        );
    }
    let pages = pdf.pages();
    assert_eq!(pages % 2, 0, "two identical copies");
    let per_copy = pages / 2;
    // pdftotext drops the thin spaces around the numbers; compare without whitespace.
    assert!(
        flat.contains(&format!("第1页共{per_copy}页")),
        "page numbers restart per copy"
    );
    assert!(flat.contains(&format!("第{per_copy}页共{per_copy}页")));
    assert!(
        pdf.page_text(1).contains("甲方留存") && pdf.page_text(per_copy + 1).contains("乙方留存")
    );
}

#[test]
fn the_font_is_embedded_and_subset() {
    let pdf = Pdf::write(
        &render_agreement(
            &common::household(),
            &Signatures::default(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "f.pdf",
    );
    assert_font_embedded(&pdf);
}

fn assert_font_embedded(pdf: &Pdf) {
    let fonts = pdf.fonts();
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!rows.is_empty(), "pdffonts lists the font:\n{fonts}");
    for row in rows {
        assert!(
            row.contains("WenQuanYi") || row.contains("HanaMin"),
            "only the embedded CJK fonts are used: {row}"
        );
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        // ... emb sub uni object ID
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "embedded, subset, with ToUnicode: {row}"
        );
    }
}

#[test]
fn agreement_text_stays_inside_the_margins() {
    let pdf = Pdf::write(
        &render_agreement(
            &common::big_household(),
            &signed(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "m.pdf",
    );
    assert_inside_margins(&pdf, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
    let en = Pdf::write(
        &render_agreement(
            &common::big_household(),
            &signed(),
            Lang::En,
            &PrintOptions::default(),
        )
        .unwrap(),
        "m-en.pdf",
    );
    assert_inside_margins(&en, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
}

#[test]
fn a_long_household_flows_onto_further_pages_with_repeated_headers() {
    let snap = common::big_household();
    assert_eq!(snap.members.len(), 12);
    let pdf = Pdf::write(
        &render_agreement(
            &snap,
            &Signatures::default(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "long.pdf",
    );
    let pages = pdf.pages();
    let per_copy = pages / 2;
    assert!(
        per_copy >= 4,
        "12 members and every package need more pages, got {per_copy}"
    );
    let text = pdf.text();
    for m in &snap.members {
        assert!(text.contains(&m.name), "{} missing", m.name);
        if let Some(id) = &m.id_number {
            assert!(text.contains(id.as_str()), "ID {id} missing or split");
        }
    }
    assert!(
        text.contains("未登记"),
        "the infant without an ID number is marked"
    );
    let flat: String = text.split_whitespace().collect();
    // The package table spans pages: its header is on each of them, and a package cut by a
    // page break is named again.
    let on_pages = |header: &str| {
        (1..=per_copy)
            .filter(|&p| pdf.page_text(p).contains(header))
            .count()
    };
    let (members, packages) = (on_pages("人群分类"), on_pages("服务内容"));
    assert!(
        members + packages >= 3,
        "a table header repeats on the pages its table spans: {members} + {packages}"
    );
    assert!(
        flat.contains(&format!("第1页共{per_copy}页"))
            && flat.contains(&format!("第{per_copy}页共{per_copy}页"))
    );
    for p in 1..=per_copy {
        assert_eq!(
            pdf.page_text(p)
                .split_whitespace()
                .collect::<String>()
                .replace("甲方留存", ""),
            pdf.page_text(p + per_copy)
                .split_whitespace()
                .collect::<String>()
                .replace("乙方留存", ""),
            "page {p} of both copies differ beyond the mark"
        );
    }
}

#[test]
fn the_english_agreement_keeps_chinese_names() {
    let snap = common::household();
    let pdf = Pdf::write(
        &render_agreement(
            &snap,
            &Signatures::default(),
            Lang::En,
            &PrintOptions::default(),
        )
        .unwrap(),
        "en.pdf",
    );
    let text = pdf.text();
    assert!(text.contains("Family Doctor Service Agreement"));
    assert!(text.contains("Copy for Party B (household)"));
    assert!(text.contains("王德明") && text.contains("Page 1 of"));
}

#[test]
fn signatures_are_drawn_and_bad_images_refused() {
    let pdf = Pdf::write(
        &render_agreement(
            &common::household(),
            &signed(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "sig.pdf",
    );
    let mut cmd = tool("pdfimages");
    cmd.arg("-list").arg(&pdf.path);
    let list = run(cmd);
    let images = list.lines().skip(2).filter(|l| l.contains("image")).count();
    assert!(images >= 4, "two signatures on each of two copies:\n{list}");
    let bad = Signatures {
        resident_png: Some(b"not a png".to_vec()),
        doctor_png: None,
    };
    assert!(matches!(
        render_agreement(
            &common::household(),
            &bad,
            Lang::Zh,
            &PrintOptions::default()
        ),
        Err(PrintError::Signature { .. })
    ));
}

#[test]
fn termination_confirmation_round_trips() {
    let snap = common::termination();
    let pdf = Pdf::write(
        &render_termination(&snap, &signed(), Lang::Zh, &PrintOptions::default()).unwrap(),
        "termination.pdf",
    );
    let flat: String = pdf.text().split_whitespace().collect();
    for needle in [
        "家庭医生签约服务解约确认书",
        "迁出本辖区",
        &snap.agreement_number,
        "杨秀兰",
        "甲方留存",
        "乙方留存",
        "昆明市官渡区",
    ] {
        assert!(flat.contains(needle), "termination text lacks {needle:?}");
    }
    for m in &snap.members {
        assert!(flat.contains(&m.name) && flat.contains(m.id_number.as_deref().unwrap()));
    }
    assert!(flat.contains(&verification_code(&snap.sha256())));
    assert!(flat.contains("第1页共1页"), "one page per copy");
    assert_eq!(pdf.pages(), 2);
    assert_inside_margins(&pdf, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
}

/// Which card cell of the grid a point falls in, with the cell's box.
fn card_cell(x: f64, y: f64) -> Option<(usize, usize, [f64; 4])> {
    let (cw, ch) = (f64::from(CARD_W), f64::from(CARD_H));
    let gx = (A4.0 - 2.0 * cw) / 2.0;
    let gy = (A4.1 - 5.0 * ch) / 2.0;
    let col = ((x - gx) / cw).floor();
    let row = ((y - gy) / ch).floor();
    if !(0.0..2.0).contains(&col) || !(0.0..5.0).contains(&row) {
        return None;
    }
    let (x0, y0) = (gx + col * cw, gy + row * ch);
    Some((col as usize, row as usize, [x0, y0, x0 + cw, y0 + ch]))
}

#[test]
fn card_batch_prints_ten_a_sheet_with_backs_mirrored() {
    let cards = common::village(23);
    let pdf = Pdf::write(
        &render_cards(&cards, Lang::Zh, &PrintOptions::default()).unwrap(),
        "cards.pdf",
    );
    assert_eq!(
        pdf.pages(),
        6,
        "23 cards: three sheets of fronts, each followed by its backs"
    );
    let text = pdf.text();
    for c in &cards {
        assert!(
            text.contains(&format!("签约家庭：{} 户", c.party_b.head_name)),
            "card of {} missing",
            c.party_b.head_name
        );
    }
    assert!(text.contains("13987654321") && text.contains("急危重症"));
    // Every word on a card stays inside the card's safe area (3 mm from the cut), and the
    // sheet notes stay outside the grid.
    let safe = 3.0 - 0.2;
    let words = pdf.words();
    for (page, word, [x0, y0, x1, y1]) in &words {
        match card_cell((x0 + x1) / 2.0, (y0 + y1) / 2.0) {
            Some((_, _, [cx0, cy0, cx1, cy1])) => assert!(
                *x0 >= cx0 + safe && *x1 <= cx1 - safe && *y0 >= cy0 + safe && *y1 <= cy1 - safe,
                "page {page}: {word:?} comes within 3 mm of the card edge"
            ),
            None => assert!(
                *y1 < (A4.1 - 5.0 * f64::from(CARD_H)) / 2.0,
                "page {page}: {word:?} outside the grid"
            ),
        }
    }
    // The last sheet holds three cards: fronts in columns 0,1,0; backs mirrored to 1,0,1.
    let cells = |page: usize| {
        let mut cells: Vec<(usize, usize)> = words
            .iter()
            .filter(|w| w.0 == page)
            .filter_map(|w| card_cell((w.2[0] + w.2[2]) / 2.0, (w.2[1] + w.2[3]) / 2.0))
            .map(|(c, r, _)| (c, r))
            .collect();
        cells.sort();
        cells.dedup();
        cells
    };
    assert_eq!(cells(5), vec![(0, 0), (0, 1), (1, 0)]);
    assert_eq!(cells(6), vec![(0, 0), (1, 0), (1, 1)]);
}

#[test]
fn a_single_card_is_card_sized_and_stays_inside_its_safe_area() {
    let card = &common::village(1)[0];
    let pdf = Pdf::write(
        &render_card(card, Lang::Zh, &PrintOptions::default()).unwrap(),
        "card.pdf",
    );
    assert_eq!(pdf.pages(), 2, "front and back");
    let mut cmd = tool("pdfinfo");
    cmd.arg(&pdf.path);
    let info = run(cmd);
    assert!(
        info.contains("242.646 x 153.071 pts"),
        "85.6 × 54 mm:\n{info}"
    );
    assert_inside_margins(&pdf, (f64::from(CARD_W), f64::from(CARD_H)), 2.8, 2.8);
    let text = pdf.text();
    for needle in [
        "家庭医生联系卡",
        "杨秀兰",
        "13987654321",
        "刘建国",
        "0871-68123456",
        "0871-68120000",
        "周一至周日",
    ] {
        assert!(text.contains(needle), "card lacks {needle:?}");
    }
    assert!(matches!(
        render_cards(&[], Lang::Zh, &PrintOptions::default()),
        Err(PrintError::Empty(_))
    ));
}

#[test]
fn the_card_qr_code_scans_as_the_doctors_vcard() {
    if Command::new("zbarimg").arg("--version").output().is_err() {
        eprintln!("note: zbarimg (zbar-tools) not installed; QR decoding not checked");
        return;
    }
    let card = &common::village(1)[0];
    let pdf = Pdf::write(
        &render_card(card, Lang::Zh, &PrintOptions::default()).unwrap(),
        "qr.pdf",
    );
    let prefix = pdf.path.with_extension("");
    let mut cmd = tool("pdftoppm");
    cmd.args(["-r", "300", "-png", "-f", "1", "-l", "1"])
        .arg(&pdf.path)
        .arg(&prefix);
    run(cmd);
    let png = std::fs::read_dir(pdf.path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("pdftoppm wrote a page");
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .unwrap();
    let decoded = String::from_utf8_lossy(&out.stdout);
    assert!(
        decoded.contains("BEGIN:VCARD"),
        "QR decodes to a vCard: {decoded:?}"
    );
    assert!(
        decoded.contains("FN:杨秀兰") && decoded.contains("TEL;TYPE=CELL:13987654321"),
        "{decoded}"
    );
}

#[test]
fn pages_render_to_images() {
    let agreement = render_agreement(
        &common::household(),
        &signed(),
        Lang::Zh,
        &PrintOptions::default(),
    )
    .unwrap();
    let amendment = render_amendment(
        &common::amendment(Change::Joined),
        &signed(),
        Lang::Zh,
        &PrintOptions::default(),
    )
    .unwrap();
    let notice = render_renewal_notice(
        &common::renewal_notice(),
        Lang::Zh,
        &PrintOptions::default(),
    )
    .unwrap();
    for (bytes, name) in [
        (agreement, "look.pdf"),
        (amendment, "look-amendment.pdf"),
        (notice, "look-renewal.pdf"),
    ] {
        rasterises(&Pdf::write(&bytes, name));
    }
}

fn rasterises(pdf: &Pdf) {
    let prefix = pdf.path.with_extension("");
    let mut cmd = tool("pdftoppm");
    cmd.args(["-r", "60", "-png"]).arg(&pdf.path).arg(&prefix);
    run(cmd);
    let pngs = std::fs::read_dir(pdf.path.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
        })
        .count();
    assert_eq!(pngs, pdf.pages(), "every page rasterises");
}

#[test]
fn odd_input_still_prints_inside_the_margins() {
    let mut snap = common::household();
    snap.members.truncate(1);
    snap.packages.clear();
    snap.party_b.address = "很长的地址".repeat(60);
    snap.party_a.institution = format!("{}卫生院", "某某".repeat(40));
    snap.members[0].name = "欧阳𠀋娜娜\u{1F600}".into(); // Ext B, and a character no font has
    snap.party_a.family_doctor.name = "A very long name for a doctor who signs in English".into();
    let pdf = Pdf::write(
        &render_agreement(
            &snap,
            &Signatures::default(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "odd.pdf",
    );
    assert_inside_margins(&pdf, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
    assert!(
        pdf.text().contains("欧阳𠀋娜娜[U+1F600]"),
        "Ext B prints in the fallback, a character no font has as its code point"
    );
    let card = Pdf::write(
        &render_card(&snap, Lang::En, &PrintOptions::default()).unwrap(),
        "odd-card.pdf",
    );
    assert_inside_margins(&card, (f64::from(CARD_W), f64::from(CARD_H)), 2.8, 2.8);
    let mut end = common::termination();
    end.note = "说明".repeat(400);
    let t = Pdf::write(
        &render_termination(
            &end,
            &Signatures::default(),
            Lang::En,
            &PrintOptions::default(),
        )
        .unwrap(),
        "odd-end.pdf",
    );
    assert!(t.text().contains("Confirmation of Termination"));
    assert_inside_margins(&t, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
}

const ALL_CHANGES: [Change; 5] = [
    Change::Joined,
    Change::Ended(CoverageEndReason::Death),
    Change::Ended(CoverageEndReason::MovedOut),
    Change::Ended(CoverageEndReason::OnRequest),
    Change::Obligation,
];

fn file_name(change: Change, lang: Lang) -> String {
    let kind = match change {
        Change::Joined => "joined".to_string(),
        Change::Ended(r) => format!("ended-{r:?}").to_lowercase(),
        Change::Obligation => "obligation".to_string(),
    };
    format!("amendment-{kind}-{lang:?}.pdf").to_lowercase()
}

/// No word of either copy comes near the cut line, bar the cut line's own label.
fn assert_copies_clear_of_the_cut(pdf: &Pdf, cut_label: &str) {
    let cut = A4.1 / 2.0;
    for (page, text, [_, y0, _, y1]) in pdf.words() {
        if cut_label.contains(text.as_str()) && y0 > cut - 3.0 && y1 < cut + 3.0 {
            continue;
        }
        assert!(
            y1 < cut - 3.0 || y0 > cut + 3.0,
            "page {page}: {text:?} at y {y0:.1}–{y1:.1} mm reaches the cut line"
        );
    }
}

#[test]
fn an_amendment_of_each_kind_prints_both_copies_on_one_page() {
    for change in ALL_CHANGES {
        let snap = common::amendment(change);
        for lang in [Lang::Zh, Lang::En] {
            let pdf = Pdf::write(
                &render_amendment(&snap, &signed(), lang, &PrintOptions::default()).unwrap(),
                &file_name(change, lang),
            );
            assert_eq!(pdf.pages(), 1, "{change:?} {lang:?}: one sheet");
            let text = pdf.text();
            let flat: String = text.split_whitespace().collect();
            let (title, marks, cut) = match lang {
                Lang::Zh => (
                    "家庭医生签约服务协议变更确认书",
                    ["乙方留存", "甲方留存"],
                    "沿此线剪开",
                ),
                Lang::En => (
                    "Confirmation of a Change",
                    ["Copy for Party B (household)", "Copy for Party A (clinic)"],
                    "cut along this line",
                ),
            };
            let flat_of = |s: &str| s.split_whitespace().collect::<String>();
            assert_eq!(
                flat.matches(&flat_of(title)).count(),
                2,
                "{change:?} {lang:?}: two copies"
            );
            for needle in [
                flat_of(marks[0]),
                flat_of(marks[1]),
                flat_of(cut),
                snap.agreement_number.clone(),
                verification_code(&snap.agreement_sha256),
                verification_code(&snap.sha256()),
                snap.member.name.clone(),
                snap.member.id_number.clone().unwrap(),
            ] {
                assert!(
                    flat.contains(&needle),
                    "{change:?} {lang:?}: lacks {needle:?}"
                );
            }
            let household_signs = snap.kind.needs_household_signature();
            let not_required =
                lang.pick("无需签字（医生登记）", "notrequired(recordedbythedoctor)");
            assert_eq!(
                flat.contains(not_required),
                !household_signs,
                "{change:?} {lang:?}: the household's box"
            );
            assert_inside_margins(&pdf, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
            assert_copies_clear_of_the_cut(&pdf, cut);
            if lang == Lang::Zh {
                let expected: &[&str] = match change {
                    Change::Joined => &["成员加入签约", "基础服务包", "孕产妇", "免费"],
                    Change::Ended(CoverageEndReason::Death) => &["成员终止签约", "因死亡"],
                    Change::Ended(CoverageEndReason::MovedOut) => &["成员终止签约", "因迁出"],
                    Change::Ended(CoverageEndReason::OnRequest) => &["成员终止签约", "因本人申请"],
                    Change::Obligation => &["新增服务内容", "2型糖尿病患者", "自付"],
                };
                for needle in expected {
                    assert!(flat.contains(needle), "{change:?}: lacks {needle:?}");
                }
                // A package's name may wrap in its cell: look for its first characters.
                for p in &snap.packages {
                    let head: String = p.name.chars().take(6).collect();
                    assert!(flat.contains(&head), "package {} missing", p.name);
                }
            }
        }
    }
    let pdf = Pdf::write(
        &render_amendment(
            &common::amendment(Change::Joined),
            &Signatures::default(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "amendment-fonts.pdf",
    );
    assert_font_embedded(&pdf);
}

#[test]
fn an_amendment_with_long_names_and_every_package_stays_on_its_half() {
    let mut snap = common::amendment(Change::Joined);
    snap.member.name = "欧阳喆堃娜娜".into();
    let mut added = common::amendment(Change::Obligation);
    added.member.name = format!("欧阳娜娜{}", "·阿依古丽".repeat(12));
    added.packages = common::all_packages();
    for (n, s) in [snap, added].iter().enumerate() {
        for lang in [Lang::Zh, Lang::En] {
            let pdf = Pdf::write(
                &render_amendment(s, &signed(), lang, &PrintOptions::default()).unwrap(),
                &format!("amendment-long-{n}-{lang:?}.pdf").to_lowercase(),
            );
            assert_eq!(pdf.pages(), 1);
            assert_inside_margins(&pdf, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
            assert_copies_clear_of_the_cut(&pdf, lang.pick("沿此线剪开", "cut along this line"));
            let flat: String = pdf.text().split_whitespace().collect();
            assert!(flat.contains("欧阳"), "the name prints");
            assert!(flat.contains(&verification_code(&s.sha256())));
        }
    }
    let pdf = Pdf::write(
        &render_amendment(
            &{
                let mut s = common::amendment(Change::Joined);
                s.member.name = "欧阳喆堃娜娜".into();
                s
            },
            &Signatures::default(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "amendment-rare.pdf",
    );
    assert!(
        pdf.text().contains("欧阳喆堃娜娜"),
        "rare characters the font has print as themselves"
    );
    let bad = Signatures {
        resident_png: None,
        doctor_png: Some(b"\x89PNG\r\n\x1a\nbroken".to_vec()),
    };
    assert!(matches!(
        render_amendment(
            &common::amendment(Change::Joined),
            &bad,
            Lang::Zh,
            &PrintOptions::default()
        ),
        Err(PrintError::Signature { .. })
    ));
}

#[test]
fn the_renewal_notice_says_what_renewed_and_how_to_decline() {
    let notice = common::renewal_notice();
    assert_eq!(notice.members.len(), 4);
    let pdf = Pdf::write(
        &render_renewal_notice(&notice, Lang::Zh, &PrintOptions::default()).unwrap(),
        "renewal.pdf",
    );
    assert_eq!(pdf.pages(), 1, "one page");
    let flat: String = pdf.text().split_whitespace().collect();
    let day = |d: chrono::NaiveDate| d.format("%Y年%-m月%-d日").to_string();
    let decline_on = notice.term.end + chrono::Days::new(1);
    for needle in [
        "家庭医生签约服务续约告知书".to_string(),
        "自动续约".to_string(),
        notice.agreement_number.clone(),
        "王德明户".to_string(),
        "石桥村家庭医生服务团队".to_string(),
        "杨秀兰".to_string(),
        "13987654321".to_string(),
        "0871-68123456".to_string(),
        "第1次续约".to_string(),
        day(notice.term.start),
        day(notice.term.end),
        format!("不续约自{}起生效", day(decline_on)),
        "基础服务包".to_string(),
    ] {
        assert!(flat.contains(&needle), "renewal notice lacks {needle:?}");
    }
    for m in &notice.members {
        assert!(flat.contains(&m.name), "member {} missing", m.name);
    }
    assert_inside_margins(&pdf, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
    assert_font_embedded(&pdf);

    let en = Pdf::write(
        &render_renewal_notice(&notice, Lang::En, &PrintOptions::default()).unwrap(),
        "renewal-en.pdf",
    );
    assert_eq!(en.pages(), 1);
    let text = en.text();
    assert!(text.contains("Notice of Renewal") && text.contains("王德明"));
    assert!(text.contains(&decline_on.format("%Y-%m-%d").to_string()));
    assert_inside_margins(&en, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
}

#[test]
fn a_renewal_notice_with_long_names_and_amended_coverage_prints() {
    let mut notice = common::big_renewal_notice();
    let joined = common::amendment(Change::Joined);
    let mut packages = common::all_packages();
    packages.extend(joined.packages.clone());
    notice.members.push(NoticeMember::new(
        &joined.member,
        &joined.member.package_codes,
        &packages,
    ));
    notice.members[0].name = format!("欧阳娜娜{}", "·阿依古丽".repeat(8));
    notice.household_head = "欧阳喆堃".into();
    notice.team_name = format!("{}家庭医生服务团队", "青山镇石桥村".repeat(6));
    let pdf = Pdf::write(
        &render_renewal_notice(&notice, Lang::Zh, &PrintOptions::default()).unwrap(),
        "renewal-long.pdf",
    );
    assert_inside_margins(&pdf, A4, f64::from(MARGIN_X), f64::from(MARGIN_Y));
    let flat: String = pdf.text().split_whitespace().collect();
    assert!(flat.contains("欧阳喆堃户") && flat.contains("欧阳娜娜"));
    for m in &notice.members[1..] {
        assert!(flat.contains(&m.name), "member {} missing", m.name);
    }
    let pages = pdf.pages();
    assert!(
        flat.contains(&format!("第{pages}页共{pages}页")),
        "a household too large for one page flows on, numbered"
    );
}

#[test]
fn agreement_and_card_print_the_county_record_numbers_or_leave_them_blank() {
    let mut snap = common::household();
    snap.health_record_number = "53012410120100007".into();
    snap.members[0].record_number = Some("53012410120100007".into());
    snap.members[1].record_number = Some("53012410120100008".into());
    let agreement = Pdf::write(
        &render_agreement(&snap, &signed(), Lang::Zh, &PrintOptions::default()).unwrap(),
        "record-numbers.pdf",
    );
    let flat: String = agreement.text().split_whitespace().collect();
    for needle in ["53012410120100007", "53012410120100008", "健康档案编号"] {
        assert!(flat.contains(needle), "the agreement shows {needle}");
    }
    let card = Pdf::write(
        &render_card(&snap, Lang::Zh, &PrintOptions::default()).unwrap(),
        "record-card.pdf",
    );
    let flat: String = card.text().split_whitespace().collect();
    assert!(
        flat.contains("53012410120100007"),
        "the card shows the head's number: {flat}"
    );

    // Without numbers nothing is made up: the field stays blank.
    let mut none = common::household();
    none.health_record_number = String::new();
    let card = Pdf::write(
        &render_card(&none, Lang::Zh, &PrintOptions::default()).unwrap(),
        "no-record-card.pdf",
    );
    assert!(!card.text().contains("健康档案编号"));
    let agreement = Pdf::write(
        &render_agreement(&none, &signed(), Lang::Zh, &PrintOptions::default()).unwrap(),
        "no-record.pdf",
    );
    let flat: String = agreement.text().split_whitespace().collect();
    assert!(!flat.contains("5301241012"), "no invented number");
}

#[test]
fn rare_characters_print_in_the_fallback_font_and_read_back() {
    let mut snapshot = common::household();
    // Ext A, two characters of the 通用规范汉字表 beyond Ext B, one of Ext B, and one no font has.
    let names = ["刘䶮", "王𬌗明", "李𫖯", "𠮷田\u{1F600}"];
    for (m, name) in snapshot.members.iter_mut().zip(names) {
        m.name = name.to_string();
    }
    snapshot.party_b.head_name = names[0].to_string();
    let pdf = Pdf::write(
        &render_agreement(
            &snapshot,
            &Signatures::default(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "rare.pdf",
    );
    let text = pdf.text();
    for name in &names[..3] {
        assert!(text.contains(name), "{name} reads back:\n{text}");
    }
    assert!(text.contains("𠮷田[U+1F600]"), "no silent box:\n{text}");
    assert!(!text.contains('□'), "no box printed:\n{text}");
    let fonts = pdf.fonts();
    assert!(
        fonts.contains("WenQuanYi") && fonts.contains("HanaMin"),
        "{fonts}"
    );
    assert_font_embedded(&pdf);
    // The check boxes of the population groups, 普通人群 for a member in no group.
    assert!(text.contains("☑普通人群"), "{text}");
    assert!(text.contains('☐'), "{text}");

    // The card of such a household too, which publishes the team's duties.
    let pdf = Pdf::write(
        &render_card(&snapshot, Lang::Zh, &PrintOptions::default()).unwrap(),
        "rare-card.pdf",
    );
    assert_font_embedded(&pdf);
    let text = pdf.text();
    assert!(text.contains("团队职责：建档与健康评估"), "{text}");
    assert!(text.contains("刘䶮"), "{text}");
}

#[test]
fn an_everyday_agreement_needs_no_rare_font() {
    let pdf = Pdf::write(
        &render_agreement(
            &common::household(),
            &Signatures::default(),
            Lang::Zh,
            &PrintOptions::default(),
        )
        .unwrap(),
        "everyday.pdf",
    );
    let fonts = pdf.fonts();
    // The check boxes come from the small symbols font; the large one stays out.
    let rows = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(rows, 2, "{fonts}");
    let text = pdf.text();
    assert!(
        text.contains("青山镇石桥村1组100号"),
        "the address once:\n{text}"
    );
}

fn demo() -> PrintOptions {
    PrintOptions {
        demo: true,
        ..PrintOptions::default()
    }
}

/// The page's text without the spaces pdftotext puts between wide glyphs.
fn flat_page(pdf: &Pdf, page: usize) -> String {
    pdf.page_text(page).split_whitespace().collect()
}

/// A document rendered with the given options.
type Render = Box<dyn Fn(&PrintOptions) -> Vec<u8>>;

#[test]
fn a_demo_stores_paper_says_so_on_every_page_and_real_paper_does_not() {
    let documents: Vec<(&str, Render)> = vec![
        (
            "agreement",
            Box::new(|o| {
                render_agreement(&common::big_household(), &signed(), Lang::Zh, o).unwrap()
            }),
        ),
        (
            "termination",
            Box::new(|o| {
                render_termination(&common::termination(), &signed(), Lang::Zh, o).unwrap()
            }),
        ),
        (
            "amendment",
            Box::new(|o| {
                render_amendment(&common::amendment(Change::Joined), &signed(), Lang::Zh, o)
                    .unwrap()
            }),
        ),
        (
            "renewal",
            Box::new(|o| render_renewal_notice(&common::renewal_notice(), Lang::Zh, o).unwrap()),
        ),
        (
            "card",
            Box::new(|o| render_card(&common::household(), Lang::Zh, o).unwrap()),
        ),
        (
            "cards",
            Box::new(|o| render_cards(&common::village(12), Lang::Zh, o).unwrap()),
        ),
    ];
    for (name, render) in documents {
        let marked = Pdf::write(&render(&demo()), &format!("demo-{name}.pdf"));
        for page in 1..=marked.pages() {
            assert!(
                flat_page(&marked, page).contains("演示数据—非正式文书"),
                "{name}: page {page} of a demo store's print lacks the demo mark"
            );
        }
        assert_font_embedded(&marked);
        rasterises(&marked);
        let plain = Pdf::write(
            &render(&PrintOptions::default()),
            &format!("real-{name}.pdf"),
        );
        assert!(
            !plain.text().contains("演示数据"),
            "{name}: a real store's print carries no demo mark"
        );
    }
}

#[test]
fn a_reprint_says_so_with_the_day_and_keeps_the_verification_code() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let options = PrintOptions {
        reprint_on: Some(day),
        ..PrintOptions::default()
    };
    let snap = common::household();
    let reprint = Pdf::write(
        &render_agreement(&snap, &signed(), Lang::Zh, &options).unwrap(),
        "reprint.pdf",
    );
    for page in 1..=reprint.pages() {
        assert!(
            flat_page(&reprint, page).contains("补打2026年12月7日"),
            "page {page} of a reprint lacks 补打 and its day"
        );
    }
    let code = jiayi_core::agreement::verification_code(&snap.sha256());
    assert!(
        reprint.text().contains(&code),
        "the reprint verifies as the original"
    );
    let first = Pdf::write(
        &render_agreement(&snap, &signed(), Lang::Zh, &PrintOptions::default()).unwrap(),
        "first.pdf",
    );
    assert!(
        !first.text().contains("补打"),
        "a first print is no reprint"
    );
    let card = Pdf::write(
        &render_card(&snap, Lang::En, &options).unwrap(),
        "reprint-card.pdf",
    );
    assert!(card.page_text(1).contains("Reprint 2026-12-07"));
}

#[test]
fn items_left_out_are_not_printed_but_still_verified() {
    let snap = common::household();
    let options = PrintOptions {
        left_out: [(
            "basic_hypertension".to_string(),
            "hypertension_follow_up".to_string(),
        )]
        .into_iter()
        .collect(),
        ..PrintOptions::default()
    };
    let full: String = Pdf::write(
        &render_agreement(&snap, &signed(), Lang::Zh, &PrintOptions::default()).unwrap(),
        "all-items.pdf",
    )
    .text()
    .split_whitespace()
    .collect();
    let cut: String = Pdf::write(
        &render_agreement(&snap, &signed(), Lang::Zh, &options).unwrap(),
        "fewer-items.pdf",
    )
    .text()
    .split_whitespace()
    .collect();
    assert!(full.contains("高血压随访"), "the item prints when owed");
    assert!(
        !cut.contains("高血压随访"),
        "an item no member is owed is left off"
    );
    // The item's name wraps in its cell; its first line is enough to find it.
    assert!(
        cut.contains("高血压患者年度"),
        "the package's other items stay"
    );
    let code = jiayi_core::agreement::verification_code(&snap.sha256());
    assert!(cut.contains(&code), "the frozen snapshot still verifies");
}
