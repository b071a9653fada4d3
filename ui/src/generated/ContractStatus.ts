// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type ContractStatus = "not_started" | "active" | "renewed" | "terminated" | "expired";
