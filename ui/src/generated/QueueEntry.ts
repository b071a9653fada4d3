// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Document } from "./Document";

/**
 * One queued document as the queue screen lists it.
 */
export type QueueEntry = { id: string, document: Document, contract_id: string, agreement_number: string, household_head: string, village: string, queued_at: string, printed_at: string | null, };
