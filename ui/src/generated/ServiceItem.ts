// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { VisitKind } from "./VisitKind";

export type ServiceItem = { code: string, name: string, name_en: string, 
/**
 * How many times a year it is owed; 0 means "on need", never scheduled.
 */
times_per_year: number, 
/**
 * The kind of visit that fulfils it.
 */
visit_kind: VisitKind, content: string, };
