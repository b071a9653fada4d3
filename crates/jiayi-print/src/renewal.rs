//! The renewal notice (续约告知书): one A4 page telling a household that its agreement renewed
//! by itself for a new term, who is covered with which packages, and how to decline.

use chrono::{Days, NaiveDate};
use jiayi_core::Lang;
use jiayi_core::agreement::{AgreementSnapshot, CoveredMember, PackageTerms};
use jiayi_core::contract::Term;
use jiayi_core::person::Relation;
use jiayi_core::year::renewal::AutoRenewal;
use printpdf::PdfDocument;

use crate::agreement::{grid_widths, institution_line};
use crate::canvas::{ACCENT_LIGHT, Align, Canvas, MUTED, SHADE, Style};
use crate::doc::{DEFLATE_FAST, Decoration, date, decorate, save};
use crate::error::Result;
use crate::flow::{Cell, Flow, HEAD_FILL, Row, Table};
use crate::font;
use crate::marks::{PrintOptions, mark_pages};
use crate::templates::{self, RenewalText, fill};

/// What the renewal notice prints; built by the caller from the signed agreement, the term in
/// force and the coverage as it stands (amendments included). No store access here.
#[derive(Debug, Clone, PartialEq)]
pub struct RenewalNotice {
    pub agreement_number: String,
    /// The health center and village clinic, for the running header.
    pub institution: String,
    /// The household head, or the member who signs for the household.
    pub household_head: String,
    pub village: String,
    pub team_name: String,
    pub doctor_name: String,
    pub doctor_phone: String,
    /// The team's service hotline.
    pub service_hotline: String,
    /// The renewed term, now in force.
    pub term: Term,
    /// 1 for the first renewal, and so on.
    pub renewal: u32,
    pub members: Vec<NoticeMember>,
    pub issued_on: NaiveDate,
}

/// One covered member and the packages they have in the renewed term.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeMember {
    pub name: String,
    pub relation: Relation,
    pub packages: Vec<NoticePackage>,
}

/// A package's printed name in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticePackage {
    pub name: String,
    pub name_en: String,
}

impl NoticePackage {
    pub fn from_terms(p: &PackageTerms) -> NoticePackage {
        NoticePackage {
            name: p.name.clone(),
            name_en: p.name_en.clone(),
        }
    }
}

impl NoticeMember {
    /// A member with the packages of `package_codes`, named from `terms` (the agreement's
    /// packages and those amendments added); a code found in none prints as itself.
    pub fn new(
        member: &CoveredMember,
        package_codes: &[String],
        terms: &[PackageTerms],
    ) -> NoticeMember {
        NoticeMember {
            name: member.name.clone(),
            relation: member.relation,
            packages: package_codes
                .iter()
                .map(|code| {
                    terms.iter().find(|p| &p.code == code).map_or_else(
                        || NoticePackage {
                            name: code.clone(),
                            name_en: code.clone(),
                        },
                        NoticePackage::from_terms,
                    )
                })
                .collect(),
        }
    }
}

impl RenewalNotice {
    /// The notice of `renewal` of the signed agreement, covering its members as signed. When
    /// amendments changed who is covered, replace `members` with the coverage in force.
    pub fn new(
        agreement: &AgreementSnapshot,
        renewal: &AutoRenewal,
        issued_on: NaiveDate,
    ) -> RenewalNotice {
        let a = &agreement.party_a;
        let b = &agreement.party_b;
        let head = if b.head_name.trim().is_empty() {
            b.representative_name.clone()
        } else {
            b.head_name.clone()
        };
        RenewalNotice {
            agreement_number: agreement.agreement_number.clone(),
            institution: institution_line(&a.institution, &a.village_clinic),
            household_head: head,
            village: b.village.clone(),
            team_name: a.team_name.clone(),
            doctor_name: a.family_doctor.name.clone(),
            doctor_phone: a.family_doctor.phone.clone(),
            service_hotline: a.service_hotline.clone(),
            term: renewal.term,
            renewal: renewal.renewal,
            members: agreement
                .members
                .iter()
                .map(|m| NoticeMember::new(m, &m.package_codes, &agreement.packages))
                .collect(),
            issued_on,
        }
    }
}

pub fn render_renewal_notice(
    notice: &RenewalNotice,
    lang: Lang,
    options: &PrintOptions,
) -> Result<Vec<u8>> {
    let face = font::face()?;
    let t = templates::renewal(lang)?;
    let mut doc = PdfDocument::new(&t.title);
    doc.metadata.info.author = notice.institution.clone();
    doc.metadata.info.subject = notice.agreement_number.clone();
    let font = doc.add_font(&face.parsed);

    // The largest type scale at which the notice fits one page; a household too large even
    // for the smallest flows onto further pages at full size.
    let lay_out = |scale: f32| {
        let mut flow = Flow::a4(face, font.clone());
        lay_out_notice(&mut flow, notice, t, lang, scale);
        flow.pages
    };
    let mut pages = SCALES
        .iter()
        .map(|&s| lay_out(s))
        .find(|p| p.len() == 1)
        .unwrap_or_else(|| lay_out(SCALES[0]));
    let footer = format!(
        "{} {} · {}",
        t.agreement_number,
        notice.agreement_number,
        fill(&t.issued, &[("date", &date(notice.issued_on, lang))])
    );
    let d = Decoration {
        header_left: &notice.institution,
        mark: &t.mark,
        footer_left: &footer,
        page_template: &t.page,
    };
    decorate(face, &mut pages, &d);
    mark_pages(face, &mut pages, options, lang)?;
    Ok(save(
        doc,
        pages.into_iter().map(Canvas::into_page).collect(),
        DEFLATE_FAST,
    ))
}

/// Type scales tried in turn, largest first.
const SCALES: [f32; 5] = [1.0, 0.92, 0.85, 0.78, 0.72];

fn lay_out_notice(flow: &mut Flow<'_>, n: &RenewalNotice, t: &RenewalText, lang: Lang, scale: f32) {
    let k = |v: f32| v * scale;
    let body_style = Style::new(k(9.5));
    let small = Style::new(k(8.5));
    let head = small.bold();
    let label = |text: &str| Cell::new(text, small.color(MUTED)).fill(SHADE);
    let value = |text: &str| Cell::new(text, small);
    let band = |text: &str| Cell::new(text, head).fill(ACCENT_LIGHT).span(4);
    let start = date(n.term.start, lang);
    let end = date(n.term.end, lang);
    let doctor = n.doctor_name.as_str();
    let phone = n.doctor_phone.as_str();
    let decline_on = n
        .term
        .end
        .checked_add_days(Days::new(1))
        .map_or_else(|| end.clone(), |d| date(d, lang));

    flow.space(k(3.0));
    flow.paragraph(&t.title, Style::new(k(18.0)).bold(), 0.0, Align::Center);
    flow.space(k(5.0));
    flow.paragraph(
        &fill(&t.salutation, &[("head", &n.household_head)]),
        body_style.bold(),
        0.0,
        Align::Left,
    );
    flow.space(1.0);
    let body = fill(
        &t.body,
        &[
            ("team", &n.team_name),
            ("number", &n.agreement_number),
            ("renewal", &n.renewal.to_string()),
            ("start", &start),
            ("end", &end),
        ],
    );
    let indent = lang.pick("　　", "");
    flow.paragraph(&format!("{indent}{body}"), body_style, 0.0, Align::Left);
    flow.space(k(3.0));

    flow.table(&Table {
        widths: grid_widths(flow.width()),
        header: None,
        rows: vec![
            Row::new(vec![band(&t.agreement)]),
            Row::new(vec![
                label(&t.agreement_number),
                value(&n.agreement_number),
                label(&t.term),
                value(&format!("{start} – {end}")),
            ]),
            Row::new(vec![
                label(&t.household),
                value(&n.household_head),
                label(&t.village),
                value(&n.village),
            ]),
            Row::new(vec![
                label(&t.team),
                value(&n.team_name),
                label(&t.family_doctor),
                value(&format!("{doctor}  {phone}")),
            ]),
        ],
    });

    flow.heading(&t.members);
    let w = flow.width();
    let widths = vec![10.0, k(28.0), k(22.0), w - 10.0 - k(50.0)];
    let header = t
        .member_columns
        .iter()
        .map(|c| Cell::new(c, head).fill(HEAD_FILL).align(Align::Center))
        .collect();
    let sep = lang.pick("、", "; ");
    let rows = n
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let packages = m
                .packages
                .iter()
                .map(|p| {
                    let name = lang.pick(&p.name, &p.name_en);
                    if name.trim().is_empty() {
                        p.name.as_str()
                    } else {
                        name
                    }
                })
                .collect::<Vec<_>>()
                .join(sep);
            Row::new(vec![
                Cell::new((i + 1).to_string(), small).align(Align::Center),
                Cell::new(&m.name, small),
                Cell::new(m.relation.label(lang), small).align(Align::Center),
                Cell::new(
                    if packages.is_empty() {
                        t.no_packages.clone()
                    } else {
                        packages
                    },
                    small,
                ),
            ])
        })
        .collect();
    flow.table(&Table {
        widths,
        header: Some(header),
        rows,
    });
    flow.space(1.0);
    flow.paragraph(&t.members_note, small.color(MUTED), 0.0, Align::Left);

    flow.heading(&t.decline);
    for (i, item) in t.decline_items.iter().enumerate() {
        let text = fill(
            item,
            &[("doctor", doctor), ("phone", phone), ("date", &decline_on)],
        );
        flow.numbered(&format!("{}.", i + 1), &text, body_style, 0.8);
    }

    flow.heading(&t.contact);
    flow.paragraph(
        &fill(&t.contact_doctor, &[("doctor", doctor), ("phone", phone)]),
        body_style,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &fill(
            &t.contact_team,
            &[("team", &n.team_name), ("hotline", &n.service_hotline)],
        ),
        body_style,
        0.0,
        Align::Left,
    );

    // Issued by the team, dated, at the right.
    flow.space(k(8.0));
    flow.ensure(14.0);
    flow.paragraph(
        &fill(&t.sign, &[("team", &n.team_name)]),
        body_style,
        0.0,
        Align::Right,
    );
    flow.space(1.0);
    flow.paragraph(
        &fill(&t.issued, &[("date", &date(n.issued_on, lang))]),
        body_style,
        0.0,
        Align::Right,
    );
}
