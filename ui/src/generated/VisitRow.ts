// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { VisitKind } from "./VisitKind";
import type { VisitMode } from "./VisitMode";

/**
 * A visit as the household page lists it, with who served and how.
 */
export type VisitRow = { visit_id: string, resident_id: string, resident_name: string, kind: VisitKind, kind_label: string, mode: VisitMode, mode_label: string, occurred_at: string, 
/**
 * Who served: none on visits recorded before it was asked (they count for the contract's
 * doctor of the day).
 */
served_by: string | null, 
/**
 * Their name and role as this device's teams give them; empty when not known here.
 */
served_by_name: string, served_by_role: string, 
/**
 * The record sheet's answers in one line (label：answer；…); empty when it had none.
 */
form_summary: string, };
