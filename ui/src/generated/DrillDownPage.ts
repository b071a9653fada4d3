// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DrillDownRow } from "./DrillDownRow";
import type { IndicatorFigure } from "./IndicatorFigure";
import type { Period } from "./Period";

export type DrillDownPage = { period: Period, as_of: string, 
/**
 * The figure in full: numerator and denominator count every row, not just this page.
 */
figure: IndicatorFigure, 
/**
 * Rows that pass the filter, all pages together.
 */
matching: number, offset: number, rows: Array<DrillDownRow>, };
