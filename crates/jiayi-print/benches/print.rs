//! Print speed and size.
//!
//! - `agreement`: one household's agreement, both copies, signatures drawn (target ≤ 20 ms
//!   median, ≤ 150 KB).
//! - `cards_300`: the contact cards of a 300-household village on A4 sheets (target ≤ 1.5 s,
//!   ≤ 3 MB).
//! - Then, in the same run, the same agreement written as a word-processor document (HTML
//!   with the same tables and clauses) and converted by `libreoffice --headless --convert-to
//!   pdf`, which is how a clinic prints it today; the ratio is printed. Skipped with a note
//!   when LibreOffice is not installed.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jiayi_core::Lang;
use jiayi_core::agreement::{AgreementSnapshot, verification_code};
use jiayi_core::catalog::yuan;
use jiayi_print::{PrintOptions, Signatures, render_agreement, render_cards};

fn signature() -> Vec<u8> {
    let (w, h) = (360u32, 120u32);
    let mut rgba = vec![0u8; (w * h * 4) as usize];
    for x in 20..340u32 {
        let y = (60.0 + 30.0 * (x as f32 / 23.0).sin()) as u32;
        for yy in y.saturating_sub(2)..(y + 2).min(h) {
            let i = ((yy * w + x) * 4) as usize;
            rgba[i..i + 4].copy_from_slice(&[20, 30, 90, 255]);
        }
    }
    let mut png = Vec::new();
    let mut enc = png::Encoder::new(&mut png, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&rgba).unwrap();
    png
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let snap = common::household();
    let sigs = Signatures {
        resident_png: Some(signature()),
        doctor_png: Some(signature()),
    };
    let bytes = render_agreement(&snap, &sigs, Lang::Zh, &PrintOptions::default()).unwrap();
    eprintln!(
        "agreement: {} bytes ({:.1} KB)",
        bytes.len(),
        bytes.len() as f64 / 1024.0
    );
    c.bench_function("agreement", |b| {
        b.iter(|| render_agreement(&snap, &sigs, Lang::Zh, &PrintOptions::default()).unwrap())
    });

    let village = common::village(300);
    let cards = render_cards(&village, Lang::Zh, &PrintOptions::default()).unwrap();
    eprintln!(
        "cards_300: {} bytes ({:.2} MB)",
        cards.len(),
        cards.len() as f64 / 1024.0 / 1024.0
    );
    let mut group = c.benchmark_group("cards");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("cards_300", |b| {
        b.iter(|| render_cards(&village, Lang::Zh, &PrintOptions::default()).unwrap())
    });
    group.finish();

    libreoffice_comparison(&snap, &sigs);
}

/// Times LibreOffice on the same agreement and prints the ratio to ours.
fn libreoffice_comparison(snap: &AgreementSnapshot, sigs: &Signatures) {
    let office = ["libreoffice", "soffice"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok());
    let Some(office) = office else {
        eprintln!(
            "note: libreoffice not installed (apt-get install libreoffice-writer-nogui); comparison skipped"
        );
        return;
    };
    let ours = median(
        (0..30)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(
                    render_agreement(snap, sigs, Lang::Zh, &PrintOptions::default()).unwrap(),
                );
                t.elapsed()
            })
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("agreement.html");
    std::fs::write(&doc, agreement_html(snap)).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("profile").display()
    );
    let mut times = Vec::new();
    let mut size = 0;
    // The first run creates the profile; it is timed separately and not counted.
    for run in 0..6 {
        let t = Instant::now();
        let out = Command::new(office)
            .args([
                profile.as_str(),
                "--headless",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
            ])
            .arg(dir.path())
            .arg(&doc)
            .output()
            .unwrap();
        let took = t.elapsed();
        if !out.status.success() {
            eprintln!(
                "note: libreoffice failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return;
        }
        size = std::fs::metadata(dir.path().join("agreement.pdf"))
            .map(|m| m.len())
            .unwrap_or(0);
        if run == 0 {
            eprintln!("libreoffice first run (profile creation): {took:?}");
        } else {
            times.push(took);
        }
    }
    let lo = median(times);
    eprintln!(
        "agreement, median: jiayi-print {ours:?} vs libreoffice --convert-to pdf {lo:?} ({size} bytes): {:.0}× faster",
        lo.as_secs_f64() / ours.as_secs_f64()
    );
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The same agreement as a clinic's word-processor template would hold it: title, parties,
/// members, packages, term, clauses, signature lines, two copies.
fn agreement_html(s: &AgreementSnapshot) -> String {
    let t: toml::Value =
        toml::from_str(include_str!("../../../assets/templates/agreement.toml")).unwrap();
    let zh = &t["zh"];
    let get = |k: &str| zh[k].as_str().unwrap_or("").to_string();
    let mut body = String::new();
    for copy in ["copy_clinic", "copy_household"] {
        body.push_str(&format!(
            "<div style='page-break-before:always'><p align=right>{}</p><h1 align=center>{}</h1>",
            get(copy),
            get("title")
        ));
        body.push_str(&format!(
            "<p>{}：{} {}：{} {}：{}</p><p>{}</p>",
            get("agreement_number"),
            esc(&s.agreement_number),
            get("health_record_number"),
            esc(&s.health_record_number),
            get("signed_on"),
            s.signed_on,
            get("intro")
        ));
        let a = &s.party_a;
        body.push_str(&format!(
            "<table border=1 width=100%><tr><td>甲方</td><td>{} {}</td><td>团队</td><td>{}</td></tr>\
             <tr><td>团队长</td><td>{} {}</td><td>家庭医生</td><td>{} {}</td></tr>\
             <tr><td>乙方</td><td>{}</td><td>身份证号</td><td>{}</td></tr>\
             <tr><td>住址</td><td colspan=3>{} {} {}</td></tr></table>",
            esc(&a.institution),
            esc(&a.village_clinic),
            esc(&a.team_name),
            esc(&a.leader.name),
            esc(&a.leader.phone),
            esc(&a.family_doctor.name),
            esc(&a.family_doctor.phone),
            esc(&s.party_b.representative_name),
            esc(s.party_b.representative_id_number.as_deref().unwrap_or("")),
            esc(&s.party_b.village),
            esc(&s.party_b.group),
            esc(&s.party_b.address)
        ));
        body.push_str("<table border=1 width=100%><tr><th>姓名</th><th>性别</th><th>年龄</th><th>身份证号</th><th>人群分类</th></tr>");
        for m in &s.members {
            let groups = m
                .groups
                .iter()
                .map(|g| g.label(Lang::Zh))
                .collect::<Vec<_>>()
                .join("、");
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.name),
                m.sex.label(Lang::Zh),
                m.age.unwrap_or(0),
                esc(m.id_number.as_deref().unwrap_or("")),
                groups
            ));
        }
        body.push_str("</table><table border=1 width=100%><tr><th>服务包</th><th>服务项目</th><th>服务内容</th><th>次/年</th><th>单价</th><th>医保</th><th>公卫</th><th>自付</th></tr>");
        for p in &s.packages {
            for it in &p.items {
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&p.name),
                    esc(&it.name),
                    esc(&it.content),
                    it.times_per_year,
                    yuan(p.price.total_fen()),
                    yuan(p.price.insurance_fen),
                    yuan(p.price.public_health_fen),
                    yuan(p.price.self_pay_fen)
                ));
            }
        }
        body.push_str("</table>");
        body.push_str(&format!(
            "<p>服务期：{} 至 {}</p><p>{}</p>",
            s.term.start,
            s.term.end,
            zh["term"]["renewal"].as_str().unwrap_or("")
        ));
        for clause in zh["clauses"].as_array().unwrap() {
            body.push_str(&format!(
                "<h3>{}</h3><ol>",
                clause["heading"].as_str().unwrap_or("")
            ));
            for item in clause["items"].as_array().unwrap() {
                body.push_str(&format!("<li>{}</li>", item.as_str().unwrap_or("")));
            }
            body.push_str("</ol>");
        }
        body.push_str(&format!(
            "<p>甲方签字：__________ 日期：{}　　乙方签字：__________ 日期：{}</p><p>校验码：{}</p></div>",
            s.signed_on,
            s.signed_on,
            verification_code(&s.sha256())
        ));
    }
    format!(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>协议书</title><style>body,h1,h3,td,th{{font-family:'WenQuanYi Micro Hei'}}</style></head><body>{body}</body></html>"
    )
}

criterion_group!(benches, bench);
criterion_main!(benches);
