// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A vital a form may ask (the blood pressure is one, systolic and diastolic together).
 */
export type VitalSign = "blood_pressure" | "heart_rate" | "fasting_glucose" | "height" | "weight" | "waist";
