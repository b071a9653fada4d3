// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { SurveyAnswerView } from "./SurveyAnswerView";

/**
 * A survey as the household page lists it.
 */
export type SurveyRow = { survey_id: string, surveyed_on: string, 
/**
 * The contract year it belongs to: the first day of the term in force.
 */
contract_year_start: string, agreement_number: string, answered_by: string, answered_by_name: string, asked_by: string, asked_by_name: string, questionnaire_version: string, points: number, max_points: number, 
/**
 * The score on 0–100.
 */
score: number, answers: Array<SurveyAnswerView>, recorded_at: string, };
