//! The signed agreement's frozen content (签约服务协议书).
//!
//! When a household signs, everything the printed agreement shows is captured here, serialised
//! canonically and hashed with SHA-256. The snapshot is never edited: renewal, change of doctor
//! and termination are new records. Printing renders this snapshot and nothing else, so the
//! paper always matches what was signed, and the verification code on it proves it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Lang;
use crate::catalog::{PackageKind, PriceSplit};
use crate::contract::{Term, TerminationReason};
use crate::person::{PopulationGroup, Sex};

/// Bumped when the snapshot's shape changes; old snapshots keep their own version.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementSnapshot {
    pub format: u32,
    pub contract_id: Uuid,
    pub agreement_number: String,
    /// Health-record number of the household (健康档案编号): the head's county number when
    /// signed, empty when the head had none.
    pub health_record_number: String,
    pub party_a: PartyA,
    pub party_b: PartyB,
    pub members: Vec<CoveredMember>,
    pub packages: Vec<PackageTerms>,
    pub term: Term,
    pub signed_at: DateTime<Utc>,
    pub signed_on: NaiveDate,
    pub catalog_version: String,
    /// SHA-256 of the drawn signature images (PNG), so the hash binds them too.
    pub resident_signature_sha256: Option<String>,
    pub doctor_signature_sha256: Option<String>,
}

/// Party A (甲方): the health center / village clinic and its family-doctor team.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyA {
    pub institution: String,
    pub village_clinic: String,
    pub team_name: String,
    pub leader: TeamMemberContact,
    pub family_doctor: TeamMemberContact,
    pub nurse: Option<TeamMemberContact>,
    pub public_health_worker: Option<TeamMemberContact>,
    pub service_hotline: String,
    pub complaint_phone: String,
    pub service_hours: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemberContact {
    pub id: Uuid,
    pub name: String,
    pub phone: String,
}

/// Party B (乙方): the household, represented by its head or a member able to sign for it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyB {
    pub household_id: Uuid,
    pub representative_name: String,
    pub representative_id_number: Option<String>,
    /// Relation of the representative to the head (`head` when the head signs).
    pub representative_relation: crate::person::Relation,
    /// Set when a guardian (监护人) signed for the household, e.g. "祖母" for a household of
    /// minors: the representative fields then name the guardian. Absent (and not serialised,
    /// so earlier snapshots keep their hash) when a member signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub guardian_relation: Option<String>,
    pub head_name: String,
    pub village: String,
    pub group: String,
    pub address: String,
    pub phone: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoveredMember {
    pub resident_id: Uuid,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    /// Age on the signing day.
    pub age: Option<u32>,
    pub id_number: Option<String>,
    pub relation: crate::person::Relation,
    pub groups: Vec<PopulationGroup>,
    pub package_codes: Vec<String>,
    /// The member's health-record number (健康档案编号) when signed. Absent (and not
    /// serialised, so earlier snapshots keep their hash) when the member had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub record_number: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageTerms {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: PackageKind,
    pub tier: Option<u8>,
    pub description: String,
    /// Price for one covered member, in fen.
    pub price: PriceSplit,
    /// Items including those of lower tiers on the same line.
    pub items: Vec<ItemTerms>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemTerms {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub times_per_year: u32,
    pub content: String,
}

impl PartyB {
    /// Who signed, as the agreement prints it: "张三（户主）", or "王秀英（祖母，监护人）".
    pub fn representative_label(&self, lang: Lang) -> String {
        match &self.guardian_relation {
            Some(relation) => match lang {
                Lang::Zh => format!("{}（{}，监护人）", self.representative_name, relation),
                Lang::En => format!("{} ({}, guardian)", self.representative_name, relation),
            },
            None => format!(
                "{}（{}）",
                self.representative_name,
                self.representative_relation.label(lang)
            ),
        }
    }
}

impl AgreementSnapshot {
    /// The canonical bytes: compact JSON of the struct, fields in declaration order. Struct
    /// order is fixed by the code and there are no maps, so the same content gives the same bytes.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a snapshot always serialises")
    }

    pub fn sha256(&self) -> String {
        canonical_sha256(self)
    }

    /// What each household pays in total, in fen, summed over members and their paid packages.
    pub fn total_price(&self) -> PriceSplit {
        let mut total = PriceSplit::default();
        for member in &self.members {
            for code in &member.package_codes {
                if let Some(p) = self.packages.iter().find(|p| &p.code == code) {
                    total.insurance_fen += p.price.insurance_fen;
                    total.public_health_fen += p.price.public_health_fen;
                    total.self_pay_fen += p.price.self_pay_fen;
                }
            }
        }
        total
    }
}

/// The short code printed on the agreement: the first 12 hex characters of its SHA-256, grouped.
pub fn verification_code(sha256_hex: &str) -> String {
    let head: String = sha256_hex
        .chars()
        .take(12)
        .collect::<String>()
        .to_uppercase();
    head.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("-")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The one hashing rule of every frozen record (agreement, termination, amendment): SHA-256 of
/// the compact JSON of the struct, fields in declaration order.
pub fn canonical_sha256<T: Serialize>(snapshot: &T) -> String {
    sha256_hex(
        serde_json::to_string(snapshot)
            .expect("a snapshot always serialises")
            .as_bytes(),
    )
}

/// The frozen content of a termination confirmation (解约确认书).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminationSnapshot {
    pub format: u32,
    pub contract_id: Uuid,
    pub agreement_number: String,
    pub party_a: PartyA,
    pub party_b: PartyB,
    pub members: Vec<CoveredMember>,
    pub term: Term,
    pub reason: TerminationReason,
    pub note: String,
    pub effective_on: NaiveDate,
    pub confirmed_at: DateTime<Utc>,
    pub resident_signature_sha256: Option<String>,
    pub doctor_signature_sha256: Option<String>,
}

impl TerminationSnapshot {
    pub fn sha256(&self) -> String {
        canonical_sha256(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_code_groups_the_hash_head() {
        let hash = sha256_hex(b"abc");
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(verification_code(&hash), "BA78-16BF-8F01");
    }
}
