// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { TeamMember } from "./TeamMember";

export type Team = { id: string, name: string, institution: string, village_clinic: string, villages: Array<string>, members: Array<TeamMember>, service_hotline: string, complaint_phone: string, service_hours: string, };
