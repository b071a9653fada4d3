//! The service agreement (签约服务协议书): laid out once, printed as two marked copies.

use jiayi_core::Lang;
use jiayi_core::agreement::{
    AgreementSnapshot, PackageTerms, TeamMemberContact, verification_code,
};
use jiayi_core::catalog::{PackageKind, yuan};
use jiayi_core::person::PopulationGroup;
use printpdf::PdfDocument;

use crate::canvas::{ACCENT_LIGHT, Align, Canvas, MUTED, SHADE, Style};
use crate::doc::{
    DEFLATE_FAST, Decoration, SignatureBox, SignatureImages, Signatures, date, decorate, save,
    signature_boxes, verification_strip,
};
use crate::error::Result;
use crate::flow::{BODY, Cell, Flow, HEAD_FILL, Row, SMALL, TABLE_HEAD, Table, line_height};
use crate::font::{self, Face};
use crate::marks::{PrintOptions, mark_pages};
use crate::templates::{self, AgreementText, fill};

pub fn render_agreement(
    snapshot: &AgreementSnapshot,
    signatures: &Signatures,
    lang: Lang,
    options: &PrintOptions,
) -> Result<Vec<u8>> {
    let face = font::face()?;
    let t = templates::agreement(lang)?;
    let mut doc = PdfDocument::new(&t.title);
    doc.metadata.info.author = snapshot.party_a.institution.clone();
    doc.metadata.info.subject = snapshot.agreement_number.clone();
    let font = doc.add_font(&face.parsed);
    let images = SignatureImages::add(&mut doc, signatures)?;

    let mut flow = Flow::a4(face, font);
    lay_out_agreement(&mut flow, snapshot, &images, t, lang, options);
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

pub(crate) fn institution_line(institution: &str, clinic: &str) -> String {
    if clinic.trim().is_empty() || clinic == institution {
        institution.to_string()
    } else {
        format!("{institution} · {clinic}")
    }
}

pub(crate) fn contact(c: &TeamMemberContact) -> String {
    format!("{}  {}", c.name, c.phone)
}

fn label(text: &str) -> Cell {
    Cell::new(text, SMALL.color(MUTED)).fill(SHADE)
}

fn value(text: &str) -> Cell {
    Cell::new(text, SMALL)
}

fn band(text: &str) -> Cell {
    Cell::new(text, TABLE_HEAD).fill(ACCENT_LIGHT).span(4)
}

/// Label / value / label / value, the grid used for the parties.
pub(crate) fn grid_widths(total: f32) -> Vec<f32> {
    let label = 27.0;
    let value = (total - 2.0 * label) / 2.0;
    vec![label, value, label, value]
}

/// "1、2、3、5" → "1–3、5": a member with every package does not fill a column.
fn ranges(numbers: &[usize], sep: &str) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        while i + 1 < numbers.len() && numbers[i + 1] == numbers[i] + 1 {
            i += 1;
        }
        let end = numbers[i];
        parts.push(if end >= start + 2 {
            format!("{start}–{end}")
        } else if end > start {
            format!("{start}{sep}{end}")
        } else {
            start.to_string()
        });
        i += 1;
    }
    parts.join(sep)
}

fn frequency(times: u32, t: &AgreementText) -> String {
    if times == 0 {
        t.on_need.clone()
    } else {
        fill(&t.times, &[("n", &times.to_string())])
    }
}

fn package_title(p: &PackageTerms, lang: Lang) -> String {
    let name = lang.pick(&p.name, &p.name_en);
    if name.is_empty() {
        p.name.clone()
    } else {
        name.to_string()
    }
}

/// Lays the agreement's body out page by page (one copy; the marks are added per copy).
fn lay_out_agreement(
    flow: &mut Flow<'_>,
    s: &AgreementSnapshot,
    images: &SignatureImages,
    t: &AgreementText,
    lang: Lang,
    options: &PrintOptions,
) {
    let face: &Face = flow.face;
    let sep = lang.pick("、", ", ");

    // Title block.
    flow.space(3.0);
    flow.paragraph(&t.title, Style::new(19.0).bold(), 0.0, Align::Center);
    flow.paragraph(
        &t.subtitle,
        Style::new(9.0).color(MUTED),
        0.0,
        Align::Center,
    );
    flow.space(3.0);
    let widths = grid_widths(flow.width());
    flow.table(&Table {
        widths: widths.clone(),
        header: None,
        rows: vec![
            Row::new(vec![
                label(&t.agreement_number),
                value(&s.agreement_number),
                label(&t.health_record_number),
                value(&s.health_record_number),
            ]),
            Row::new(vec![
                label(&t.signed_on),
                value(&date(s.signed_on, lang)),
                label(&t.catalog_version),
                value(&s.catalog_version),
            ]),
        ],
    });
    flow.space(3.0);
    flow.paragraph(&t.intro, BODY, 0.0, Align::Left);
    flow.space(1.0);

    // 1. Parties.
    let a = &s.party_a;
    let pa = &t.party_a;
    let pb = &t.party_b;
    let none = t.none.as_str();
    let opt = |c: &Option<TeamMemberContact>| c.as_ref().map_or_else(|| none.to_string(), contact);
    let b = &s.party_b;
    let address = full_address(&b.village, &b.group, &b.address);
    let representative = b.representative_label(lang);
    flow.heading(&pa.heading);
    flow.table(&Table {
        widths: widths.clone(),
        header: None,
        rows: vec![
            Row::new(vec![band(&pa.party)]),
            Row::new(vec![
                label(&pa.institution),
                value(&a.institution),
                label(&pa.village_clinic),
                value(&a.village_clinic),
            ]),
            Row::new(vec![
                label(&pa.team),
                value(&a.team_name),
                label(&pa.hotline),
                value(&a.service_hotline),
            ]),
            Row::new(vec![
                label(&pa.leader),
                value(&contact(&a.leader)),
                label(&pa.family_doctor),
                value(&contact(&a.family_doctor)),
            ]),
            Row::new(vec![
                label(&pa.nurse),
                value(&opt(&a.nurse)),
                label(&pa.public_health_worker),
                value(&opt(&a.public_health_worker)),
            ]),
            Row::new(vec![band(&pb.party)]),
            Row::new(vec![
                label(&pb.head),
                value(&b.head_name),
                label(&pb.representative),
                value(&representative),
            ]),
            Row::new(vec![
                label(&pb.id_number),
                value(b.representative_id_number.as_deref().unwrap_or(none)),
                label(&pb.phone),
                value(b.phone.as_deref().unwrap_or(none)),
            ]),
            Row::new(vec![label(&pb.address), value(&address).span(3)]),
        ],
    });

    // 2. Covered members.
    flow.heading(&t.members.heading);
    // English needs room for "female" and "grandchild"; Chinese for "与户主关系".
    let mw = match lang {
        Lang::Zh => [9.5, 17.0, 9.5, 11.0, 19.0, 35.0, 0.0, 20.0],
        Lang::En => [9.5, 17.0, 13.0, 9.5, 20.0, 35.0, 0.0, 17.0],
    };
    let mut member_widths = mw.to_vec();
    member_widths[6] = flow.width() - mw.iter().sum::<f32>();
    let header = t
        .members
        .columns
        .iter()
        .map(|c| {
            Cell::new(c, TABLE_HEAD)
                .fill(HEAD_FILL)
                .align(Align::Center)
        })
        .collect();
    let rows = s
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let age = m.age.map_or_else(
                || none.to_string(),
                |a| format!("{a}{}", t.members.age_unit),
            );
            let groups = checked_groups(&m.groups, &t.members.general, lang);
            let mut numbers: Vec<usize> = m
                .package_codes
                .iter()
                .filter_map(|code| s.packages.iter().position(|p| &p.code == code))
                .map(|i| i + 1)
                .collect();
            numbers.sort_unstable();
            numbers.dedup();
            let packages = ranges(&numbers, sep);
            Row::new(vec![
                Cell::new((i + 1).to_string(), SMALL).align(Align::Center),
                Cell::new(&m.name, SMALL),
                Cell::new(m.sex.label(lang), SMALL).align(Align::Center),
                Cell::new(age, SMALL).align(Align::Center),
                Cell::new(m.relation.label(lang), SMALL).align(Align::Center),
                Cell::new(member_numbers(m, &t.members), SMALL),
                Cell::new(groups, SMALL),
                Cell::new(packages, SMALL).align(Align::Center),
            ])
        })
        .collect();
    flow.table(&Table {
        widths: member_widths,
        header: Some(header),
        rows,
    });
    flow.space(1.0);
    flow.paragraph(&t.members.note, SMALL.color(MUTED), 0.0, Align::Left);
    // Every group as a check box, as the paper form has them, one line per member.
    flow.space(1.0);
    flow.paragraph(&t.members.groups_heading, SMALL, 0.0, Align::Left);
    for (i, m) in s.members.iter().enumerate() {
        let boxes = group_boxes(&m.groups, &t.members.general, lang);
        flow.paragraph(
            &format!("{}. {}：{boxes}", i + 1, m.name),
            SMALL,
            0.0,
            Align::Left,
        );
    }

    // 3. Packages, one row per service item; package and price cells merge down its items.
    flow.heading(&t.packages.heading);
    let pw = [7.0, 27.0, 26.0, 0.0, 11.5, 12.5, 12.5, 12.5, 12.5];
    let mut package_widths = pw.to_vec();
    package_widths[3] = flow.width() - pw.iter().sum::<f32>();
    let header = t
        .packages
        .columns
        .iter()
        .map(|c| {
            Cell::new(c, TABLE_HEAD)
                .fill(HEAD_FILL)
                .align(Align::Center)
        })
        .collect();
    let mut rows = Vec::new();
    for (i, p) in s.packages.iter().enumerate() {
        let count = s
            .members
            .iter()
            .filter(|m| m.package_codes.contains(&p.code))
            .count();
        let title = format!(
            "{}\n{}",
            package_title(p, lang),
            fill(&t.packages.members_count, &[("n", &count.to_string())])
        );
        let money = |fen: i64| {
            Cell::new(
                if fen == 0 {
                    none.to_string()
                } else {
                    yuan(fen)
                },
                SMALL,
            )
            .align(Align::Right)
        };
        let price = if p.kind == PackageKind::Basic && p.price.total_fen() == 0 {
            Cell::new(&t.free, SMALL).align(Align::Center)
        } else {
            Cell::new(yuan(p.price.total_fen()), SMALL).align(Align::Right)
        };
        let lead = [
            Cell::new((i + 1).to_string(), SMALL).align(Align::Center),
            Cell::new(title.clone(), SMALL),
        ];
        let prices = [
            price,
            money(p.price.insurance_fen),
            money(p.price.public_health_fen),
            money(p.price.self_pay_fen),
        ];
        let items: Vec<(String, String, String)> = if p.items.is_empty() {
            vec![(String::new(), p.description.clone(), none.to_string())]
        } else {
            p.items
                .iter()
                .filter(|it| options.shows_item(&p.code, &it.code))
                .map(|it| {
                    let name = lang.pick(&it.name, &it.name_en);
                    (
                        name.to_string(),
                        it.content.clone(),
                        frequency(it.times_per_year, t),
                    )
                })
                .collect()
        };
        for (j, (name, content, freq)) in items.into_iter().enumerate() {
            let mut cells = Vec::with_capacity(9);
            if j == 0 {
                cells.extend(lead.iter().cloned());
            } else {
                cells.push(Cell::new("", SMALL));
                cells.push(Cell::new("", SMALL));
            }
            cells.push(Cell::new(name, SMALL));
            cells.push(Cell::new(content, SMALL));
            cells.push(Cell::new(freq, SMALL).align(Align::Center));
            if j == 0 {
                cells.extend(prices.iter().cloned());
            } else {
                cells.extend((0..4).map(|_| Cell::new("", SMALL)));
            }
            let mut row = Row::new(cells);
            if j > 0 {
                row.merged = vec![0, 1, 5, 6, 7, 8];
                row.carry = vec![
                    Cell::new((i + 1).to_string(), SMALL).align(Align::Center),
                    Cell::new(format!("{}{}", package_title(p, lang), t.continued), SMALL),
                ];
            }
            rows.push(row);
        }
    }
    flow.table(&Table {
        widths: package_widths,
        header: Some(header),
        rows,
    });
    let total = s.total_price();
    flow.space(1.5);
    let total_text = fill(
        &t.packages.total,
        &[
            ("total", &yuan(total.total_fen())),
            ("insurance", &yuan(total.insurance_fen)),
            ("public", &yuan(total.public_health_fen)),
            ("self_pay", &yuan(total.self_pay_fen)),
        ],
    );
    flow.paragraph(&total_text, BODY.bold(), 0.0, Align::Left);
    flow.paragraph(&t.packages.note, SMALL.color(MUTED), 0.0, Align::Left);

    // 4. Term and renewal.
    flow.heading(&t.term.heading);
    let period = fill(
        &t.term.period,
        &[
            ("start", &date(s.term.start, lang)),
            ("end", &date(s.term.end, lang)),
        ],
    );
    flow.paragraph(&period, BODY, 0.0, Align::Left);
    flow.space(0.8);
    flow.paragraph(
        if s.term.auto_renew {
            &t.term.renewal
        } else {
            &t.term.no_renewal
        },
        BODY,
        0.0,
        Align::Left,
    );

    // 5.–10. Duties, liability, privacy, change and termination, other terms.
    for clause in &t.clauses {
        flow.heading(&clause.heading);
        for (i, item) in clause.items.iter().enumerate() {
            flow.numbered(&format!("{}.", i + 1), item, BODY, 0.8);
        }
    }

    // Signatures and the verification code stay together on one page.
    let code = verification_code(&s.sha256());
    let note_lines = face
        .wrap(&t.verification_note, 7.5, flow.width() - 6.0)
        .len() as f32;
    flow.heading(&t.signatures.heading);
    flow.ensure(crate::doc::SIGNATURE_BOX_H + 14.0 + note_lines * line_height(7.5));
    let signed = Some(date(s.signed_on, lang));
    let party_a = SignatureBox {
        label: &t.signatures.party_a,
        image: images.doctor.as_ref(),
        date_label: &t.signatures.date,
        date: images.doctor.as_ref().and(signed.clone()),
        blank_date: &t.signatures.blank_date,
        footnote: format!("{}：{}", t.signatures.stamp, s.party_a.institution),
    };
    let party_b = SignatureBox {
        label: &t.signatures.party_b,
        image: images.resident.as_ref(),
        date_label: &t.signatures.date,
        date: images.resident.as_ref().and(signed),
        blank_date: &t.signatures.blank_date,
        footnote: format!("{}：{}", t.party_b.representative, representative),
    };
    signature_boxes(flow, &party_a, &party_b);
    flow.space(4.0);
    verification_strip(flow, &t.verification, &code, &t.verification_note);
}

/// A member's ID number and, under it, their health-record number when the snapshot froze one.
fn member_numbers(
    m: &jiayi_core::agreement::CoveredMember,
    t: &crate::templates::MembersText,
) -> String {
    let id = m.id_number.as_deref().unwrap_or(&t.no_id);
    match m.record_number.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => format!("{id}\n{} {n}", t.record_number),
        None => id.to_string(),
    }
}

/// The groups a member is in, each ticked; 普通人群 when none applies.
fn checked_groups(groups: &[PopulationGroup], general: &str, lang: Lang) -> String {
    if groups.is_empty() {
        return format!("☑{general}");
    }
    groups
        .iter()
        .map(|g| format!("☑{}", g.label(lang)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every group with its box, ticked where the member belongs: 普通人群 first.
fn group_boxes(groups: &[PopulationGroup], general: &str, lang: Lang) -> String {
    let tick = |on: bool| if on { '☑' } else { '☐' };
    std::iter::once(format!("{}{general}", tick(groups.is_empty())))
        .chain(
            PopulationGroup::ALL
                .iter()
                .map(|g| format!("{}{}", tick(groups.contains(g)), g.label(lang))),
        )
        .collect::<Vec<_>>()
        .join("  ")
}

/// The address printed once: the village and group are left out where the street address
/// already names them (东庄村一组12号 is not printed as 东庄村 一组 东庄村一组12号).
pub(crate) fn full_address(village: &str, group: &str, address: &str) -> String {
    let (village, group, address) = (village.trim(), group.trim(), address.trim());
    let group = if group.is_empty() || address.contains(group) {
        ""
    } else {
        group
    };
    // The longest end of the village's name the address begins with (石桥村 of 青山镇石桥村).
    let overlap = village
        .char_indices()
        .map(|(i, _)| &village[i..])
        .find(|tail| tail.chars().count() >= 2 && address.starts_with(tail))
        .map_or(0, str::len);
    if overlap > 0 {
        return format!("{village}{group}{}", &address[overlap..]);
    }
    if !village.is_empty() && address.contains(village) {
        // The group goes after the village the address names.
        return address.replacen(village, &format!("{village}{group}"), 1);
    }
    format!("{village}{group}{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_numbers_collapse_into_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 5], "、"), "1–3、5");
        assert_eq!(ranges(&[1, 2, 4, 5, 6, 7, 9], ", "), "1, 2, 4–7, 9");
        assert_eq!(ranges(&[], "、"), "");
    }

    #[test]
    fn the_address_is_printed_once() {
        assert_eq!(
            full_address("东庄村", "一组", "东庄村一组12号"),
            "东庄村一组12号"
        );
        assert_eq!(full_address("东庄村", "一组", "一组12号"), "东庄村一组12号");
        assert_eq!(full_address("东庄村", "一组", "12号"), "东庄村一组12号");
        assert_eq!(full_address("东庄村", "", " 12号 "), "东庄村12号");
        assert_eq!(
            full_address("石桥村", "1组", "石桥村100号"),
            "石桥村1组100号"
        );
        assert_eq!(
            full_address("青山镇石桥村", "1组", "石桥村100号"),
            "青山镇石桥村1组100号"
        );
        assert_eq!(
            full_address("东庄村", "一组", "镇东路东庄村一组5号"),
            "镇东路东庄村一组5号"
        );
    }

    #[test]
    fn groups_are_check_boxes_with_the_general_population_when_none() {
        use jiayi_core::person::PopulationGroup;
        assert_eq!(checked_groups(&[], "普通人群", Lang::Zh), "☑普通人群");
        let boxes = group_boxes(&[PopulationGroup::Hypertension], "普通人群", Lang::Zh);
        assert!(boxes.starts_with("☐普通人群"), "{boxes}");
        assert!(
            boxes.contains("☑高血压患者") && boxes.contains("☐2型糖尿病患者"),
            "{boxes}"
        );
        assert_eq!(boxes.matches('☑').count(), 1);
        assert!(group_boxes(&[], "普通人群", Lang::Zh).starts_with("☑普通人群"));
    }
}
