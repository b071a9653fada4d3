// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { VisitKind } from "./VisitKind";

/**
 * Which visit the form is for: a service item owed to the resident, or a kind of visit.
 */
export type VisitFormQuery = { resident_id: string, item_code: string | null, kind: VisitKind | null, };
