//! The Tauri commands. Each one is an adapter: take the open API from the state, call the
//! operation written once in `jiayi-api`, return its result. Errors are `ApiError`, which the UI
//! receives as `{code, message}` in the chosen language.

use jiayi_api::{
    AmendRequest, Api, ApiError, ChangeDoctorRequest, ContractHistory, DeclineRenewalRequest,
    DeviceKind, DrillDownPage, DrillDownPageRequest, EnrollOutcome, ExportKind, FieldChangeView,
    GroupEnd, GroupOutcome, GroupStart, HeadChange, HouseholdMove, HouseholdMoveOutcome,
    HouseholdSplit, HouseholdSplitOutcome, HouseholdView, ImportOutcome, ImportPreview,
    ImportProgress, ImportRequest, MemberAdd, MemberAddOutcome, MemberLeave, MemberLeaveOutcome,
    MemberYear, RefusalView, RegisterOutcome, RegisterRequest, ReportRequest, ReportView,
    ResidentEdit, SignOutcome, SignRequest, StatusView, SyncSettings, SyncStatusView, SyncSummary,
    TerminateOutcome, TerminateRequest, VaultStatus, VisitOutcome, VisitRequest, VisitRow,
    VisitTeam, WorkList, WorkListQuery,
};
use jiayi_core::Lang;
use jiayi_core::agreement::AgreementSnapshot;
use jiayi_core::catalog::Catalog;
use jiayi_core::household::{Resident, Team, Village};
use jiayi_core::indicators::Targets;
use jiayi_core::year::amendment::AmendmentSnapshot;
use jiayi_store::{DueEntry, ResidentHit, SearchPage};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::ShellError;
pub use crate::events::sync_events;
use crate::state::AppState;

type Reply<T> = Result<T, ApiError>;

/// What the lock screen shows: a first start, a store to encrypt, or the passphrase prompt.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub struct LockScreen {
    #[serde(flatten)]
    vault: VaultStatus,
    unlocked: bool,
    /// Started with `--demo`: the first start offers the demo township first.
    demo_suggested: bool,
    data_dir: String,
}

#[tauri::command]
async fn lock_screen(state: State<'_, AppState>, app: AppHandle) -> Reply<LockScreen> {
    let lang = state.lang();
    tauri::async_runtime::spawn_blocking(move || app.state::<AppState>().wait_for_startup())
        .await
        .map_err(|_| interrupted(lang))?;
    if let Some(ms) = state.mark_lock_screen() {
        eprintln!("startup: lock screen asked for after {ms} ms");
    }
    let vault = state.vault_status().map_err(|e| e.into_api(state.lang()))?;
    Ok(LockScreen {
        vault,
        unlocked: state.is_unlocked(),
        demo_suggested: state.options.demo,
        data_dir: state.data_dir.display().to_string(),
    })
}

/// The passphrase work (Argon2id, building the demo, encrypting a store) runs off the async
/// runtime's threads so the window stays responsive.
async fn blocking_unlock<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&AppState) -> Result<T, ShellError> + Send + 'static,
) -> Reply<T> {
    let lang = app.state::<AppState>().lang();
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let done = work(&state).map_err(|e| e.into_api(state.lang()))?;
        state.start_autosync(sync_events(&app));
        state.start_autobackup();
        Ok(done)
    })
    .await
    .map_err(|_| interrupted(lang))?
}

#[tauri::command]
async fn create_store(
    app: AppHandle,
    passphrase: String,
    confirmation: String,
    demo: bool,
) -> Reply<()> {
    let passphrase = Zeroizing::new(passphrase);
    let confirmation = Zeroizing::new(confirmation);
    blocking_unlock(app, move |state| {
        state.create_store(&passphrase, &confirmation, demo)
    })
    .await
}

#[tauri::command]
async fn protect_store(app: AppHandle, passphrase: String, confirmation: String) -> Reply<()> {
    let passphrase = Zeroizing::new(passphrase);
    let confirmation = Zeroizing::new(confirmation);
    blocking_unlock(app, move |state| {
        state.protect_store(&passphrase, &confirmation)
    })
    .await
}

#[tauri::command]
async fn unlock(app: AppHandle, passphrase: String) -> Reply<Option<String>> {
    let passphrase = Zeroizing::new(passphrase);
    blocking_unlock(app, move |state| state.unlock(&passphrase)).await
}

/// The settings dialog: the old passphrase, the new one and the new one again. The store is
/// re-encrypted under a new key (seconds on a large store) and background sync restarts.
#[tauri::command]
async fn change_passphrase(
    app: AppHandle,
    old: String,
    new: String,
    confirmation: String,
) -> Reply<()> {
    let (old, new, confirmation) = (
        Zeroizing::new(old),
        Zeroizing::new(new),
        Zeroizing::new(confirmation),
    );
    blocking_unlock(app, move |state| {
        state.change_passphrase(&old, &new, &confirmation)
    })
    .await
}

/// Locks the app (idle, or the lock button): the store closes and its key leaves memory.
#[tauri::command]
async fn lock_app(state: State<'_, AppState>) -> Reply<()> {
    state.lock();
    Ok(())
}

#[tauri::command]
async fn sync_overview(state: State<'_, AppState>) -> Reply<SyncStatusView> {
    // The header asks every few seconds: on the reader, never behind the work list, a report
    // or an import holding the main connection.
    state.search(|api| api.sync_status())
}

#[tauri::command]
async fn sync_settings(state: State<'_, AppState>) -> Reply<SyncSettings> {
    state.api(|api| api.sync_settings())
}

/// Enrolling asks the server over blocking HTTP, which must not run on the async runtime's own
/// threads: it goes to a blocking thread, and the window stays responsive meanwhile. Once
/// enrolled, the background sync is asked to look at once.
async fn enroll_with(
    app: AppHandle,
    enroll: impl FnOnce(&mut Api) -> jiayi_api::ApiResult<EnrollOutcome> + Send + 'static,
) -> Reply<EnrollOutcome> {
    let lang = app.state::<AppState>().lang();
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let outcome = state.api_mut(enroll)?;
        state.wake_autosync();
        Ok(outcome)
    })
    .await
    .map_err(|_| interrupted(lang))?
}

#[tauri::command]
async fn enroll_device(app: AppHandle, server_url: String, token: String) -> Reply<EnrollOutcome> {
    enroll_with(app, move |api| api.enroll_device(&server_url, &token)).await
}

/// The enrollment file's contents (address, token, the township CA), checked against the
/// server like `enroll_device`.
#[tauri::command]
async fn enroll_from_file(app: AppHandle, contents: String) -> Reply<EnrollOutcome> {
    enroll_with(app, move |api| api.enroll_from_file(&contents)).await
}

fn interrupted(lang: Lang) -> ApiError {
    ApiError::new(
        "sync_interrupted",
        "同步意外中断，已保存的数据不受影响，请再试一次。",
        "Sync stopped unexpectedly; saved records are not affected. Please try again.",
    )
    .localised(lang)
}

#[tauri::command]
async fn forget_enrollment(state: State<'_, AppState>) -> Reply<bool> {
    state.api_mut(|api| api.forget_enrollment())
}

/// "Sync now" runs on its own connection to the database, so the rest of the app stays usable
/// during a long round; progress goes out as `sync-event`s.
#[tauri::command]
async fn sync_now(state: State<'_, AppState>, app: AppHandle) -> Reply<SyncSummary> {
    let db = state.db_file().map_err(|e| e.into_api(state.lang()))?;
    let lang = state.lang();
    let events = sync_events(&app);
    tauri::async_runtime::spawn_blocking(move || jiayi_api::sync_database(&db, lang, &*events))
        .await
        .map_err(|_| interrupted(lang))?
}

#[tauri::command]
async fn refusals(state: State<'_, AppState>, include_settled: bool) -> Reply<Vec<RefusalView>> {
    state.api(|api| api.refusals(include_settled))
}

#[tauri::command]
async fn mark_refusals_read(state: State<'_, AppState>) -> Reply<u64> {
    state.api_mut(|api| api.mark_refusals_read())
}

#[tauri::command]
async fn settle_refusal(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.api_mut(|api| api.settle_refusal(id))
}

#[tauri::command]
async fn set_lang(state: State<'_, AppState>, lang: String) -> Reply<()> {
    state.set_lang(Lang::from_tag(&lang));
    Ok(())
}

/// The UI calls this once the work list is on screen and usable: start-up time is logged, and
/// with `--exit-when-ready` the app quits (for timing cold starts).
#[tauri::command]
async fn ui_ready(state: State<'_, AppState>, app: AppHandle) -> Reply<()> {
    if let Some(ms) = state.since_unlock() {
        eprintln!("unlock: work list interactive {ms} ms after the passphrase");
    }
    if let Some(ms) = state.mark_ready() {
        eprintln!("startup: work list interactive after {ms} ms");
        if state.options.exit_when_ready {
            app.exit(0);
        }
    }
    Ok(())
}

#[tauri::command]
async fn sync_status(state: State<'_, AppState>) -> Reply<StatusView> {
    state.api(|api| api.status())
}

/// The header's marks, asked for as it first shows: on the reader, never behind the work list
/// read ahead after an unlock.
#[tauri::command]
async fn device_kind(state: State<'_, AppState>) -> Reply<DeviceKind> {
    state.search(|api| api.device_kind())
}

#[tauri::command]
async fn work_list(state: State<'_, AppState>, query: Option<WorkListQuery>) -> Reply<WorkList> {
    let starting = state.starting_for();
    let reading = std::time::Instant::now();
    let list = state.api(|api| api.work_list_for(&query.unwrap_or_default()));
    if let Some(ms) = starting {
        // Timings only: the part of a cold start the list itself takes.
        eprintln!(
            "startup: work list asked for after {ms} ms, read in {} ms",
            reading.elapsed().as_millis()
        );
    }
    list
}

#[tauri::command]
async fn search(
    state: State<'_, AppState>,
    query: String,
    limit: usize,
) -> Reply<Vec<ResidentHit>> {
    state.search(|api| api.search(&query, limit))
}

#[tauri::command]
async fn search_page(state: State<'_, AppState>, query: String, limit: usize) -> Reply<SearchPage> {
    state.search(|api| api.search_page(&query, limit))
}

#[tauri::command]
async fn villages(state: State<'_, AppState>) -> Reply<Vec<Village>> {
    state.api(|api| api.villages())
}

#[tauri::command]
async fn register_household(
    state: State<'_, AppState>,
    request: RegisterRequest,
) -> Reply<RegisterOutcome> {
    state.api_mut(|api| api.register_household(&request))
}

#[tauri::command]
async fn household_detail(state: State<'_, AppState>, household_id: Uuid) -> Reply<HouseholdView> {
    state.api(|api| api.household(household_id))
}

#[tauri::command]
async fn teams(state: State<'_, AppState>) -> Reply<Vec<Team>> {
    state.api(|api| api.teams())
}

#[tauri::command]
async fn catalog(state: State<'_, AppState>) -> Reply<Catalog> {
    state.api(|api| api.catalog())
}

#[tauri::command]
async fn preview_contract(
    state: State<'_, AppState>,
    request: SignRequest,
) -> Reply<AgreementSnapshot> {
    state.api(|api| api.preview_agreement(&request))
}

#[tauri::command]
async fn sign_contract(state: State<'_, AppState>, request: SignRequest) -> Reply<SignOutcome> {
    state.api_mut(|api| api.sign_contract(&request))
}

#[tauri::command]
async fn due_for_household(state: State<'_, AppState>, household_id: Uuid) -> Reply<Vec<DueEntry>> {
    state.api(|api| api.due_for_household(household_id))
}

#[tauri::command]
async fn record_visit(state: State<'_, AppState>, request: VisitRequest) -> Reply<VisitOutcome> {
    state.api_mut(|api| api.record_visit(&request))
}

#[tauri::command]
async fn visit_team(
    state: State<'_, AppState>,
    resident_id: Uuid,
    day: Option<chrono::NaiveDate>,
) -> Reply<VisitTeam> {
    state.api(|api| api.visit_team(resident_id, day))
}

#[tauri::command]
async fn household_visits(state: State<'_, AppState>, household_id: Uuid) -> Reply<Vec<VisitRow>> {
    state.api(|api| api.household_visits(household_id))
}

#[tauri::command]
async fn renew_contract(state: State<'_, AppState>, contract_id: Uuid) -> Reply<SignOutcome> {
    state.api_mut(|api| api.renew(contract_id, false))
}

#[tauri::command]
async fn change_doctor(state: State<'_, AppState>, request: ChangeDoctorRequest) -> Reply<()> {
    state.api_mut(|api| api.change_doctor(&request))
}

#[tauri::command]
async fn decline_renewal(
    state: State<'_, AppState>,
    request: DeclineRenewalRequest,
) -> Reply<TerminateOutcome> {
    state.api_mut(|api| api.decline_renewal(&request))
}

#[tauri::command]
async fn terminate_contract(
    state: State<'_, AppState>,
    request: TerminateRequest,
) -> Reply<TerminateOutcome> {
    state.api_mut(|api| api.terminate(&request))
}

#[tauri::command]
async fn edit_resident(state: State<'_, AppState>, edit: ResidentEdit) -> Reply<Resident> {
    state.api_mut(|api| api.edit_resident(&edit))
}

/// The next health-record number of the resident's village range (invoked with `residentId`).
#[tauri::command]
async fn issue_record_number(state: State<'_, AppState>, resident_id: Uuid) -> Reply<Resident> {
    state.api_mut(|api| api.issue_record_number(resident_id))
}

#[tauri::command]
async fn start_group(state: State<'_, AppState>, start: GroupStart) -> Reply<GroupOutcome> {
    state.api_mut(|api| api.start_group(&start))
}

#[tauri::command]
async fn end_group(state: State<'_, AppState>, end: GroupEnd) -> Reply<GroupOutcome> {
    state.api_mut(|api| api.end_group(&end))
}

#[tauri::command]
async fn add_member(state: State<'_, AppState>, add: MemberAdd) -> Reply<MemberAddOutcome> {
    state.api_mut(|api| api.add_member(&add))
}

#[tauri::command]
async fn member_leave(state: State<'_, AppState>, leave: MemberLeave) -> Reply<MemberLeaveOutcome> {
    state.api_mut(|api| api.member_leave(&leave))
}

#[tauri::command]
async fn change_head(state: State<'_, AppState>, change: HeadChange) -> Reply<()> {
    state.api_mut(|api| api.change_head(&change))
}

#[tauri::command]
async fn move_household(
    state: State<'_, AppState>,
    request: HouseholdMove,
) -> Reply<HouseholdMoveOutcome> {
    state.api_mut(|api| api.move_household(&request))
}

#[tauri::command]
async fn split_household(
    state: State<'_, AppState>,
    split: HouseholdSplit,
) -> Reply<HouseholdSplitOutcome> {
    state.api_mut(|api| api.split_household(&split))
}

#[tauri::command]
async fn amend_contract(state: State<'_, AppState>, request: AmendRequest) -> Reply<Uuid> {
    state.api_mut(|api| api.amend_contract(&request))
}

#[tauri::command]
async fn amendment_snapshot(
    state: State<'_, AppState>,
    amendment_id: Uuid,
) -> Reply<AmendmentSnapshot> {
    state.api(|api| api.amendment_snapshot(amendment_id))
}

#[tauri::command]
async fn contract_history(state: State<'_, AppState>, contract_id: Uuid) -> Reply<ContractHistory> {
    state.api(|api| api.contract_history(contract_id))
}

#[tauri::command]
async fn household_year(state: State<'_, AppState>, household_id: Uuid) -> Reply<Vec<MemberYear>> {
    state.api(|api| api.household_year(household_id))
}

#[tauri::command]
async fn field_history(
    state: State<'_, AppState>,
    household_id: Uuid,
) -> Reply<Vec<FieldChangeView>> {
    state.api(|api| api.field_history(household_id))
}

#[tauri::command]
async fn draft_save(state: State<'_, AppState>, form: String, json: String) -> Reply<()> {
    state.api_mut(|api| api.save_draft(&form, &json))
}

#[tauri::command]
async fn draft_load(state: State<'_, AppState>, form: String) -> Reply<Option<String>> {
    state.api(|api| api.draft(&form))
}

#[tauri::command]
async fn draft_clear(state: State<'_, AppState>, form: String) -> Reply<()> {
    state.api_mut(|api| api.discard_draft(&form))
}

#[tauri::command]
async fn report(state: State<'_, AppState>, request: ReportRequest) -> Reply<ReportView> {
    state.reports(|api| api.report(&request))
}

#[tauri::command]
async fn drill_down(
    state: State<'_, AppState>,
    request: DrillDownPageRequest,
) -> Reply<DrillDownPage> {
    state.reports(|api| api.drill_down_page(&request))
}

#[tauri::command]
async fn indicator_targets(state: State<'_, AppState>) -> Reply<Targets> {
    state.api(|api| api.indicator_targets())
}

#[tauri::command]
async fn set_indicator_targets(state: State<'_, AppState>, targets: Targets) -> Reply<Targets> {
    state.api_mut(|api| api.set_indicator_targets(&targets))
}

/// Writes a workbook into the data folder's `exports/` and opens it with the system's
/// spreadsheet program.
#[tauri::command]
async fn export_xlsx(
    state: State<'_, AppState>,
    app: AppHandle,
    kind: ExportKind,
    request: ReportRequest,
) -> Reply<PrintOutcome> {
    let dir = state.exports_dir();
    let written = state.reports(|api| api.export_xlsx_into(kind, &request, &dir))?;
    Ok(open_file(&state, &app, written.path))
}

/// The name of the event that carries an import's progress to the UI.
pub const IMPORT_EVENT: &str = "import-progress";

/// A roster the window read from a file the user picked: kept in `imports/`, its path back.
/// Preview and import read only paths handed out here (`chosen_files`).
#[tauri::command]
async fn stage_import(state: State<'_, AppState>, name: String, bytes: Vec<u8>) -> Reply<String> {
    state
        .stage_import(&name, &bytes)
        .map(|p| p.display().to_string())
}

#[tauri::command]
async fn preview_import(
    state: State<'_, AppState>,
    app: AppHandle,
    request: ImportRequest,
) -> Reply<ImportPreview> {
    state.check_import(&request)?;
    let mut progress = import_events(&app);
    state.api(|api| api.preview_import_with_progress(&request, &mut progress))
}

#[tauri::command]
async fn import_roster(
    state: State<'_, AppState>,
    app: AppHandle,
    request: ImportRequest,
) -> Reply<ImportOutcome> {
    state.check_import(&request)?;
    let mut progress = import_events(&app);
    state.api_mut(|api| api.import_roster(&request, &mut progress))
}

fn import_events(app: &AppHandle) -> impl FnMut(ImportProgress) + use<> {
    let app = app.clone();
    move |progress| {
        let _ = app.emit(IMPORT_EVENT, progress);
    }
}

#[derive(Serialize)]
pub struct PrintOutcome {
    path: String,
    /// False when the viewer is switched off (tests) or could not be started.
    opened: bool,
}

/// Asks the system to open a file the app wrote (unless the viewer is switched off).
fn open_file(state: &AppState, app: &AppHandle, path: std::path::PathBuf) -> PrintOutcome {
    let path = path.display().to_string();
    let opened = !state.options.no_viewer && app.opener().open_path(&path, None::<&str>).is_ok();
    PrintOutcome { path, opened }
}

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        lock_screen,
        crate::backup_commands::backup_status,
        crate::backup_commands::back_up_now,
        crate::backup_commands::removable_drives,
        crate::backup_commands::backup_to_folder,
        crate::backup_commands::find_backups,
        crate::backup_commands::inspect_backup,
        crate::backup_commands::restore_from_backup,
        crate::updater::update_offer,
        crate::updater::install_update,
        create_store,
        protect_store,
        unlock,
        lock_app,
        change_passphrase,
        set_lang,
        ui_ready,
        sync_status,
        device_kind,
        sync_overview,
        sync_settings,
        enroll_device,
        enroll_from_file,
        forget_enrollment,
        sync_now,
        refusals,
        mark_refusals_read,
        settle_refusal,
        work_list,
        search,
        search_page,
        villages,
        register_household,
        household_detail,
        teams,
        catalog,
        preview_contract,
        sign_contract,
        crate::print_commands::printers,
        crate::print_commands::print_document,
        crate::print_commands::open_document,
        crate::print_commands::save_document_as,
        crate::print_commands::print_amendment,
        crate::print_commands::queue_print,
        crate::print_commands::print_queue,
        crate::print_commands::print_queued,
        crate::print_commands::print_all_queued,
        crate::print_commands::open_queued,
        crate::print_commands::unqueue_print,
        due_for_household,
        record_visit,
        visit_team,
        household_visits,
        renew_contract,
        change_doctor,
        terminate_contract,
        decline_renewal,
        draft_save,
        draft_load,
        draft_clear,
        report,
        drill_down,
        indicator_targets,
        set_indicator_targets,
        export_xlsx,
        stage_import,
        preview_import,
        import_roster,
        edit_resident,
        issue_record_number,
        start_group,
        end_group,
        add_member,
        member_leave,
        change_head,
        move_household,
        split_household,
        amend_contract,
        amendment_snapshot,
        contract_history,
        household_year,
        field_history,
        record_referral_out,
        record_referral_back,
        household_referrals,
        survey_questionnaire,
        record_survey,
        household_surveys,
        visit_form,
    ]
}

#[tauri::command]
async fn record_referral_out(
    state: State<'_, AppState>,
    request: jiayi_api::ReferralOutRequest,
) -> Reply<jiayi_api::ReferralRow> {
    state.api_mut(|api| api.record_referral_out(&request))
}

#[tauri::command]
async fn record_referral_back(
    state: State<'_, AppState>,
    request: jiayi_api::ReferralBackRequest,
) -> Reply<jiayi_api::ReferralRow> {
    state.api_mut(|api| api.record_referral_back(&request))
}

#[tauri::command]
async fn household_referrals(
    state: State<'_, AppState>,
    household_id: Uuid,
) -> Reply<Vec<jiayi_api::ReferralRow>> {
    state.api(|api| api.household_referrals(household_id))
}

#[tauri::command]
async fn survey_questionnaire(
    state: State<'_, AppState>,
) -> Reply<jiayi_core::survey::Questionnaire> {
    state.api(|api| api.survey_questionnaire())
}

#[tauri::command]
async fn record_survey(
    state: State<'_, AppState>,
    request: jiayi_api::SurveyRequest,
) -> Reply<jiayi_api::SurveyRow> {
    state.api_mut(|api| api.record_survey(&request))
}

#[tauri::command]
async fn household_surveys(
    state: State<'_, AppState>,
    household_id: Uuid,
) -> Reply<Vec<jiayi_api::SurveyRow>> {
    state.api(|api| api.household_surveys(household_id))
}

#[tauri::command]
async fn visit_form(
    state: State<'_, AppState>,
    query: jiayi_api::VisitFormQuery,
) -> Reply<jiayi_api::VisitFormView> {
    state.api(|api| api.visit_form(&query))
}
