// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Level } from "./Level";

/**
 * What to report on. Every field may be left out: this month, the township, today.
 */
export type ReportRequest = { 
/**
 * `2026`, `2026-11`, `2026-Q4` or `2026-01-01..2026-06-30`; this month when empty.
 */
period: string | null, level: Level | null, 
/**
 * The day the report is made (today when empty): figures never look past it.
 */
reference: string | null, };
