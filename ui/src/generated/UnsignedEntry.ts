// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { PopulationGroup } from "./PopulationGroup";

export type UnsignedEntry = { resident_id: string, name: string, household_id: string, village_id: string, village: string, groups: Array<PopulationGroup>, };
