// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { SurveyAnswer } from "./SurveyAnswer";

export type SurveyRequest = { household_id: string, 
/**
 * The household member who answered.
 */
answered_by: string, 
/**
 * The team member who asked; the visit form's default when not given.
 */
asked_by: string | null, 
/**
 * The survey day; today when not given.
 */
surveyed_on: string | null, 
/**
 * The version of the questionnaire the answers were given under.
 */
questionnaire_version: string, answers: Array<SurveyAnswer>, };
