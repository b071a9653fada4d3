// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { TermPolicy } from "./TermPolicy";

export type Term = { start: string, 
/**
 * Last day covered (inclusive).
 */
end: string, policy: TermPolicy, 
/**
 * The term renews by itself at its end unless terminated (视为自动续约).
 */
auto_renew: boolean, };
