// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * One answer: yes/no, a number, a text, a date or a choice (by its code), or the choices of a
 * multi-choice field.
 */
export type AnswerValue = boolean | number | string | Array<string>;
