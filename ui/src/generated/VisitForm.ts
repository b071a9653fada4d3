// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { FormField } from "./FormField";
import type { VisitKind } from "./VisitKind";
import type { VitalSign } from "./VitalSign";

/**
 * The form of one kind of visit.
 */
export type VisitForm = { kind: VisitKind, title: string, title_en: string, 
/**
 * The vitals the form asks, in order; none for a health education.
 */
vitals: Array<VitalSign>, fields: Array<FormField>, };
