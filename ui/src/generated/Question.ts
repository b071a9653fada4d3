// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Choice } from "./Choice";

export type Question = { code: string, text: string, text_en: string, choices: Array<Choice>, };
