// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type MemberChoice = { resident_id: string, 
/**
 * Paid packages chosen for this member; basic packages follow from the groups.
 */
paid_packages: Array<string>, };
