// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What the doctor is shown: "有新版本 0.2.0 可以安装".
 */
export type UpdateOfferView = { version: string, notes: string, 
/**
 * Bytes to download.
 */
size: number, 
/**
 * When the township hosted it (RFC 3339).
 */
pub_date: string, };
