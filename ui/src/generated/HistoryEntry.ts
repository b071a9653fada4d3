// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Amendment } from "./Amendment";
import type { AutoRenewal } from "./AutoRenewal";
import type { ContractEventKind } from "./ContractEventKind";

/**
 * Something that happened to a contract, for its timeline.
 */
export type HistoryEntry = { "type": "signed", on: string, at: string, agreement_number: string, snapshot_sha256: string, } | { "type": "event", id: string, at: string, kind: ContractEventKind, } | { "type": "amendment", amendment: Amendment, resident_name: string, } | { "type": "renewed", renewal: AutoRenewal, };
