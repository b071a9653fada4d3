// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { VisitForm } from "./VisitForm";

/**
 * The set of forms of one version.
 */
export type FormSet = { version: string, forms: Array<VisitForm>, };
