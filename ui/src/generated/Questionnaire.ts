// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Question } from "./Question";

export type Questionnaire = { version: string, title: string, title_en: string, questions: Array<Question>, };
