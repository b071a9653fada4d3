// Shapes exchanged with the backend, as serde writes the Rust types of jiayi-api, jiayi-core and
// jiayi-store (snake_case fields, snake_case enum values). Dates are `YYYY-MM-DD`, instants
// RFC 3339, money in fen (1/100 yuan).

export type Uuid = string
export type Sex = 'male' | 'female'
export type Relation =
  | 'head' | 'spouse' | 'child' | 'child_in_law' | 'grandchild' | 'parent' | 'parent_in_law' | 'grandparent' | 'sibling' | 'other'

export const RELATIONS: Relation[] = [
  'head', 'spouse', 'child', 'child_in_law', 'grandchild', 'parent', 'parent_in_law', 'grandparent', 'sibling', 'other',
]

/** Groups the doctor records; the age groups (elderly_65, child_0_to_6) follow from the birth date. */
export const RECORDED_GROUPS = [
  'pregnant', 'postpartum', 'hypertension', 'diabetes', 'severe_mental', 'tuberculosis',
  'disabled', 'poverty_registered', 'low_income', 'family_planning_special', 'living_alone', 'bedridden',
] as const
export type PopulationGroup = (typeof RECORDED_GROUPS)[number] | 'elderly_65' | 'child_0_to_6'

export type VisitMode = 'clinic' | 'home' | 'phone'
export type TerminationReason = 'moved_out' | 'unreachable_for_a_year' | 'refused_service_for_a_year' | 'on_request' | 'death' | 'other'
export const TERMINATION_REASONS: TerminationReason[] = [
  'moved_out', 'unreachable_for_a_year', 'refused_service_for_a_year', 'on_request', 'death', 'other',
]
export type ContractStatus = 'not_started' | 'active' | 'awaiting_renewal' | 'renewed' | 'terminated'
export type TeamRole = 'leader' | 'family_doctor' | 'nurse' | 'public_health'
export type PackageKind = 'basic' | 'paid'

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

export interface RegisterRequest extends HouseholdInput {
  confirm_duplicates: boolean
}

export interface DuplicateMatch {
  member_index: number
  reason: 'same_id_number' | 'same_name_and_birth_date'
  resident_id: Uuid
  name: string
  household_id: Uuid
  village: string
}

export interface RegisterOutcome {
  saved: boolean
  household_id: Uuid | null
  resident_ids: Uuid[]
  duplicates: DuplicateMatch[]
}

export interface Village { id: Uuid; code: string; name: string; township: string }

export interface TeamMember { id: Uuid; name: string; role: TeamRole; phone: string }
export interface Team {
  id: Uuid
  name: string
  institution: string
  village_clinic: string
  villages: Uuid[]
  members: TeamMember[]
  service_hotline: string
  complaint_phone: string
  service_hours: string
}

export interface PriceSplit { insurance_fen: number; public_health_fen: number; self_pay_fen: number }
export interface ServiceItem { code: string; name: string; name_en: string; times_per_year: number; visit_kind: string; content: string }
export interface Package {
  code: string
  name: string
  name_en: string
  kind: PackageKind
  groups: PopulationGroup[]
  line: string | null
  tier: number | null
  description: string
  price: PriceSplit
  item: ServiceItem[]
}
export interface Catalog { version: string; region: string; package: Package[] }

export interface Term { start: string; end: string; policy: string; auto_renew: boolean }

export interface ContractSummary {
  id: Uuid
  agreement_number: string
  term: Term
  status: ContractStatus
  in_force: boolean
  doctor_id: Uuid
  member_ids: Uuid[]
  verification_code: string
}

export interface MemberView {
  id: Uuid
  name: string
  relation: Relation
  sex: Sex
  birth_date: string | null
  age: number | null
  id_number: string | null
  id_number_missing: boolean
  phone: string | null
  groups: PopulationGroup[]
  covered_by: string | null
}

export interface HouseholdView {
  id: Uuid
  village_id: Uuid
  village: string
  group: string
  address: string
  record_number: string
  members: MemberView[]
  contracts: ContractSummary[]
}

export interface ResidentHit {
  id: Uuid
  name: string
  sex: string
  birth_date: string | null
  id_number: string | null
  phone: string | null
  household_id: Uuid
  village: string
  address: string
}

export interface DueEntry {
  contract_id: Uuid
  resident_id: Uuid
  package_code: string
  item_code: string
  status: 'due' | 'overdue'
  occurrence: number
  times_per_year: number
  delivered: number
  missed: number
  opens_on: string
  due_by: string
  resident_name: string
  household_id: Uuid
  village: string
  package_name: string
  item_name: string
}

export interface RenewalEntry {
  contract_id: Uuid
  agreement_number: string
  household_id: Uuid
  representative: string
  village: string
  term_end: string
}

export interface UnsignedEntry {
  resident_id: Uuid
  name: string
  household_id: Uuid
  village: string
  groups: PopulationGroup[]
}

export interface WorkList {
  day: string
  overdue_count: number
  due_count: number
  due: DueEntry[]
  renewals: RenewalEntry[]
  unsigned_priority_count: number
  unsigned_priority: UnsignedEntry[]
}

export interface MemberChoice { resident_id: Uuid; paid_packages: string[] }
export interface SignRequest {
  household_id: Uuid
  representative_id: Uuid | null
  members: MemberChoice[]
  team_id: Uuid | null
  doctor_id: Uuid | null
  signed_on?: string | null
  /** PNG images, base64 or data URLs. */
  resident_signature_png: string | null
  doctor_signature_png: string | null
}

export interface SignOutcome {
  contract_id: Uuid
  agreement_number: string
  term: Term
  snapshot_sha256: string
  verification_code: string
}

export interface TeamMemberContact { id: Uuid; name: string; phone: string }
export interface PartyA {
  institution: string
  village_clinic: string
  team_name: string
  leader: TeamMemberContact
  family_doctor: TeamMemberContact
  nurse: TeamMemberContact | null
  public_health_worker: TeamMemberContact | null
  service_hotline: string
  complaint_phone: string
  service_hours: string
}
export interface PartyB {
  household_id: Uuid
  representative_name: string
  representative_id_number: string | null
  representative_relation: Relation
  head_name: string
  village: string
  group: string
  address: string
  phone: string | null
}
export interface CoveredMember {
  resident_id: Uuid
  name: string
  sex: Sex
  birth_date: string | null
  age: number | null
  id_number: string | null
  relation: Relation
  groups: PopulationGroup[]
  package_codes: string[]
}
export interface ItemTerms { code: string; name: string; name_en: string; times_per_year: number; content: string }
export interface PackageTerms {
  code: string
  name: string
  name_en: string
  kind: PackageKind
  tier: number | null
  description: string
  price: PriceSplit
  items: ItemTerms[]
}
export interface AgreementSnapshot {
  contract_id: Uuid
  agreement_number: string
  health_record_number: string
  party_a: PartyA
  party_b: PartyB
  members: CoveredMember[]
  packages: PackageTerms[]
  term: Term
  signed_on: string
  catalog_version: string
}

export interface Vitals {
  systolic_mmhg: number | null
  diastolic_mmhg: number | null
  heart_rate_bpm: number | null
  fasting_glucose_mmol_l: number | null
  height_cm: number | null
  weight_kg: number | null
  waist_cm: number | null
}

export interface VisitRequest {
  resident_id: Uuid
  item_code: string | null
  mode: VisitMode
  vitals: Vitals
  notes: string
}

export interface NextDue { item_code: string; occurrence: number; opens_on: string; due_by: string }
export interface VisitOutcome {
  visit_id: Uuid
  recorded_at: string
  bmi: number | null
  bp_on_target: boolean | null
  glucose_on_target: boolean | null
  next_due: NextDue | null
}

export interface ChangeDoctorRequest { contract_id: Uuid; doctor_id: Uuid; note: string }
export interface TerminateRequest {
  contract_id: Uuid
  reason: TerminationReason
  note: string
  resident_confirmed: boolean
  doctor_confirmed: boolean
  resident_signature_png: string | null
  doctor_signature_png: string | null
}
export interface TerminateOutcome { event_id: Uuid; effective_on: string; snapshot_sha256: string }

export interface StatusView {
  device_id: Uuid
  pending_changes: number
  last_sync: string | null
  catalog_version: string
  households: number
  residents: number
  contracts: number
  visits: number
  township: string
}

export interface SetupStatus { initialized: boolean; data_dir: string }
export interface PrintOutcome { path: string; opened: boolean }
