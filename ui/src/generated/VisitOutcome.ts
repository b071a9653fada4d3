// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { NextDue } from "./NextDue";

export type VisitOutcome = { visit_id: string, recorded_at: string, bmi: number | null, bp_on_target: boolean | null, glucose_on_target: boolean | null, 
/**
 * When the same item is owed next, if it is owed again in the term.
 */
next_due: NextDue | null, };
