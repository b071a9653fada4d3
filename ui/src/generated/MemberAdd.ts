// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AmendmentSigning } from "./AmendmentSigning";
import type { JoinKind } from "./JoinKind";
import type { ResidentInput } from "./ResidentInput";

export type MemberAdd = { household_id: string, member: ResidentInput, reason: JoinKind, 
/**
 * The day they joined (the birth date for a newborn when not given).
 */
on: string | null, 
/**
 * For a birth: the mother, a member of the household.
 */
mother_id: string | null, 
/**
 * Where they came from (moved in).
 */
from: string | null, 
/**
 * Extend the household's contract to the new member now (the household signs).
 */
extend: AmendmentSigning | null, };
