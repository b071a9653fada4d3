// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * One subject counted in a figure.
 */
export type DrillDownRow = { 
/**
 * In the numerator (signed, delivered, managed to standard, on target, checked).
 */
counted: boolean, residentId: string | null, householdId: string | null, 
/**
 * The resident, or the household's head for household figures.
 */
name: string, village: string, agreementNumber: string | null, doctor: string | null, itemCode: string | null, itemName: string | null, occurrence: number | null, dueBy: string | null, };
