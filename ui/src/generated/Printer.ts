// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type Printer = { name: string, is_default: boolean, };
