// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { LeaveKind } from "./LeaveKind";
import type { Relation } from "./Relation";

export type MemberLeave = { resident_id: string, reason: LeaveKind, on: string, 
/**
 * Where to, for a move out of the area.
 */
destination: string | null, 
/**
 * The household joined, for a move within the register.
 */
to_household_id: string | null, 
/**
 * The relation to the head of the household joined.
 */
relation: Relation | null, };
