// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A reference document version the device holds.
 */
export type ReferenceVersion = { kind: string, name: string, version: number, published_at: string, received_at: string, };
