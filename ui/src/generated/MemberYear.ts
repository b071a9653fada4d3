// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { GroupPeriod } from "./GroupPeriod";
import type { LeftView } from "./LeftView";
import type { MembershipEvent } from "./MembershipEvent";

/**
 * One member of a household over the year.
 */
export type MemberYear = { resident_id: string, name: string, 
/**
 * A member of the household today.
 */
member: boolean, left: LeftView | null, periods: Array<GroupPeriod>, events: Array<MembershipEvent>, };
