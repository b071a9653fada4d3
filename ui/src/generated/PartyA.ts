// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { TeamMemberContact } from "./TeamMemberContact";

/**
 * Party A (甲方): the health center / village clinic and its family-doctor team.
 */
export type PartyA = { institution: string, village_clinic: string, team_name: string, leader: TeamMemberContact, family_doctor: TeamMemberContact, nurse: TeamMemberContact | null, public_health_worker: TeamMemberContact | null, service_hotline: string, complaint_phone: string, service_hours: string, };
