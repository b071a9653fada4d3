// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * The township's targets, as fractions (0.9 = 90%). None: no target for that figure.
 * Defaults are those of the county plans (DOMAIN.md).
 */
export type Targets = { signing: number | null, households: number | null, 
/**
 * Each key group, and the key groups together (chronic ones excepted).
 */
key_groups: number | null, 
/**
 * Hypertension, type 2 diabetes, and both together.
 */
key_chronic: number | null, special_groups: number | null, poverty_registered: number | null, family_planning_special: number | null, fulfilment: number | null, standard_management: number | null, control: number | null, elderly_health_management: number | null, renewal: number | null, contracts_served: number | null, };
