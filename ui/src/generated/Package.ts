// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { PackageKind } from "./PackageKind";
import type { PopulationGroup } from "./PopulationGroup";
import type { PriceSplit } from "./PriceSplit";
import type { ServiceItem } from "./ServiceItem";

export type Package = { code: string, name: string, name_en: string, kind: PackageKind, 
/**
 * Basic packages: the groups they are for; empty means every resident.
 * Paid packages: the groups they are meant for (advice shown at signing, not a rule).
 */
groups: Array<PopulationGroup>, 
/**
 * Paid packages on the same line form tiers; tier 1 is the lowest.
 */
line: string | null, tier: number | null, description: string, 
/**
 * Price split in fen (1/100 yuan): what insurance, public-health funds and the resident pay.
 */
price: PriceSplit, item: Array<ServiceItem>, };
