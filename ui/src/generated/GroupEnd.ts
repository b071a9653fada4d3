// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { PopulationGroup } from "./PopulationGroup";

/**
 * A group that ends: recovery, a poverty registration ended, a delivery (pregnancy only).
 */
export type GroupEnd = { resident_id: string, group: PopulationGroup, 
/**
 * The last day in force (the day before a delivery for a pregnancy: use `delivered`).
 */
on: string | null, 
/**
 * A pregnancy that ended in a delivery on this day: she enters the postpartum group.
 */
delivered: string | null, };
