// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * One answer as the household page shows it.
 */
export type SurveyAnswerView = { question: string, question_text: string, choice: string, choice_label: string, };
