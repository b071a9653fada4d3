// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * One subject counted in a figure.
 */
export type DrillDownRow = { 
/**
 * In the numerator (signed, delivered, managed to standard, on target, checked).
 */
counted: boolean, resident_id: string | null, household_id: string | null, 
/**
 * The resident, or the household's head for household figures.
 */
name: string, village: string, agreement_number: string | null, doctor: string | null, item_code: string | null, item_name: string | null, occurrence: number | null, due_by: string | null, };
