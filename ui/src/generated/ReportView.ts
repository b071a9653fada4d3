// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Level } from "./Level";
import type { Period } from "./Period";
import type { ReportRow } from "./ReportRow";
import type { Targets } from "./Targets";

export type ReportView = { township: string, period: Period, period_label: string, as_of: string, level: Level, rows: Array<ReportRow>, total: ReportRow, targets: Targets, };
