// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { VaultState } from "./VaultState";

export type VaultStatus = { state: VaultState, 
/**
 * While wrong guesses keep the device locked.
 */
lockedUntil: string | null, attemptsLeft: number, minPassphraseChars: number, idleLockMinutes: number, };
