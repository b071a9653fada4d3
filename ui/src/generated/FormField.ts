// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Derivation } from "./Derivation";
import type { FieldOption } from "./FieldOption";
import type { FieldType } from "./FieldType";

export type FormField = { code: string, label: string, label_en: string, type: FieldType, required: boolean, 
/**
 * Choices of a choice or multi-choice field.
 */
options: Array<FieldOption>, 
/**
 * Range and unit of a number field.
 */
min: number | null, max: number | null, unit: string, 
/**
 * Longest text answer; [`TEXT_MAX_CHARS`] when not given.
 */
max_chars: number | null, 
/**
 * A date that must fall after the visit day (the next visit).
 */
after_visit: boolean, 
/**
 * Pre-filled from the last visit of the same kind.
 */
carry_over: boolean, derive: Derivation | null, };
