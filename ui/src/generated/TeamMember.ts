// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { TeamRole } from "./TeamRole";

export type TeamMember = { id: string, name: string, role: TeamRole, phone: string, };
