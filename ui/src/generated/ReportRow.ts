// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { IndicatorFigure } from "./IndicatorFigure";
import type { Level } from "./Level";

export type ReportRow = { level: Level, 
/**
 * The village, team or doctor; none for the township and for the unassigned row.
 */
id: string | null, code: string, name: string, figures: Array<IndicatorFigure>, 
/**
 * Services delivered in the period (visits of any kind and mode): at the doctor level by
 * the team member who served, nurses and public-health workers included.
 */
services: number, };
