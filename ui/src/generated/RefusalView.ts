// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A refused change as the doctor reads it.
 */
export type RefusalView = { id: number, seq: number, entity: string, 
/**
 * The kind of record in the user's language (居民, 家庭, 签约协议…).
 */
entity_label: string, entity_id: string, 
/**
 * The resident's name, the household's head and address, the agreement number.
 */
record_name: string | null, village_name: string | null, code: string, 
/**
 * Why, in the user's language.
 */
message: string, refused_at: string, read: boolean, settled: boolean, };
