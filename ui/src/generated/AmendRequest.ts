// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AmendmentKind } from "./AmendmentKind";
import type { AmendmentSigning } from "./AmendmentSigning";

/**
 * A change to a contract written by hand: extending it to a member, ending one member's
 * coverage on request, or adding what a new group brings.
 */
export type AmendRequest = { contract_id: string, kind: AmendmentKind, effective_on: string | null, signing: AmendmentSigning, };
