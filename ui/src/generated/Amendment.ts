// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AmendmentKind } from "./AmendmentKind";

/**
 * An amendment as stored and synced: written once, never edited.
 */
export type Amendment = { id: string, contract_id: string, effective_on: string, kind: AmendmentKind, 
/**
 * When it was recorded (for display; order follows `hlc`).
 */
recorded_at: string, hlc: string, 
/**
 * The household signed the amendment (its signature is bound by the snapshot's hash).
 */
household_signed: boolean, snapshot_sha256: string, };
