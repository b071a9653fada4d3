// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { AmendmentKind } from "./AmendmentKind";
import type { CoveredMember } from "./CoveredMember";
import type { PackageTerms } from "./PackageTerms";
import type { Term } from "./Term";

/**
 * The frozen content of an amendment, printed and hashed like the agreement.
 */
export type AmendmentSnapshot = { format: number, amendment_id: string, contract_id: string, agreement_number: string, 
/**
 * The hash of the signed agreement this amends.
 */
agreement_sha256: string, 
/**
 * The term in force on the effective day.
 */
term: Term, effective_on: string, kind: AmendmentKind, 
/**
 * The member concerned, as on the effective day.
 */
member: CoveredMember, 
/**
 * Terms of the packages the amendment adds (empty when coverage ends).
 */
packages: Array<PackageTerms>, recorded_at: string, resident_signature_sha256: string | null, doctor_signature_sha256: string | null, };
