// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { JoinReason } from "./JoinReason";
import type { LeaveReason } from "./LeaveReason";

export type MembershipChange = { "kind": "joined", reason: JoinReason, } | { "kind": "left", reason: LeaveReason, };
