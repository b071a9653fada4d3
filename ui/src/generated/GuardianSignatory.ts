// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A guardian signing for the household: a name, the relation stated (e.g. 祖母, 村委会指定),
 * and an ID number when they have one.
 */
export type GuardianSignatory = { name: string, relation: string, id_number: string | null, };
