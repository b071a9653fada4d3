// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type TerminateOutcome = { event_id: string, effective_on: string, snapshot_sha256: string, };
