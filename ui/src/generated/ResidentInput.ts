// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Relation } from "./Relation";
import type { Sex } from "./Sex";

/**
 * A member as typed on the registration form: every field is raw text, checked by
 * [`ResidentInput::validate`].
 */
export type ResidentInput = { name: string, id_number: string | null, sex: Sex | null, birth_date: string | null, phone: string | null, relation: Relation | null, groups: Array<string>, };
