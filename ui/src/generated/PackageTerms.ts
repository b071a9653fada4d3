// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ItemTerms } from "./ItemTerms";
import type { PackageKind } from "./PackageKind";
import type { PriceSplit } from "./PriceSplit";

export type PackageTerms = { code: string, name: string, name_en: string, kind: PackageKind, tier: number | null, description: string, 
/**
 * Price for one covered member, in fen.
 */
price: PriceSplit, 
/**
 * Items including those of lower tiers on the same line.
 */
items: Array<ItemTerms>, };
