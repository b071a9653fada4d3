// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Vitals measured at a visit. Every field is optional; the ones given are range-checked.
 */
export type Vitals = { systolic_mmhg: number | null, diastolic_mmhg: number | null, heart_rate_bpm: number | null, fasting_glucose_mmol_l: number | null, height_cm: number | null, weight_kg: number | null, waist_cm: number | null, };
