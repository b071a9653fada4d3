// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { VaultState } from "./VaultState";

export type VaultStatus = { state: VaultState, 
/**
 * While wrong guesses keep the device locked.
 */
locked_until: string | null, attempts_left: number, min_passphrase_chars: number, idle_lock_minutes: number, 
/**
 * Whether the data key is sealed to the township's recovery key, so a forgotten
 * passphrase can be recovered at the health center.
 */
recovery_ready: boolean, };
