// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type MemberLeaveOutcome = { 
/**
 * Coverage ended by an amendment (one per contract that covered them).
 */
amendment_ids: Array<string>, };
