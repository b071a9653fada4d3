// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What the start date of a period is.
 */
export type PeriodBasis = "diagnosed" | "treatment_started" | "last_menstrual_period" | "expected_delivery" | "delivery" | "registered";
