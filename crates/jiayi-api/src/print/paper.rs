//! A document made ready for paper and what is kept of it once handed on.
//!
//! [`Api::prepare_document`] renders the PDF as this print must look (the demo mark on a demo
//! store's paper, 补打 and the day when it was printed before, only the service items the
//! members are owed, the card's current team and doctor) and writes it into the prints folder.
//! Once the shell has handed it on (to a printer, the viewer, or a folder the doctor chose)
//! [`Api::record_print`] keeps the print: a document printed but never handed on was never
//! printed, and its next print is no 补打. A contact card naming another doctor or team than
//! the one printed now is recorded as superseded by it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::agreement::AgreementSnapshot;
use jiayi_core::schedule::applies::items_left_out;
use jiayi_print::PrintOptions;
use jiayi_store::PrintRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AMENDMENT, Document, file_safe};
use crate::{Api, ApiError, ApiResult};

/// Where a printed document went.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandedTo {
    Printer,
    Viewer,
    /// Written to a folder the doctor chose (a USB drive), or by the command line.
    Saved,
}

impl HandedTo {
    fn code(self) -> &'static str {
        match self {
            HandedTo::Printer => "printer",
            HandedTo::Viewer => "viewer",
            HandedTo::Saved => "saved",
        }
    }
}

/// A document rendered and written, waiting to be handed on and recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedPrint {
    pub path: PathBuf,
    /// The day printed after 补打, when the document was printed before.
    pub reprint_on: Option<NaiveDate>,
    document: String,
    subject_id: Uuid,
    /// Contact cards: the team and doctor printed on it, and the earlier cards naming others.
    card: Option<(Uuid, Uuid)>,
    supersedes: Vec<Uuid>,
}

/// One printed contact card, for the household's history of cards.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPrint {
    pub id: Uuid,
    pub printed_at: DateTime<Utc>,
    pub reprint: bool,
    pub team_id: Option<Uuid>,
    pub team_name: String,
    pub doctor_id: Option<Uuid>,
    pub doctor_name: String,
    /// The later card that replaced this one (another doctor or team), if any.
    pub superseded_by: Option<Uuid>,
}

impl Api {
    /// The options the next print of a contract's document is made with.
    pub(crate) fn print_options(
        &self,
        contract_id: Uuid,
        document: Document,
    ) -> ApiResult<PrintOptions> {
        let earlier = self
            .store
            .prints_of(contract_id, document.code())
            .map_err(|e| self.fail(e))?;
        let left_out = match document {
            Document::Agreement => {
                let snapshot = self.contract_snapshot(contract_id)?;
                let catalog = self
                    .store
                    .catalog(&snapshot.catalog_version)
                    .map_err(|e| self.fail(e))?;
                items_left_out(
                    &catalog,
                    &snapshot.packages,
                    &snapshot.members,
                    &snapshot.term,
                )
            }
            _ => Default::default(),
        };
        Ok(PrintOptions {
            demo: self.is_demo()?,
            reprint_on: (!earlier.is_empty()).then(|| self.today()),
            left_out,
        })
    }

    pub(crate) fn amendment_print_options(&self, amendment_id: Uuid) -> ApiResult<PrintOptions> {
        let earlier = self
            .store
            .prints_of(amendment_id, AMENDMENT)
            .map_err(|e| self.fail(e))?;
        Ok(PrintOptions {
            demo: self.is_demo()?,
            reprint_on: (!earlier.is_empty()).then(|| self.today()),
            ..PrintOptions::default()
        })
    }

    /// The contact card as printed today: the household as signed, the team and the doctor
    /// serving it today (after a change of doctor, the new one), and only the service items a
    /// covered member is owed in the term in force.
    pub fn contact_card(&self, contract_id: Uuid) -> ApiResult<AgreementSnapshot> {
        let today = self.today();
        let record = self.store.contract(contract_id).map_err(|e| self.fail(e))?;
        let mut card = self.contract_snapshot(contract_id)?;
        let state = record.state_on(today);
        let team = self
            .store
            .team(record.contract.team_id)
            .map_err(|e| self.fail(e))?;
        if let Some(doctor) = team.member(state.doctor_id) {
            let settings = self.store.settings().map_err(|e| self.fail(e))?;
            card.party_a = crate::contracts::party_a(&team, doctor, &settings.health_center);
        }
        let term = state.term.map_or(card.term, |t| t.term);
        let catalog = self
            .store
            .catalog(&card.catalog_version)
            .map_err(|e| self.fail(e))?;
        let left_out = items_left_out(&catalog, &card.packages, &card.members, &term);
        for package in &mut card.packages {
            package
                .items
                .retain(|item| !left_out.contains(&(package.code.clone(), item.code.clone())));
        }
        Ok(card)
    }

    /// Renders a contract's document as this print must look and writes it under `dir`.
    pub fn prepare_document(
        &self,
        contract_id: Uuid,
        document: Document,
        dir: &Path,
    ) -> ApiResult<PreparedPrint> {
        let options = self.print_options(contract_id, document)?;
        let bytes = self.render_with(contract_id, document, &options)?;
        let number = self
            .store
            .contract(contract_id)
            .map_err(|e| self.fail(e))?
            .contract
            .agreement_number;
        let path = dir.join(format!(
            "{}-{}.pdf",
            document.file_stem(),
            file_safe(&number)
        ));
        self.write_file(&path, &bytes)?;
        let (card, supersedes) = match document {
            Document::ContactCard => {
                let printed = self.contact_card(contract_id)?.party_a;
                let card = (self.contract_team(contract_id)?, printed.family_doctor.id);
                let earlier = self
                    .store
                    .prints_of(contract_id, document.code())
                    .map_err(|e| self.fail(e))?;
                (Some(card), cards_superseded(&earlier, card))
            }
            _ => (None, Vec::new()),
        };
        Ok(PreparedPrint {
            path,
            reprint_on: options.reprint_on,
            document: document.code().to_string(),
            subject_id: contract_id,
            card,
            supersedes,
        })
    }

    /// Renders an amendment's confirmation as this print must look and writes it under `dir`.
    pub fn prepare_amendment(&self, amendment_id: Uuid, dir: &Path) -> ApiResult<PreparedPrint> {
        let options = self.amendment_print_options(amendment_id)?;
        let bytes = self.render_amendment_with(amendment_id, &options)?;
        let snapshot = self.amendment_snapshot(amendment_id)?;
        let path = dir.join(format!(
            "amendment-{}-{}.pdf",
            file_safe(&snapshot.agreement_number),
            &amendment_id.simple().to_string()[24..]
        ));
        self.write_file(&path, &bytes)?;
        Ok(PreparedPrint {
            path,
            reprint_on: options.reprint_on,
            document: AMENDMENT.to_string(),
            subject_id: amendment_id,
            card: None,
            supersedes: Vec::new(),
        })
    }

    /// Keeps a print once its document was handed on, with its audit entry. Returns its id.
    pub fn record_print(&self, prepared: &PreparedPrint, handed_to: HandedTo) -> ApiResult<Uuid> {
        let now = self.now();
        let record = PrintRecord {
            id: Uuid::now_v7(),
            document: prepared.document.clone(),
            subject_id: prepared.subject_id,
            printed_at: now,
            printed_on: self.today(),
            reprint: prepared.reprint_on.is_some(),
            team_id: prepared.card.map(|(team, _)| team),
            doctor_id: prepared.card.map(|(_, doctor)| doctor),
            handed_to: handed_to.code().to_string(),
            superseded_by: None,
        };
        self.store
            .record_print(&record, &prepared.supersedes)
            .map_err(|e| self.fail(e))?;
        let entity = if prepared.document == AMENDMENT {
            "contract_amendment"
        } else {
            "contract"
        };
        self.note("print", entity, &prepared.subject_id.to_string())?;
        Ok(record.id)
    }

    /// Writes a document of a contract under `dir` as a print handed on (the command line's
    /// print) and returns the file's path.
    pub fn write_document(
        &self,
        contract_id: Uuid,
        document: Document,
        dir: &Path,
    ) -> ApiResult<PathBuf> {
        let prepared = self.prepare_document(contract_id, document, dir)?;
        self.record_print(&prepared, HandedTo::Saved)?;
        Ok(prepared.path)
    }

    /// Writes an amendment's PDF under `dir` as a print handed on and returns the file's path.
    pub fn write_amendment(&self, amendment_id: Uuid, dir: &Path) -> ApiResult<PathBuf> {
        let prepared = self.prepare_amendment(amendment_id, dir)?;
        self.record_print(&prepared, HandedTo::Saved)?;
        Ok(prepared.path)
    }

    /// Saves a document into a folder the doctor chose (a USB drive), after the warning that
    /// the file holds names and ID numbers unencrypted. The folder must exist.
    pub fn save_document_as(
        &self,
        contract_id: Uuid,
        document: Document,
        folder: &Path,
    ) -> ApiResult<PathBuf> {
        if !folder.is_dir() {
            return Err(self.fail(ApiError::invalid(
                "folder_missing",
                &format!("找不到文件夹 {}，请确认U盘已插好", folder.display()),
                &format!(
                    "the folder {} does not exist; is the drive plugged in?",
                    folder.display()
                ),
            )));
        }
        self.write_document(contract_id, document, folder)
    }

    /// Every contact card printed here for a contract, oldest first, with the team and doctor
    /// each names and the card that superseded it.
    pub fn card_prints(&self, contract_id: Uuid) -> ApiResult<Vec<CardPrint>> {
        let team_id = self.contract_team(contract_id)?;
        let team = self.store.team(team_id).ok();
        let prints = self
            .store
            .prints_of(contract_id, Document::ContactCard.code())
            .map_err(|e| self.fail(e))?;
        Ok(prints
            .into_iter()
            .map(|p| {
                let team_of = team.as_ref().filter(|t| Some(t.id) == p.team_id);
                let doctor = team_of.and_then(|t| p.doctor_id.and_then(|d| t.member(d)));
                CardPrint {
                    id: p.id,
                    printed_at: p.printed_at,
                    reprint: p.reprint,
                    team_id: p.team_id,
                    team_name: team_of.map(|t| t.name.clone()).unwrap_or_default(),
                    doctor_id: p.doctor_id,
                    doctor_name: doctor.map(|d| d.name.clone()).unwrap_or_default(),
                    superseded_by: p.superseded_by,
                }
            })
            .collect())
    }

    fn contract_team(&self, contract_id: Uuid) -> ApiResult<Uuid> {
        Ok(self
            .store
            .contract(contract_id)
            .map_err(|e| self.fail(e))?
            .contract
            .team_id)
    }
}

/// The earlier cards still current that name another team or doctor than `printed`: the new
/// card replaces them.
fn cards_superseded(earlier: &[PrintRecord], printed: (Uuid, Uuid)) -> Vec<Uuid> {
    earlier
        .iter()
        .filter(|p| p.superseded_by.is_none())
        .filter(|p| (p.team_id, p.doctor_id) != (Some(printed.0), Some(printed.1)))
        .map(|p| p.id)
        .collect()
}
