// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { LeaveReason } from "./LeaveReason";

export type LeftView = { on: string, reason: LeaveReason, };
