// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type Village = { id: string, 
/**
 * 12-digit administrative code of the village (统计用区划代码).
 */
code: string, name: string, township: string, };
