// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * One printed contact card, for the household's history of cards.
 */
export type CardPrint = { id: string, printed_at: string, reprint: boolean, team_id: string | null, team_name: string, doctor_id: string | null, doctor_name: string, 
/**
 * The later card that replaced this one (another doctor or team), if any.
 */
superseded_by: string | null, };
