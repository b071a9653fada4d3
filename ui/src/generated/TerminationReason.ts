// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Why a contract ends early (解约原因).
 */
export type TerminationReason = "moved_out" | "unreachable_for_a_year" | "refused_service_for_a_year" | "on_request" | "death" | "other";
