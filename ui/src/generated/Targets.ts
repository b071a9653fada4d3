// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * The township's targets, as fractions (0.9 = 90%). None: no target for that figure.
 * Defaults are those of the county plans (DOMAIN.md).
 */
export type Targets = { signing: number | null, households: number | null, 
/**
 * Each key group, and the key groups together (chronic ones excepted).
 */
keyGroups: number | null, 
/**
 * Hypertension, type 2 diabetes, and both together.
 */
keyChronic: number | null, specialGroups: number | null, povertyRegistered: number | null, familyPlanningSpecial: number | null, fulfilment: number | null, standardManagement: number | null, control: number | null, elderlyHealthManagement: number | null, };
