// Shapes exchanged with the backend. The types are generated from the Rust types of jiayi-core,
// jiayi-store and jiayi-api (src-tauri/scripts/gen-types.sh; CI fails when they are stale); this
// file adds the lists the forms offer and the shapes only the desktop shell sends.
// Dates are `YYYY-MM-DD`, instants RFC 3339, money in fen (1/100 yuan).

import type { PopulationGroup, PrintJob, Relation, TerminationReason, VaultStatus } from '../generated'

export type * from '../generated'

export type Uuid = string

export const RELATIONS: Relation[] = [
  'head', 'spouse', 'child', 'child_in_law', 'grandchild', 'parent', 'parent_in_law', 'grandparent', 'sibling', 'other',
]

/** Groups the doctor records; the age groups (elderly_65, child_0_to_6) follow from the birth date. */
export const RECORDED_GROUPS = [
  'pregnant', 'postpartum', 'hypertension', 'diabetes', 'severe_mental', 'tuberculosis',
  'disabled', 'poverty_registered', 'low_income', 'family_planning_special', 'living_alone', 'bedridden',
] as const satisfies readonly PopulationGroup[]

export const TERMINATION_REASONS: TerminationReason[] = [
  'moved_out', 'unreachable_for_a_year', 'refused_service_for_a_year', 'on_request', 'death', 'other',
]

/** What the lock screen offers: a first start, a store to encrypt, or the passphrase prompt. */
export interface LockScreen extends VaultStatus { unlocked: boolean; demo_suggested: boolean; data_dir: string }
/** Where a printed PDF was written, and whether the system viewer was asked to open it. */
export interface PrintOutcome { path: string; opened: boolean }
/** A document made ready for paper: its file, and the print job, the viewer, or why neither. */
export interface PaperOutcome {
  path: string
  /** The day after 补打 when it was printed before. */
  reprint_on: string | null
  job: PrintJob | null
  opened: boolean
  /** The print dialog was closed without printing; nothing was recorded. */
  cancelled: boolean
  problem: { code: string; message: string } | null
}
