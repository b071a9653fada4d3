// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { CoveredToday } from "./CoveredToday";
import type { HistoryEntry } from "./HistoryEntry";

export type ContractHistory = { contract_id: string, agreement_number: string, 
/**
 * Oldest first: the signing, then what followed, by the day it took effect.
 */
entries: Array<HistoryEntry>, 
/**
 * Who is covered today and with which packages.
 */
covered_today: Array<CoveredToday>, };
