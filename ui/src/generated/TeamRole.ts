// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type TeamRole = "leader" | "family_doctor" | "nurse" | "public_health";
