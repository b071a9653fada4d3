// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AnswerValue } from "./AnswerValue";

/**
 * The form answers stored with a visit, under the version of the forms they were given in.
 */
export type FormRecord = { version: string, answers: { [key in string]: AnswerValue }, };
