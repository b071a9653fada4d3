//! Printing: the frozen agreement, the termination confirmation, the renewal notice, an
//! amendment and the contact cards as PDF. The layout is jiayi-print's; here the right snapshot
//! and signatures are picked, with what a print adds over them: the demo mark on a demo store's
//! paper, 补打 on a reprint, the service items each member is owed, the card's current doctor.
//!
//! [`paper`] makes a document ready and records it once handed on, [`printers`] hands it to the
//! system's printing, [`queue`] keeps documents for later, [`files`] keeps the printed files.

mod files;
mod paper;
mod printers;
mod queue;

use std::path::Path;

use jiayi_core::agreement::{AgreementSnapshot, TerminationSnapshot};
use jiayi_print::{PrintOptions, Signatures};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

pub use files::{PRINTS_KEPT_DAYS, clean_prints, prepare_prints_dir};
pub use paper::{CardPrint, HandedTo, PreparedPrint};
pub use printers::{PageSet, PrintChoice, PrintJob, PrintSystem, Printer, Sides};
pub use queue::{PrintQueue, QueueEntry, QueuedPrinted};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Document {
    Agreement,
    Termination,
    ContactCard,
    /// The notice that the contract renewed by itself (续约告知书), for its latest renewal.
    RenewalNotice,
}

impl Document {
    pub const ALL: [Document; 4] = [
        Document::Agreement,
        Document::Termination,
        Document::ContactCard,
        Document::RenewalNotice,
    ];

    fn file_stem(self) -> &'static str {
        match self {
            Document::Agreement => "agreement",
            Document::Termination => "termination",
            Document::ContactCard => "contact-card",
            Document::RenewalNotice => "renewal-notice",
        }
    }

    /// How the print records and the queue name it.
    pub fn code(self) -> &'static str {
        match self {
            Document::Agreement => "agreement",
            Document::Termination => "termination",
            Document::ContactCard => "contact_card",
            Document::RenewalNotice => "renewal_notice",
        }
    }

    pub fn from_code(code: &str) -> Option<Document> {
        Document::ALL.into_iter().find(|d| d.code() == code)
    }

    pub fn label(self, lang: jiayi_core::Lang) -> &'static str {
        let (zh, en) = match self {
            Document::Agreement => ("签约服务协议书", "service agreement"),
            Document::Termination => ("解约确认书", "termination confirmation"),
            Document::ContactCard => ("家庭医生联系卡", "contact card"),
            Document::RenewalNotice => ("续约告知书", "renewal notice"),
        };
        lang.pick(zh, en)
    }
}

/// The record name of an amendment's confirmation.
pub(crate) const AMENDMENT: &str = "amendment";

impl From<jiayi_print::PrintError> for ApiError {
    fn from(e: jiayi_print::PrintError) -> Self {
        ApiError::invalid(
            "print_failed",
            &format!("打印文件生成失败：{e}"),
            &format!("the PDF could not be made: {e}"),
        )
    }
}

impl Api {
    /// The PDF of one document of a contract as its next print makes it (marked 补打 when it
    /// was printed before).
    pub fn render_document(&self, contract_id: Uuid, document: Document) -> ApiResult<Vec<u8>> {
        let options = self.print_options(contract_id, document)?;
        self.render_with(contract_id, document, &options)
    }

    pub(crate) fn render_with(
        &self,
        contract_id: Uuid,
        document: Document,
        options: &PrintOptions,
    ) -> ApiResult<Vec<u8>> {
        let lang = self.lang;
        let bytes = match document {
            Document::Agreement => {
                let snapshot = self.contract_snapshot(contract_id)?;
                let (resident_png, doctor_png) = self
                    .store
                    .contract_signatures(contract_id)
                    .map_err(|e| self.fail(e))?;
                jiayi_print::render_agreement(
                    &snapshot,
                    &Signatures {
                        resident_png,
                        doctor_png,
                    },
                    lang,
                    options,
                )
            }
            Document::Termination => {
                let (json, (resident_png, doctor_png)) = self
                    .store
                    .termination_record(contract_id)
                    .map_err(|e| self.fail(e))?
                    .ok_or_else(|| {
                        self.fail(ApiError::invalid(
                            "contract_state",
                            "该协议没有解约记录",
                            "this contract was not terminated",
                        ))
                    })?;
                let snapshot: TerminationSnapshot = serde_json::from_str(&json)
                    .map_err(|e| self.fail(jiayi_store::StoreError::Corrupt(e.to_string())))?;
                jiayi_print::render_termination(
                    &snapshot,
                    &Signatures {
                        resident_png,
                        doctor_png,
                    },
                    lang,
                    options,
                )
            }
            Document::ContactCard => {
                jiayi_print::render_card(&self.contact_card(contract_id)?, lang, options)
            }
            Document::RenewalNotice => jiayi_print::render_renewal_notice(
                &self.renewal_notice(contract_id)?,
                lang,
                options,
            ),
        };
        bytes.map_err(|e| self.fail(e))
    }

    /// The renewal notice of a contract's latest automatic renewal, listing who it covers today
    /// (amendments included) and what each is owed.
    fn renewal_notice(&self, contract_id: Uuid) -> ApiResult<jiayi_print::RenewalNotice> {
        let today = self.today();
        let agreement = self.contract_snapshot(contract_id)?;
        let ctx = self.contract_context(contract_id)?;
        let renewal = jiayi_core::year::renewal::renewals_until(ctx.contract(), &ctx.events, today)
            .pop()
            .ok_or_else(|| {
                self.fail(ApiError::invalid(
                    "nothing_to_print",
                    "该协议尚未自动续约",
                    "this contract has not renewed by itself yet",
                ))
            })?;
        let mut notice = jiayi_print::RenewalNotice::new(&agreement, &renewal, today);
        // The household as it is named today: its head, if still a member.
        let present = self.members_today(ctx.contract().household_id, today)?;
        if let Some(head) = self
            .store
            .household(ctx.contract().household_id)
            .map_err(|e| self.fail(e))?
            .head()
            .filter(|h| present.contains(&h.id))
        {
            notice.household_head = head.name.clone();
        }
        let mut members = agreement.members.clone();
        let mut terms = agreement.packages.clone();
        for a in &ctx.amendments {
            let snapshot = self.amendment_snapshot(a.id)?;
            members.push(snapshot.member);
            terms.extend(snapshot.packages);
        }
        notice.members = ctx
            .covered_on(today)
            .iter()
            .filter_map(|c| {
                let member = members.iter().find(|m| m.resident_id == c.resident_id)?;
                Some(jiayi_print::NoticeMember::new(
                    member,
                    &c.package_codes,
                    &terms,
                ))
            })
            .collect();
        Ok(notice)
    }

    /// The PDF of an amendment (协议变更确认书): both copies on one sheet, as its next print
    /// makes it.
    pub fn render_amendment(&self, amendment_id: Uuid) -> ApiResult<Vec<u8>> {
        let options = self.amendment_print_options(amendment_id)?;
        self.render_amendment_with(amendment_id, &options)
    }

    pub(crate) fn render_amendment_with(
        &self,
        amendment_id: Uuid,
        options: &PrintOptions,
    ) -> ApiResult<Vec<u8>> {
        let record = self
            .store
            .amendment(amendment_id)
            .map_err(|e| self.fail(e))?;
        let snapshot = self.amendment_snapshot(amendment_id)?;
        jiayi_print::render_amendment(
            &snapshot,
            &Signatures {
                resident_png: record.resident_signature,
                doctor_png: record.doctor_signature,
            },
            self.lang,
            options,
        )
        .map_err(|e| self.fail(e))
    }

    /// Contact cards of every household of a village with a contract in force today, on A4
    /// sheets for duplex printing.
    pub fn render_village_cards(&self, village: &str) -> ApiResult<(Vec<u8>, usize)> {
        let village = self.store.find_village(village).map_err(|e| self.fail(e))?;
        let today = self.today();
        let mut cards: Vec<AgreementSnapshot> = Vec::new();
        for record in self.store.all_contracts().map_err(|e| self.fail(e))? {
            if !record.state_on(today).in_force() {
                continue;
            }
            let snapshot = self.contract_snapshot(record.contract.id)?;
            if snapshot.party_b.village == village.name {
                cards.push(self.contact_card(record.contract.id)?);
            }
        }
        if cards.is_empty() {
            return Err(self.fail(ApiError::invalid(
                "nothing_to_print",
                &format!("{}没有有效的签约家庭", village.name),
                &format!("no household of {} has a contract in force", village.name),
            )));
        }
        cards.sort_by(|a, b| {
            a.party_b
                .group
                .cmp(&b.party_b.group)
                .then(a.party_b.address.cmp(&b.party_b.address))
        });
        let options = PrintOptions {
            demo: self.is_demo()?,
            ..PrintOptions::default()
        };
        let bytes =
            jiayi_print::render_cards(&cards, self.lang, &options).map_err(|e| self.fail(e))?;
        Ok((bytes, cards.len()))
    }

    /// Writes bytes to `path` whole (a temporary name first, then renamed), readable by its
    /// owner alone: what is written here names residents.
    pub fn write_file(&self, path: &Path, bytes: &[u8]) -> ApiResult<()> {
        let io = |e: std::io::Error| {
            self.fail(ApiError::invalid(
                "write_failed",
                &format!("无法写入文件 {}：{e}", path.display()),
                &format!("cannot write {}: {e}", path.display()),
            ))
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        jiayi_store::platform::write_private(path, bytes).map_err(io)
    }
}

/// Keeps letters, digits and dashes of an agreement number for a file name.
pub fn file_safe(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "unnumbered".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_numbers_make_safe_file_names() {
        assert_eq!(file_safe("2026-A1B2C3D4-00012"), "2026-A1B2C3D4-00012");
        assert_eq!(file_safe("../x y"), "___x_y");
        assert_eq!(file_safe(""), "unnumbered");
    }
}
