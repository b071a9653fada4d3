// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Relation } from "./Relation";

export type SplitMember = { resident_id: string, relation: Relation, };
