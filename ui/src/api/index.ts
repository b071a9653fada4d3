// The one door to the backend. Each function is one Tauri command; errors are normalised to
// ApiError so views handle a single shape.

import { invoke } from '@tauri-apps/api/core'
import { listen } from '@tauri-apps/api/event'
import { toApiError } from './errors'
import { markLocked } from '../lib/lockState'
import type * as T from './types'

export * from './types'
export { ApiError } from './errors'

async function call<R>(command: string, args?: Record<string, unknown>): Promise<R> {
  try {
    return await invoke<R>(command, args)
  } catch (raw) {
    const error = toApiError(raw)
    if (error.code === 'locked') markLocked()
    throw error
  }
}

export const api = {
  lockScreen: () => call<T.LockScreen>('lock_screen'),
  createStore: (passphrase: string, confirmation: string, demo: boolean) =>
    call<void>('create_store', { passphrase, confirmation, demo }),
  protectStore: (passphrase: string, confirmation: string) => call<void>('protect_store', { passphrase, confirmation }),
  /** Resolves to what the doctor must be told (an interrupted change of passphrase finished). */
  unlock: (passphrase: string) => call<string | null>('unlock', { passphrase }),
  /** Re-encrypts the store under a new key for the new passphrase. */
  changePassphrase: (old: string, fresh: string, confirmation: string) =>
    call<void>('change_passphrase', { old, new: fresh, confirmation }),
  lockApp: () => call<void>('lock_app'),
  setLang: (lang: string) => call<void>('set_lang', { lang }),
  backupStatus: () => call<T.BackupStatus>('backup_status'),
  backUpNow: () => call<T.BackupOutcome>('back_up_now'),
  removableDrives: () => call<T.RemovableDrive[]>('removable_drives'),
  backupToFolder: (folder: string) => call<T.UsbOutcome>('backup_to_folder', { folder }),
  findBackups: () => call<T.BackupView[]>('find_backups'),
  inspectBackup: (file: string) => call<T.BackupView>('inspect_backup', { file }),
  restoreFromBackup: (request: T.RestoreRequest) => call<T.BackupView>('restore_from_backup', { request }),
  /** Tells the shell the work list is on screen and usable (start-up timing). */
  uiReady: () => call<void>('ui_ready'),
  status: () => call<T.StatusView>('sync_status'),
  deviceKind: () => call<T.DeviceKind>('device_kind'),
  workList: (query: T.WorkListQuery) => call<T.WorkList>('work_list', { query }),
  search: (query: string, limit = 20) => call<T.ResidentHit[]>('search', { query, limit }),
  /** One page of matches with the count of all; exact matches first and never cut. */
  searchPage: (query: string, limit = 20) => call<T.SearchPage>('search_page', { query, limit }),
  villages: () => call<T.Village[]>('villages'),
  registerHousehold: (request: T.RegisterRequest) => call<T.RegisterOutcome>('register_household', { request }),
  household: (householdId: string) => call<T.HouseholdView>('household_detail', { householdId }),
  teams: () => call<T.Team[]>('teams'),
  catalog: () => call<T.Catalog>('catalog'),
  previewContract: (request: T.SignRequest) => call<T.AgreementSnapshot>('preview_contract', { request }),
  signContract: (request: T.SignRequest) => call<T.SignOutcome>('sign_contract', { request }),
  /** The system's printers, the default first; fails when there is no printing service. */
  printers: () => call<T.Printer[]>('printers'),
  /** Sends a document to a printer (the default without one); a failure comes back as `problem`. */
  printDocument: (contractId: string, document: T.Document, printer: string | null = null) =>
    call<T.PaperOutcome>('print_document', { contractId, document, printer }),
  openDocument: (contractId: string, document: T.Document) => call<T.PaperOutcome>('open_document', { contractId, document }),
  /** Writes the document into a folder the doctor chose, after the unencrypted-file warning. */
  saveDocumentAs: (contractId: string, document: T.Document, folder: string) =>
    call<string>('save_document_as', { contractId, document, folder }),
  printAmendment: (amendmentId: string) => call<T.PaperOutcome>('print_amendment', { amendmentId }),
  queuePrint: (contractId: string, document: T.Document) => call<T.QueueEntry>('queue_print', { contractId, document }),
  printQueue: () => call<T.PrintQueue>('print_queue'),
  printQueued: (queueId: string, printer: string | null = null) => call<T.QueuedPrinted>('print_queued', { queueId, printer }),
  printAllQueued: (printer: string | null = null) => call<T.QueuedPrinted[]>('print_all_queued', { printer }),
  openQueued: (queueId: string) => call<T.PaperOutcome>('open_queued', { queueId }),
  unqueuePrint: (queueId: string) => call<void>('unqueue_print', { queueId }),
  dueForHousehold: (householdId: string) => call<T.DueEntry[]>('due_for_household', { householdId }),
  recordVisit: (request: T.VisitRequest) => call<T.VisitOutcome>('record_visit', { request }),
  visitTeam: (residentId: string, day: string | null = null) => call<T.VisitTeam>('visit_team', { residentId, day }),
  householdVisits: (householdId: string) => call<T.VisitRow[]>('household_visits', { householdId }),
  visitForm: (query: T.VisitFormQuery) => call<T.VisitFormView>('visit_form', { query }),
  renew: (contractId: string) => call<T.SignOutcome>('renew_contract', { contractId }),
  changeDoctor: (request: T.ChangeDoctorRequest) => call<void>('change_doctor', { request }),
  terminate: (request: T.TerminateRequest) => call<T.TerminateOutcome>('terminate_contract', { request }),
  declineRenewal: (request: T.DeclineRenewalRequest) => call<T.TerminateOutcome>('decline_renewal', { request }),
  draftSave: (form: string, json: string) => call<void>('draft_save', { form, json }),
  draftLoad: (form: string) => call<string | null>('draft_load', { form }),
  draftClear: (form: string) => call<void>('draft_clear', { form }),
  syncOverview: () => call<T.SyncStatusView>('sync_overview'),
  syncSettings: () => call<T.SyncSettings>('sync_settings'),
  /** The newer version the township offered at the last sync. */
  updateOffer: () => call<T.UpdateOfferView | null>('update_offer'),
  /** Downloads, checks and installs it; the app restarts into it. */
  installUpdate: () => call<void>('install_update'),
  enrollDevice: (serverUrl: string, token: string) => call<T.EnrollOutcome>('enroll_device', { serverUrl, token }),
  enrollFromFile: (contents: string) => call<T.EnrollOutcome>('enroll_from_file', { contents }),
  forgetEnrollment: () => call<boolean>('forget_enrollment'),
  /** One round now; progress arrives as `sync-event`s (see onSyncEvent). */
  syncNow: () => call<T.SyncSummary>('sync_now'),
  refusals: (includeSettled: boolean) => call<T.RefusalView[]>('refusals', { includeSettled }),
  markRefusalsRead: () => call<number>('mark_refusals_read'),
  settleRefusal: (id: number) => call<void>('settle_refusal', { id }),
  report: (request: T.ReportRequest) => call<T.ReportView>('report', { request }),
  drillDown: (request: T.DrillDownPageRequest) => call<T.DrillDownPage>('drill_down', { request }),
  indicatorTargets: () => call<T.Targets>('indicator_targets'),
  setIndicatorTargets: (targets: T.Targets) => call<T.Targets>('set_indicator_targets', { targets }),
  /** Writes a workbook into the data folder's exports/ and opens it. */
  exportXlsx: (kind: T.ExportKind, request: T.ReportRequest) => call<T.PrintOutcome>('export_xlsx', { kind, request }),
  /** Keeps a picked roster in the data folder; its path goes into the import requests. */
  stageImport: (name: string, bytes: number[]) => call<string>('stage_import', { name, bytes }),
  /** Progress arrives as `import-progress` events (see onImportProgress). */
  previewImport: (request: T.ImportRequest) => call<T.ImportPreview>('preview_import', { request }),
  importRoster: (request: T.ImportRequest) => call<T.ImportOutcome>('import_roster', { request }),
  // A household's year: corrections, groups with dates, members joining and leaving, moves,
  // splits, a new head, amendments and the contract's history.
  editResident: (edit: T.ResidentEdit) => call<unknown>('edit_resident', { edit }),
  issueRecordNumber: (residentId: string) => call<unknown>('issue_record_number', { residentId }),
  startGroup: (start: T.GroupStart) => call<T.GroupOutcome>('start_group', { start }),
  endGroup: (end: T.GroupEnd) => call<T.GroupOutcome>('end_group', { end }),
  addMember: (add: T.MemberAdd) => call<T.MemberAddOutcome>('add_member', { add }),
  memberLeave: (leave: T.MemberLeave) => call<T.MemberLeaveOutcome>('member_leave', { leave }),
  changeHead: (change: T.HeadChange) => call<void>('change_head', { change }),
  moveHousehold: (request: T.HouseholdMove) => call<T.HouseholdMoveOutcome>('move_household', { request }),
  splitHousehold: (split: T.HouseholdSplit) => call<T.HouseholdSplitOutcome>('split_household', { split }),
  amendContract: (request: T.AmendRequest) => call<string>('amend_contract', { request }),
  amendmentSnapshot: (amendmentId: string) => call<T.AmendmentSnapshot>('amendment_snapshot', { amendmentId }),
  contractHistory: (contractId: string) => call<T.ContractHistory>('contract_history', { contractId }),
  householdYear: (householdId: string) => call<T.MemberYear[]>('household_year', { householdId }),
  fieldHistory: (householdId: string) => call<T.FieldChangeView[]>('field_history', { householdId }),
  // Two-way referral and the yearly satisfaction survey.
  recordReferralOut: (request: T.ReferralOutRequest) => call<T.ReferralRow>('record_referral_out', { request }),
  recordReferralBack: (request: T.ReferralBackRequest) => call<T.ReferralRow>('record_referral_back', { request }),
  householdReferrals: (householdId: string) => call<T.ReferralRow[]>('household_referrals', { householdId }),
  surveyQuestionnaire: () => call<T.Questionnaire>('survey_questionnaire'),
  recordSurvey: (request: T.SurveyRequest) => call<T.SurveyRow>('record_survey', { request }),
  householdSurveys: (householdId: string) => call<T.SurveyRow[]>('household_surveys', { householdId }),
}

/** Progress of a roster's preview or import. */
export function onImportProgress(handler: (progress: T.ImportProgress) => void): Promise<() => void> {
  return listen<T.ImportProgress>('import-progress', (e) => handler(e.payload))
}

/** Every event of a sync round, whether started here or by the background runner. */
export function onSyncEvent(handler: (event: T.SyncEvent) => void): Promise<() => void> {
  return listen<T.SyncEvent>('sync-event', (e) => handler(e.payload))
}

export type Api = typeof api
