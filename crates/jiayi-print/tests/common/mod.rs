//! Realistic snapshots for the print tests and benches: a village team, households with
//! valid ID numbers, the shipped package catalog.
#![allow(dead_code)]

use chrono::{NaiveDate, TimeZone, Utc};
use jiayi_core::agreement::{
    AgreementSnapshot, CoveredMember, ItemTerms, PackageTerms, PartyA, PartyB, SNAPSHOT_FORMAT,
    TeamMemberContact, TerminationSnapshot,
};
use jiayi_core::catalog::Catalog;
use jiayi_core::contract::{Term, TermPolicy, TerminationReason};
use jiayi_core::id_number::compose;
use jiayi_core::person::{PopulationGroup as G, Relation, Sex, age_on};
use jiayi_core::year::amendment::{
    AMENDMENT_SNAPSHOT_FORMAT, AmendmentKind, AmendmentSnapshot, CoverageEndReason,
};
use jiayi_core::year::renewal::{AutoRenewal, renewal_id};
use jiayi_print::RenewalNotice;
use uuid::Uuid;

pub const REGION: &str = "530124";

pub fn signed_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 18).unwrap()
}

fn contact(n: u128, name: &str, phone: &str) -> TeamMemberContact {
    TeamMemberContact {
        id: Uuid::from_u128(n),
        name: name.into(),
        phone: phone.into(),
    }
}

pub fn party_a() -> PartyA {
    PartyA {
        institution: "富民县青山镇卫生院".into(),
        village_clinic: "石桥村卫生室".into(),
        team_name: "石桥村家庭医生服务团队".into(),
        leader: contact(1, "刘建国", "13908712345"),
        family_doctor: contact(2, "杨秀兰", "13987654321"),
        nurse: Some(contact(3, "赵丽萍", "15912340987")),
        public_health_worker: Some(contact(4, "马文斌", "18887123456")),
        service_hotline: "0871-68123456".into(),
        complaint_phone: "0871-68120000".into(),
        service_hours: "周一至周日 8:00–12:00、14:30–18:00".into(),
    }
}

/// Every package of the shipped catalog, with the items of lower tiers folded in.
pub fn all_packages() -> Vec<PackageTerms> {
    let catalog = Catalog::default_catalog();
    catalog
        .packages
        .iter()
        .map(|p| PackageTerms {
            code: p.code.clone(),
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            kind: p.kind,
            tier: p.tier,
            description: p.description.clone(),
            price: p.price,
            items: catalog
                .effective_items(&p.code)
                .unwrap()
                .into_iter()
                .map(|(_, it)| ItemTerms {
                    code: it.code.clone(),
                    name: it.name.clone(),
                    name_en: it.name_en.clone(),
                    times_per_year: it.times_per_year,
                    content: it.content.clone(),
                })
                .collect(),
        })
        .collect()
}

pub struct Person {
    pub name: &'static str,
    pub sex: Sex,
    pub birth: (i32, u32, u32),
    pub relation: Relation,
    pub groups: &'static [G],
    pub has_id: bool,
}

const fn p(
    name: &'static str,
    sex: Sex,
    birth: (i32, u32, u32),
    relation: Relation,
    groups: &'static [G],
) -> Person {
    Person {
        name,
        sex,
        birth,
        relation,
        groups,
        has_id: true,
    }
}

/// Twelve people under one roof: three generations and a few relatives.
pub const BIG_FAMILY: [Person; 12] = [
    p(
        "王德明",
        Sex::Male,
        (1951, 4, 12),
        Relation::Head,
        &[G::Elderly65, G::Hypertension],
    ),
    p(
        "李桂英",
        Sex::Female,
        (1953, 9, 30),
        Relation::Spouse,
        &[G::Elderly65, G::Diabetes, G::Hypertension],
    ),
    p("王建军", Sex::Male, (1976, 1, 8), Relation::Child, &[]),
    p(
        "张红梅",
        Sex::Female,
        (1979, 11, 21),
        Relation::ChildInLaw,
        &[G::Pregnant],
    ),
    p(
        "王建华",
        Sex::Male,
        (1981, 6, 2),
        Relation::Child,
        &[G::Disabled],
    ),
    p(
        "陈晓燕",
        Sex::Female,
        (1984, 2, 14),
        Relation::ChildInLaw,
        &[G::Postpartum],
    ),
    p(
        "王浩然",
        Sex::Male,
        (2008, 7, 19),
        Relation::Grandchild,
        &[],
    ),
    Person {
        has_id: false,
        ..p(
            "王小雨",
            Sex::Female,
            (2023, 5, 3),
            Relation::Grandchild,
            &[G::Child0To6],
        )
    },
    p(
        "王子轩",
        Sex::Male,
        (2021, 12, 25),
        Relation::Grandchild,
        &[G::Child0To6],
    ),
    p(
        "王德福",
        Sex::Male,
        (1948, 3, 5),
        Relation::Sibling,
        &[G::Elderly65, G::LivingAlone, G::LowIncome],
    ),
    p(
        "赵淑芬",
        Sex::Female,
        (1932, 10, 10),
        Relation::Parent,
        &[G::Elderly65, G::Bedridden, G::PovertyRegistered],
    ),
    p(
        "王秀珍",
        Sex::Female,
        (1958, 8, 16),
        Relation::Sibling,
        &[G::Tuberculosis],
    ),
];

pub fn member(i: usize, person: &Person, package_codes: Vec<String>) -> CoveredMember {
    let birth = NaiveDate::from_ymd_opt(person.birth.0, person.birth.1, person.birth.2).unwrap();
    let sequence = (i as u16 * 2 + 11) + u16::from(person.sex == Sex::Male);
    CoveredMember {
        resident_id: Uuid::from_u128(1000 + i as u128),
        name: person.name.into(),
        sex: person.sex,
        birth_date: Some(birth),
        age: Some(age_on(birth, signed_on())),
        id_number: person.has_id.then(|| compose(REGION, birth, sequence)),
        relation: person.relation,
        groups: person.groups.to_vec(),
        package_codes,
        record_number: None,
    }
}

fn party_b(head: &CoveredMember, village: &str, n: usize) -> PartyB {
    PartyB {
        household_id: Uuid::from_u128(5000 + n as u128),
        representative_name: head.name.clone(),
        representative_id_number: head.id_number.clone(),
        representative_relation: Relation::Head,
        guardian_relation: None,
        head_name: head.name.clone(),
        village: village.into(),
        group: format!("{}组", n % 9 + 1),
        address: format!("石桥村{}号", 100 + n),
        phone: Some(format!("139{:08}", 87_000_000 + n)),
    }
}

fn snapshot(
    n: usize,
    members: Vec<CoveredMember>,
    packages: Vec<PackageTerms>,
) -> AgreementSnapshot {
    let head = members[0].clone();
    AgreementSnapshot {
        format: SNAPSHOT_FORMAT,
        contract_id: Uuid::from_u128(9000 + n as u128),
        agreement_number: format!("QS-2026-A7F3-{:05}", n + 1),
        health_record_number: format!("53012400{:06}", 120 + n),
        party_a: party_a(),
        party_b: party_b(&head, "青山镇石桥村", n),
        members,
        packages,
        term: Term::first(TermPolicy::RollingYear, signed_on()),
        signed_at: Utc.with_ymd_and_hms(2026, 3, 18, 2, 30, 0).unwrap(),
        signed_on: signed_on(),
        catalog_version: "2026.1".into(),
        resident_signature_sha256: None,
        doctor_signature_sha256: None,
    }
}

/// A typical household: an elderly couple with hypertension and diabetes, their son and
/// daughter-in-law; basic packages plus one paid package.
pub fn household() -> AgreementSnapshot {
    let all = all_packages();
    let pick = [
        "basic_general",
        "basic_elderly",
        "basic_hypertension",
        "basic_diabetes",
        "paid_elderly_1",
    ];
    let packages: Vec<PackageTerms> = all
        .into_iter()
        .filter(|p| pick.contains(&p.code.as_str()))
        .collect();
    assert_eq!(
        packages.len(),
        pick.len(),
        "the catalog has the packages the fixture uses"
    );
    let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let members = vec![
        member(
            0,
            &BIG_FAMILY[0],
            codes(&[
                "basic_general",
                "basic_elderly",
                "basic_hypertension",
                "paid_elderly_1",
            ]),
        ),
        member(
            1,
            &BIG_FAMILY[1],
            codes(&[
                "basic_general",
                "basic_elderly",
                "basic_hypertension",
                "basic_diabetes",
            ]),
        ),
        member(2, &BIG_FAMILY[2], codes(&["basic_general"])),
        member(3, &BIG_FAMILY[3], codes(&["basic_general"])),
    ];
    snapshot(0, members, packages)
}

/// Twelve members and every package of the catalog: forces the tables onto further pages.
pub fn big_household() -> AgreementSnapshot {
    let packages = all_packages();
    let codes: Vec<String> = packages.iter().map(|p| p.code.clone()).collect();
    let members = BIG_FAMILY
        .iter()
        .enumerate()
        .map(|(i, p)| member(i, p, codes.clone()))
        .collect();
    snapshot(1, members, packages)
}

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 15] = [
    "建国", "秀英", "志强", "桂兰", "永福", "丽华", "海涛", "春梅", "德胜", "玉珍", "国庆", "金凤",
    "明亮", "淑华", "家豪",
];

/// `n` households of a village, each with two or three members, for the card batch.
pub fn village(n: usize) -> Vec<AgreementSnapshot> {
    let packages = all_packages();
    (0..n)
        .map(|i| {
            let mut people = Vec::new();
            for k in 0..(2 + i % 2) {
                let name: &'static str = Box::leak(
                    format!(
                        "{}{}",
                        SURNAMES[(i + k) % SURNAMES.len()],
                        GIVEN[(i * 7 + k * 3) % GIVEN.len()]
                    )
                    .into_boxed_str(),
                );
                let sex = if (i + k) % 2 == 0 {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let relation = if k == 0 {
                    Relation::Head
                } else {
                    Relation::Spouse
                };
                let birth = (
                    1940 + (i * 3 + k * 5) as i32 % 60,
                    (i % 12) as u32 + 1,
                    ((k * 7 + i) % 28) as u32 + 1,
                );
                people.push(Person {
                    name,
                    sex,
                    birth,
                    relation,
                    groups: &[],
                    has_id: true,
                });
            }
            let chosen: Vec<PackageTerms> = packages
                .iter()
                .filter(|p| {
                    p.code == "basic_general"
                        || (i % 3 == 0 && p.code == "basic_elderly")
                        || (i % 4 == 1 && p.code == "basic_hypertension")
                })
                .cloned()
                .collect();
            let codes: Vec<String> = chosen.iter().map(|p| p.code.clone()).collect();
            let members = people
                .iter()
                .enumerate()
                .map(|(k, p)| member(k, p, codes.clone()))
                .collect();
            snapshot(100 + i, members, chosen)
        })
        .collect()
}

pub fn termination() -> TerminationSnapshot {
    let a = household();
    TerminationSnapshot {
        format: SNAPSHOT_FORMAT,
        contract_id: a.contract_id,
        agreement_number: a.agreement_number.clone(),
        party_a: a.party_a.clone(),
        party_b: a.party_b.clone(),
        members: a.members.clone(),
        term: a.term,
        reason: TerminationReason::MovedOut,
        note: "全家于2026年9月迁往昆明市官渡区居住，已在当地社区卫生服务中心登记。".into(),
        effective_on: NaiveDate::from_ymd_opt(2026, 10, 8).unwrap(),
        confirmed_at: Utc.with_ymd_and_hms(2026, 10, 8, 1, 15, 0).unwrap(),
        resident_signature_sha256: None,
        doctor_signature_sha256: None,
    }
}

/// Which change an amendment fixture records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A daughter-in-law marries in and joins with the basic and maternal packages.
    Joined,
    /// The coverage of the grandmother ends for the reason given.
    Ended(CoverageEndReason),
    /// The head is diagnosed with diabetes: the diabetes package and a paid package.
    Obligation,
}

fn packages_of(codes: &[&str]) -> Vec<PackageTerms> {
    let all = all_packages();
    codes
        .iter()
        .map(|c| all.iter().find(|p| p.code == *c).unwrap().clone())
        .collect()
}

/// An amendment of the typical household's agreement, in its first renewal.
pub fn amendment(change: Change) -> AmendmentSnapshot {
    let a = household();
    let term = a.term.next(a.term.policy);
    let (kind, member, packages) = match change {
        Change::Joined => {
            let codes = ["basic_general", "basic_maternal"];
            let person = Person {
                name: "欧阳娜娜",
                sex: Sex::Female,
                birth: (1998, 2, 27),
                relation: Relation::ChildInLaw,
                groups: &[G::Pregnant],
                has_id: true,
            };
            let m = member(20, &person, codes.iter().map(|c| c.to_string()).collect());
            (
                AmendmentKind::MemberAdded {
                    resident_id: m.resident_id,
                    package_codes: m.package_codes.clone(),
                },
                m,
                packages_of(&codes),
            )
        }
        Change::Ended(reason) => {
            let m = member(10, &BIG_FAMILY[10], vec!["basic_general".into()]);
            (
                AmendmentKind::CoverageEnded {
                    resident_id: m.resident_id,
                    reason,
                },
                m,
                Vec::new(),
            )
        }
        Change::Obligation => {
            let codes = ["basic_diabetes", "paid_chronic_1"];
            let mut m = a.members[0].clone();
            m.groups.push(G::Diabetes);
            (
                AmendmentKind::ObligationAdded {
                    resident_id: m.resident_id,
                    group: Some(G::Diabetes),
                    package_codes: codes.iter().map(|c| c.to_string()).collect(),
                },
                m,
                packages_of(&codes),
            )
        }
    };
    AmendmentSnapshot {
        format: AMENDMENT_SNAPSHOT_FORMAT,
        amendment_id: Uuid::from_u128(7000),
        contract_id: a.contract_id,
        agreement_number: a.agreement_number.clone(),
        agreement_sha256: a.sha256(),
        term,
        effective_on: NaiveDate::from_ymd_opt(2027, 5, 9).unwrap(),
        kind,
        member,
        packages,
        recorded_at: Utc.with_ymd_and_hms(2027, 5, 9, 3, 40, 0).unwrap(),
        resident_signature_sha256: None,
        doctor_signature_sha256: None,
    }
}

/// The notice of the first automatic renewal of the typical household's agreement.
pub fn renewal_notice() -> RenewalNotice {
    renewal_notice_of(&household())
}

/// The same for the household of twelve with every package.
pub fn big_renewal_notice() -> RenewalNotice {
    renewal_notice_of(&big_household())
}

fn renewal_notice_of(a: &AgreementSnapshot) -> RenewalNotice {
    let term = a.term.next(a.term.policy);
    let renewal = AutoRenewal {
        id: renewal_id(a.contract_id, term.start),
        contract_id: a.contract_id,
        renewal: 1,
        term,
    };
    RenewalNotice::new(a, &renewal, term.start + chrono::Days::new(2))
}
