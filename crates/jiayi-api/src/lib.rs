//! The one API surface of Jiayi. Each operation is written here once; the Tauri commands, the
//! `jiayi` CLI and the tests are thin callers. Inputs are plain serde types (what a form or a
//! JSON file holds); every failure is an [`ApiError`] with a stable code and a message in the
//! user's language.

mod audit;
mod autosync;
mod background;
mod backup;
mod contracts;
mod error;
mod exports;
mod households;
mod import;
mod passphrase;
mod print;
mod recovery;
mod referrals;
mod reports;
mod rounds;
mod serving;
mod status;
mod surveys;
mod sync;
mod tools;
pub mod updates;
mod vault;
mod visit_forms;
mod visits;
mod worklist;
mod year;

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::Lang;
use jiayi_core::time::china_date;
use jiayi_store::Store;
pub use jiayi_store::{AuditCheck, AuditRecord};

pub use autosync::{AutoSync, AutoSyncConfig, EventSink, backoff, reachable};
pub use backup::{
    AUTO_EVERY_CHANGES, AutoBackup, AutoBackupConfig, BackupFailure, BackupOutcome, BackupStatus,
    BackupView, RemovableDrive, RestoreOutcome, RestoreRequest, UsbOutcome, back_up_now,
    backup_due, backup_status, backups_dir, backups_on_drives, inspect_backup, list_backups,
    removable_drives, restore_backup, write_to_folder,
};
pub use contracts::{
    AutoRenewed, ChangeDoctorRequest, ContractSummary, DeclineRenewalRequest, GuardianSignatory,
    MemberChoice, RenewOutcome, SignOutcome, SignRequest, TerminateOutcome, TerminateRequest,
    status_label,
};
pub use error::{ApiError, ApiResult};
pub use exports::{ExportKind, ExportOutcome};
pub use households::{
    HouseholdView, IdNumberInfo, MemberView, RegisterOutcome, RegisterRequest, UnprintableName,
};
pub use import::{
    ColumnView, Field, HouseholdPreview, ImportOutcome, ImportPreview, ImportProgress,
    ImportRequest, ImportStage, IssueScope, PersonPreview, RowIssue, Severity, SkippedRow,
    guess_field,
};
pub use passphrase::{change_passphrase, change_passphrase_with};
pub use print::{
    CardPrint, Document, HandedTo, PRINTS_KEPT_DAYS, PageSet, PreparedPrint, PrintChoice, PrintJob,
    PrintQueue, PrintSystem, Printer, QueueEntry, QueuedPrinted, Sides, clean_prints, file_safe,
    prepare_prints_dir,
};
pub use referrals::{ReferralBackRequest, ReferralBackView, ReferralOutRequest, ReferralRow};
pub use reports::{
    DRILL_DOWN_PAGE, DRILL_DOWN_PAGE_MAX, DrillDownPage, DrillDownPageRequest, DrillDownRequest,
    DrillDownRow, DrillDownView, IndicatorFigure, ReportRequest, ReportRow, ReportView, RosterRow,
    ServiceAuditLine, parse_period,
};
pub use rounds::HouseholdRound;
pub use status::{DeviceKind, StatusView};
pub use surveys::{SurveyAnswerView, SurveyRequest, SurveyRow};
pub use sync::{
    BundleExport, EnrollOutcome, LastSyncError, RefusalView, SyncEvent, SyncPhase, SyncProgress,
    SyncSettings, SyncStatusView, SyncSummary, SyncTrigger, VillageRef, check_server_url,
    run_round, sync_database, sync_error,
};
pub use tools::DeviceTools;
pub use vault::{
    OpenedVault, Unlocked, VaultState, VaultStatus, create_vault, open_vault, protect_plain_vault,
    read_passphrase, unlock_vault, vault_status,
};
pub use visit_forms::{VisitFormQuery, VisitFormView};
pub use visits::{NextDue, ServingMember, VisitOutcome, VisitRequest, VisitRow, VisitTeam};
pub use worklist::{
    RenewalEntry, RenewalKind, UnsignedEntry, VillageWork, WorkList, WorkListQuery,
};
pub use year::*;

/// Where "now" comes from: the system clock in the app, a fixed instant in tests.
pub trait Clock: Send {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant.
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

pub struct Api {
    store: Store,
    lang: Lang,
    clock: Box<dyn Clock>,
    /// The work list last read, until the store is written to.
    work_memo: worklist::WorkMemo,
}

impl Api {
    pub fn new(store: Store, lang: Lang) -> Api {
        Api::with_clock(store, lang, Box::new(SystemClock))
    }

    pub fn with_clock(store: Store, lang: Lang, clock: Box<dyn Clock>) -> Api {
        Api {
            store,
            lang,
            clock,
            work_memo: Default::default(),
        }
    }

    /// Opens the store at `path` (creating and migrating it as needed).
    pub fn open(path: impl AsRef<std::path::Path>, lang: Lang) -> ApiResult<Api> {
        let store = Store::open(path).map_err(|e| ApiError::from_store(e, lang))?;
        Ok(Api::new(store, lang))
    }

    /// Replaces the clock (the demo builder records a year of work at its own dates).
    pub fn set_clock(&mut self, clock: Box<dyn Clock>) {
        self.clock = clock;
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in the villages' calendar (China Standard Time).
    pub fn today(&self) -> NaiveDate {
        china_date(self.now())
    }

    pub(crate) fn fail(&self, e: impl Into<ApiError>) -> ApiError {
        let mut e: ApiError = e.into();
        e.localise(self.lang);
        e
    }
}
