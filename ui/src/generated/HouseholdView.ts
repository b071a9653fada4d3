// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ContractSummary } from "./ContractSummary";
import type { MemberView } from "./MemberView";

export type HouseholdView = { id: string, village_id: string, village: string, group: string, address: string, 
/**
 * The head's health-record number (健康档案编号); empty when the head has none.
 */
record_number: string, members: Array<MemberView>, contracts: Array<ContractSummary>, };
