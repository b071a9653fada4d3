// Shapes exchanged with the backend. Field names follow the Rust structs (snake_case) as serde
// writes them. Types generated from Rust live in ../generated and are re-exported from here when
// present, so views import from one place.

export type Sex = 'male' | 'female'
export type Relation =
  | 'head' | 'spouse' | 'child' | 'child_in_law' | 'grandchild' | 'parent' | 'parent_in_law' | 'grandparent' | 'sibling' | 'other'

export const RELATIONS: Relation[] = [
  'head', 'spouse', 'child', 'child_in_law', 'grandchild', 'parent', 'parent_in_law', 'grandparent', 'sibling', 'other',
]

export const RECORDED_GROUPS = [
  'pregnant', 'postpartum', 'hypertension', 'diabetes', 'severe_mental', 'tuberculosis',
  'disabled', 'poverty_registered', 'low_income', 'family_planning_special', 'living_alone', 'bedridden',
] as const

export type VisitMode = 'clinic' | 'home' | 'phone'
export type TerminationReason = 'moved_out' | 'unreachable_for_a_year' | 'refused_service_for_a_year' | 'on_request' | 'death' | 'other'
export const TERMINATION_REASONS: TerminationReason[] = [
  'moved_out', 'unreachable_for_a_year', 'refused_service_for_a_year', 'on_request', 'death', 'other',
]

export interface ResidentInput {
  name: string
  id_number: string | null
  sex: Sex | null
  birth_date: string | null
  phone: string | null
  relation: Relation | null
  groups: string[]
}

export interface HouseholdInput {
  village: string
  group: string
  address: string
  members: ResidentInput[]
}

export interface Village { id: string; code: string; name: string; township: string }

export interface DuplicateWarning {
  member_index: number
  kind: 'same_id_number' | 'same_name_and_birth_date'
  existing_resident_id: string
  existing_household_id: string
  existing_name: string
  village: string
}

export interface ResidentView {
  id: string
  name: string
  sex: Sex
  birth_date: string | null
  age: number | null
  id_number_masked: string | null
  id_number_missing: boolean
  phone: string | null
  relation: Relation
  groups: string[]
  group_labels: string[]
  signed: boolean
}

export interface ContractView {
  id: string
  agreement_number: string
  status: string
  status_label: string
  team_id: string
  team_name: string
  doctor_id: string
  doctor_name: string
  term_start: string
  term_end: string
  member_names: string[]
  resident_ids: string[]
}

export interface HouseholdDetail {
  id: string
  village: string
  group: string
  address: string
  record_number: string
  residents: ResidentView[]
  contracts: ContractView[]
}

export interface SearchHit {
  household_id: string
  resident_id: string | null
  name: string
  village: string
  address: string
  id_number_masked: string | null
  phone: string | null
  signed: boolean
}

export interface DueItem {
  contract_id: string
  household_id: string
  resident_id: string
  resident_name: string
  village: string
  package_code: string
  item_code: string
  item_name: string
  due_on: string
  overdue: boolean
}

export interface RenewalItem {
  contract_id: string
  household_id: string
  agreement_number: string
  head_name: string
  village: string
  term_end: string
  days_left: number
}

export interface PriorityResident {
  household_id: string
  resident_id: string
  name: string
  village: string
  age: number | null
  group_labels: string[]
}

export interface WorkList {
  today: string
  due_today: DueItem[]
  overdue: DueItem[]
  renewals: RenewalItem[]
  unsigned_priority: PriorityResident[]
}

export interface TeamMember { id: string; name: string; role: string; role_label: string; phone: string }
export interface Team { id: string; name: string; institution: string; village_clinic: string; members: TeamMember[] }

export interface ServiceItem { code: string; name: string; times_per_year: number | null; frequency: string }
export interface Package {
  code: string
  name: string
  paid: boolean
  groups: string[]
  price_yuan: number
  insurance_yuan: number
  public_health_yuan: number
  self_pay_yuan: number
  items: ServiceItem[]
}
export interface Catalog { version: string; packages: Package[] }

export interface SignMember { resident_id: string; package_codes: string[] }
export interface SignRequest {
  household_id: string
  team_id: string
  doctor_id: string
  representative_id: string
  members: SignMember[]
  /** PNG images as data URLs. */
  resident_signature: string
  doctor_signature: string
}

export interface SignOutcome { contract: ContractView }

export interface PrintOutcome { path: string; opened: boolean }

export interface VisitRequest {
  contract_id: string
  resident_id: string
  package_code: string
  item_code: string
  mode: VisitMode
  vitals: {
    systolic_mmhg: number | null
    diastolic_mmhg: number | null
    heart_rate_bpm: number | null
    fasting_glucose_mmol_l: number | null
    height_cm: number | null
    weight_kg: number | null
    waist_cm: number | null
  }
  notes: string
}
export interface VisitOutcome { visit_id: string; performed_at: string; next_due_on: string | null }

export interface MemberDue { resident_id: string; resident_name: string; contract_id: string; items: DueItem[] }

export interface SyncStatus { pending_changes: number; last_sync_at: string | null }
export interface SetupStatus { initialized: boolean; data_dir: string }

export interface ContractPreview {
  term_start: string
  term_end: string
  total_yuan: number
  insurance_yuan: number
  public_health_yuan: number
  self_pay_yuan: number
}
