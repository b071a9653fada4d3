// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ImportPreview } from "./ImportPreview";

export type ImportOutcome = { imported: boolean, households: number, residents: number, skipped_households: number, preview: ImportPreview, };
