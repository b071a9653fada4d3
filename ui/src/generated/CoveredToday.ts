// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type CoveredToday = { resident_id: string, name: string, package_codes: Array<string>, since: string, };
