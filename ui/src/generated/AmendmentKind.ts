// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { CoverageEndReason } from "./CoverageEndReason";
import type { PopulationGroup } from "./PopulationGroup";

export type AmendmentKind = { "type": "member_added", resident_id: string, package_codes: Array<string>, } | { "type": "coverage_ended", resident_id: string, reason: CoverageEndReason, } | { "type": "obligation_added", resident_id: string, group: PopulationGroup | null, package_codes: Array<string>, };
