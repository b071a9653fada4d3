// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AnswerValue } from "./AnswerValue";
import type { VisitKind } from "./VisitKind";
import type { VisitMode } from "./VisitMode";
import type { Vitals } from "./Vitals";

export type VisitRequest = { resident_id: string, 
/**
 * The service item fulfilled; the contract in force that owes it is found.
 */
item_code: string | null, 
/**
 * Needed when no item is given; otherwise the item's own kind.
 */
kind: VisitKind | null, mode: VisitMode, 
/**
 * When the service happened, if not now (e.g. entered at the end of a home visit).
 */
occurred_at: string | null, vitals: Vitals, notes: string, 
/**
 * The team member who served; the default of [`Api::visit_team`] when none is given.
 */
served_by: string | null, 
/**
 * The answers of the record sheet of the visit's kind ([`Api::visit_form`]), by field
 * code; none for a kind without a form.
 */
answers: { [key in string]: AnswerValue }, };
