// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Relation of a member to the head of the household (与户主关系).
 */
export type Relation = "head" | "spouse" | "child" | "child_in_law" | "grandchild" | "parent" | "parent_in_law" | "grandparent" | "sibling" | "other";
