// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type ItemTerms = { code: string, name: string, name_en: string, times_per_year: number, content: string, };
