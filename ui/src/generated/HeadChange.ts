// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { SplitMember } from "./SplitMember";

/**
 * A new head of household (户主变更) and everyone's relation to them.
 */
export type HeadChange = { household_id: string, new_head_id: string, 
/**
 * The relation of each other member to the new head.
 */
relations: Array<SplitMember>, };
