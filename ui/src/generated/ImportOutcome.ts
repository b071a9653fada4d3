// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ImportPreview } from "./ImportPreview";

export type ImportOutcome = { imported: boolean, households: number, residents: number, skipped_households: number, 
/**
 * Members left out of the file's people (their own errors, or their household's).
 */
skipped_residents: number, preview: ImportPreview, };
