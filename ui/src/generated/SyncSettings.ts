// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { VillageRef } from "./VillageRef";

/**
 * The device's enrollment, without the token.
 */
export type SyncSettings = { device_id: string, 
/**
 * The device's 登记码 (`K7PQ-M3XZ`): what is read out to the health center.
 */
device_code: string, enrolled: boolean, server_url: string | null, doctor_id: string | null, team_id: string | null, villages: Array<VillageRef>, enrolled_at: string | null, };
