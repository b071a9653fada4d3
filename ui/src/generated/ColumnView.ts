// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Field } from "./Field";

export type ColumnView = { 
/**
 * 0-based position.
 */
index: number, 
/**
 * Excel's letter (A, B, … AA).
 */
letter: string, header: string, field: Field | null, field_label: string | null, 
/**
 * Chosen by an override rather than guessed.
 */
overridden: boolean, };
