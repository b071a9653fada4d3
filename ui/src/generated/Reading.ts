// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A blood pressure or glucose reading of a visit, for the trend beside the form.
 */
export type Reading = { on: string, occurred_at: string, systolic_mmhg: number | null, diastolic_mmhg: number | null, fasting_glucose_mmol_l: number | null, };
