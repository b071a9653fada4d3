// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DrillDownRow } from "./DrillDownRow";
import type { IndicatorFigure } from "./IndicatorFigure";
import type { Period } from "./Period";

export type DrillDownView = { period: Period, as_of: string, figure: IndicatorFigure, rows: Array<DrillDownRow>, };
