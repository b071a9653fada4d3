// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type Document = "agreement" | "termination" | "contact_card" | "renewal_notice";
