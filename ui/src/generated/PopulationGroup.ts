// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Population groups (人群分类). Age groups are derived from the birth date; the others are
 * recorded by the doctor.
 * Serialised as [`PopulationGroup::code`]; the TypeScript names below spell the same codes.
 */
export type PopulationGroup = "elderly_65" | "child_0_to_6" | "pregnant" | "postpartum" | "hypertension" | "diabetes" | "severe_mental" | "tuberculosis" | "disabled" | "poverty_registered" | "low_income" | "family_planning_special" | "living_alone" | "bedridden";
