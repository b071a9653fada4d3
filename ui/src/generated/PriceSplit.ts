// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type PriceSplit = { insurance_fen: number, public_health_fen: number, self_pay_fen: number, };
