// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ServingMember } from "./ServingMember";

/**
 * The team answering for a resident on a day, whose members may be named as having served.
 */
export type VisitTeam = { team_id: string | null, team_name: string, members: Array<ServingMember>, 
/**
 * The enrolled doctor when in the team, else the contract's doctor of the day.
 */
default_member: string | null, };
