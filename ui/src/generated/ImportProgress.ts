// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ImportStage } from "./ImportStage";

/**
 * Progress of an import, for a progress bar.
 */
export type ImportProgress = { stage: ImportStage, done: number, total: number, };
