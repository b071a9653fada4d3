// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { TeamRole } from "./TeamRole";

/**
 * A member of the team answering for a resident, as the visit form lists them.
 */
export type ServingMember = { id: string, name: string, role: TeamRole, 
/**
 * The role in the user's language.
 */
role_label: string, };
