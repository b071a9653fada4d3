// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * One answer: the choice taken for a question (by their codes).
 */
export type SurveyAnswer = { question: string, choice: string, };
