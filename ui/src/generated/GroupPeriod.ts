// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { PeriodBasis } from "./PeriodBasis";
import type { PopulationGroup } from "./PopulationGroup";

/**
 * One recorded group over a span of days. A synced record: written once, then only `end`
 * (and `end_noted_on`) is ever set, by a later write.
 */
export type GroupPeriod = { id: string, resident_id: string, group: PopulationGroup, basis: PeriodBasis, start: string, 
/**
 * Last day in force (inclusive); `None` while it lasts.
 */
end: string | null, hlc: string, };
