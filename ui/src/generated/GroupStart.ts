// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AmendmentSigning } from "./AmendmentSigning";
import type { PopulationGroup } from "./PopulationGroup";

/**
 * A group that starts for a resident: a diagnosis, a pregnancy, a registration.
 */
export type GroupStart = { resident_id: string, group: PopulationGroup, 
/**
 * Date of diagnosis, treatment start, registration, or the last menstrual period.
 */
since: string | null, 
/**
 * For a pregnancy known by its expected delivery date instead of the last period.
 */
expected_delivery: string | null, 
/**
 * For tuberculosis and the like: `since` is the start of treatment, not the diagnosis.
 */
treatment_started: boolean, 
/**
 * When the group brings packages the resident's contract does not hold yet, the
 * household signs an amendment now (or later, from the contract's page).
 */
amend: AmendmentSigning | null, };
