// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Level } from "./Level";

/**
 * One page of the people behind a figure, for the screen.
 */
export type DrillDownPageRequest = { 
/**
 * Rows skipped (after the filter), for the next pages.
 */
offset: number, 
/**
 * Rows wanted; [`DRILL_DOWN_PAGE`] when none, at most [`DRILL_DOWN_PAGE_MAX`].
 */
limit: number | null, 
/**
 * Only those counted in the numerator (true) or only those still missing (false).
 */
counted: boolean | null, 
/**
 * The indicator's code, e.g. `signing`, `signing.elderly_65`, `fulfilment`.
 */
indicator: string, 
/**
 * The row (village, team or doctor id) at the request's level; none for the whole
 * township.
 */
unit: string | null, 
/**
 * The row of residents no team or doctor answers for (with `unit` none).
 */
unassigned: boolean, 
/**
 * `2026`, `2026-11`, `2026-Q4` or `2026-01-01..2026-06-30`; this month when empty.
 */
period: string | null, level: Level | null, 
/**
 * The day the report is made (today when empty): figures never look past it.
 */
reference: string | null, };
