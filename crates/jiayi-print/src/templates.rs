//! The printed wording, read from `assets/templates/*.toml` (compiled in, parsed once).
//!
//! Unknown or missing keys are errors, so a template edit that drops a clause in one
//! language fails the crate's tests instead of printing a gap.

use std::sync::OnceLock;

use jiayi_core::Lang;
use serde::Deserialize;

use crate::error::{PrintError, Result};

const AGREEMENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/agreement.toml"
));
const TERMINATION: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/termination.toml"
));
const AMENDMENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/amendment.toml"
));
const RENEWAL: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/renewal.toml"
));
const CARD: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/card.toml"
));
const MARKS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/marks.toml"
));

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bilingual<T> {
    zh: T,
    en: T,
}

impl<T> Bilingual<T> {
    fn pick(&self, lang: Lang) -> &T {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreementText {
    pub title: String,
    pub subtitle: String,
    pub copy_clinic: String,
    pub copy_household: String,
    pub page: String,
    pub agreement_number: String,
    pub health_record_number: String,
    pub signed_on: String,
    pub catalog_version: String,
    pub verification: String,
    pub verification_note: String,
    pub intro: String,
    pub free: String,
    pub on_need: String,
    pub times: String,
    pub none: String,
    pub continued: String,
    pub party_a: PartyAText,
    pub party_b: PartyBText,
    pub members: MembersText,
    pub packages: PackagesText,
    pub term: TermText,
    pub clauses: Vec<Clause>,
    pub signatures: SignatureText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartyAText {
    pub heading: String,
    pub party: String,
    pub institution: String,
    pub village_clinic: String,
    pub team: String,
    pub leader: String,
    pub family_doctor: String,
    pub nurse: String,
    pub public_health_worker: String,
    pub hotline: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartyBText {
    pub party: String,
    pub head: String,
    pub representative: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MembersText {
    pub heading: String,
    pub columns: [String; 8],
    pub no_id: String,
    /// Label of a member's health-record number, under the ID number.
    pub record_number: String,
    pub age_unit: String,
    pub note: String,
    /// The group of a member in none of the others.
    pub general: String,
    /// Heads the check list of every member's groups.
    pub groups_heading: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackagesText {
    pub heading: String,
    pub columns: [String; 9],
    pub members_count: String,
    pub total: String,
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TermText {
    pub heading: String,
    pub period: String,
    pub renewal: String,
    pub no_renewal: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Clause {
    pub heading: String,
    pub items: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureText {
    pub heading: String,
    pub party_a: String,
    pub party_b: String,
    pub stamp: String,
    pub date: String,
    pub blank_date: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TerminationText {
    pub title: String,
    pub copy_clinic: String,
    pub copy_household: String,
    pub page: String,
    pub intro: String,
    pub agreement: String,
    pub agreement_number: String,
    pub term: String,
    pub effective_on: String,
    pub reason: String,
    pub note: String,
    pub no_note: String,
    pub members: String,
    pub party_a: String,
    pub party_b: String,
    pub institution: String,
    pub family_doctor: String,
    pub representative: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub statement_heading: String,
    pub statement: Vec<String>,
    pub sign_party_a: String,
    pub sign_party_b: String,
    pub stamp: String,
    pub date: String,
    pub verification: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AmendmentText {
    pub title: String,
    pub copy_household: String,
    pub copy_clinic: String,
    pub intro: String,
    pub agreement_number: String,
    pub term: String,
    pub effective_on: String,
    pub agreement_code: String,
    pub kind_member_added: String,
    pub kind_coverage_ended: String,
    pub kind_obligation_added: String,
    pub member: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub id_number: String,
    pub relation: String,
    pub groups: String,
    pub no_id: String,
    pub none: String,
    pub change: String,
    pub member_added: String,
    pub coverage_ended: String,
    pub obligation_added_group: String,
    pub obligation_added: String,
    pub reason_death: String,
    pub reason_moved_out: String,
    pub reason_on_request: String,
    pub package_columns: [String; 4],
    pub free: String,
    pub on_need: String,
    pub times: String,
    pub price: String,
    pub self_pay_total: String,
    pub more_packages: String,
    pub sign_party_a: String,
    pub sign_party_b: String,
    pub not_required: String,
    pub date: String,
    pub blank_date: String,
    pub verification: String,
    pub cut: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenewalText {
    pub title: String,
    pub mark: String,
    pub page: String,
    pub salutation: String,
    pub body: String,
    pub agreement: String,
    pub agreement_number: String,
    pub household: String,
    pub village: String,
    pub term: String,
    pub team: String,
    pub family_doctor: String,
    pub members: String,
    pub member_columns: [String; 4],
    pub no_packages: String,
    pub members_note: String,
    pub decline: String,
    pub decline_items: Vec<String>,
    pub contact: String,
    pub contact_doctor: String,
    pub contact_team: String,
    pub issued: String,
    pub sign: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardText {
    pub title: String,
    /// The team's duties (工作职责), one of what the card must publish.
    pub duties: String,
    pub household: String,
    pub your_doctor: String,
    pub team: String,
    pub leader: String,
    pub family_doctor: String,
    pub nurse: String,
    pub public_health_worker: String,
    pub qr_caption: String,
    pub services: String,
    pub hotline: String,
    pub hours: String,
    pub complaint: String,
    pub emergency: String,
    pub more_items: String,
    pub footer: String,
    pub agreement_number: String,
    /// Label of the household's health-record number (the head's), when it has one.
    pub record_number: String,
    pub sheet_front: String,
    pub sheet_back: String,
    pub duplex: String,
}

/// The marks printed over a document: the demo data's and a reprint's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarksText {
    pub demo: String,
    pub reprint: String,
}

fn parse<T: for<'de> Deserialize<'de>>(name: &'static str, text: &str) -> Result<Bilingual<T>> {
    toml::from_str(text).map_err(|e| PrintError::Template {
        name,
        message: e.to_string(),
    })
}

macro_rules! cached {
    ($fn:ident, $ty:ty, $name:literal, $src:ident) => {
        pub(crate) fn $fn(lang: Lang) -> Result<&'static $ty> {
            static CELL: OnceLock<std::result::Result<Bilingual<$ty>, String>> = OnceLock::new();
            let parsed = CELL.get_or_init(|| parse::<$ty>($name, $src).map_err(|e| e.to_string()));
            match parsed {
                Ok(b) => Ok(b.pick(lang)),
                Err(message) => Err(PrintError::Template {
                    name: $name,
                    message: message.clone(),
                }),
            }
        }
    };
}

cached!(agreement, AgreementText, "agreement.toml", AGREEMENT);
cached!(
    termination,
    TerminationText,
    "termination.toml",
    TERMINATION
);
cached!(card, CardText, "card.toml", CARD);
cached!(amendment, AmendmentText, "amendment.toml", AMENDMENT);
cached!(renewal, RenewalText, "renewal.toml", RENEWAL);
cached!(marks, MarksText, "marks.toml", MARKS);

/// Replaces `{key}` placeholders.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let a = agreement(lang).expect("agreement.toml");
            assert!(
                a.clauses.len() >= 6,
                "duties of both parties, liability, privacy, termination, other"
            );
            assert!(a.clauses.iter().all(|c| !c.items.is_empty()));
            termination(lang).expect("termination.toml");
            card(lang).expect("card.toml");
            amendment(lang).expect("amendment.toml");
            renewal(lang).expect("renewal.toml");
            assert!(marks(lang).expect("marks.toml").demo.contains("演示数据"));
        }
        let zh = agreement(Lang::Zh).unwrap();
        let en = agreement(Lang::En).unwrap();
        assert_eq!(
            zh.clauses.len(),
            en.clauses.len(),
            "both languages carry the same clauses"
        );
        for (z, e) in zh.clauses.iter().zip(&en.clauses) {
            assert_eq!(
                z.items.len(),
                e.items.len(),
                "clause {} differs in length",
                z.heading
            );
        }
    }

    #[test]
    fn the_liability_clause_says_what_party_a_is_not_liable_for() {
        let zh = agreement(Lang::Zh).unwrap();
        let liability = zh
            .clauses
            .iter()
            .find(|c| c.heading.contains("免责"))
            .expect("a liability clause");
        let text = liability.items.concat();
        for needle in ["隐瞒病史", "不遵从医嘱", "诊疗能力", "急诊"] {
            assert!(text.contains(needle), "liability clause lacks {needle}");
        }
    }

    #[test]
    fn fill_replaces_placeholders() {
        assert_eq!(
            fill(
                "第 {page} 页 共 {pages} 页",
                &[("page", "1"), ("pages", "3")]
            ),
            "第 1 页 共 3 页"
        );
    }
}
