// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ChangedRecord } from "./ChangedRecord";

/**
 * One field of a household or of one of its members changed: who, when, from what to what.
 */
export type FieldChangeView = { record: ChangedRecord, record_id: string, 
/**
 * The member's name today; none for the household itself.
 */
member_name: string | null, 
/**
 * The field's key (`name`, `sex`, `birth_date`, `phone`, `id_number`, `relation`,
 * `groups`, `address`, `group`…): the screen says it in its own language.
 */
field: string, 
/**
 * As stored: text, a date, a code (`male`, `spouse`), codes joined by commas for groups,
 * `true`/`false`; a village or household by name. None when empty. The old value is what
 * the record held on this device when the change was applied.
 */
old_value: string | null, new_value: string | null, 
/**
 * No earlier change of this field is kept: the old value is the one registered.
 */
since_registration: boolean, 
/**
 * When the change was made, by the clock of the device that made it.
 */
at: string, 
/**
 * The doctor enrolled on that device, by name when a team lists them.
 */
doctor_name: string | null, doctor_id: string | null, 
/**
 * The short code of the device that made it (as in agreement numbers).
 */
device_code: string, this_device: boolean, 
/**
 * The value is the one the record holds now.
 */
in_force: boolean, 
/**
 * False for a change made elsewhere that arrived after a later one: kept, never applied.
 */
took_effect: boolean, };
