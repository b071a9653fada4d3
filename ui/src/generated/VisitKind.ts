// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type VisitKind = "hypertension_follow_up" | "diabetes_follow_up" | "mental_follow_up" | "tuberculosis_visit" | "health_check" | "health_assessment" | "tcm_assessment" | "antenatal_visit" | "postpartum_visit" | "postpartum_42_day" | "newborn_visit" | "child_check" | "health_education" | "home_visit" | "referral" | "consultation" | "monitoring" | "rehabilitation";
