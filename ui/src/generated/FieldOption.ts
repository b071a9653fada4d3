// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type FieldOption = { code: string, label: string, label_en: string, };
