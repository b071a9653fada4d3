// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AnswerValue } from "./AnswerValue";
import type { Reading } from "./Reading";
import type { VisitForm } from "./VisitForm";
import type { VisitKind } from "./VisitKind";

export type VisitFormView = { kind: VisitKind, kind_label: string, 
/**
 * The version of the forms the answers are given in.
 */
version: string, 
/**
 * The form of the kind; none for a kind without one (every vital asked, no fields).
 */
form: VisitForm | null, 
/**
 * Answers of the last visit of this kind that carry over, to pre-fill.
 */
prefill: { [key in string]: AnswerValue }, 
/**
 * When that visit was.
 */
prefill_from: string | null, 
/**
 * Blood pressure and glucose readings of the last twelve months, oldest first.
 */
readings: Array<Reading>, };
