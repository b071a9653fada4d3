// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { MembershipChange } from "./MembershipChange";

export type MembershipEvent = { id: string, resident_id: string, 
/**
 * The household joined or left.
 */
household_id: string, effective_on: string, change: MembershipChange, hlc: string, };
