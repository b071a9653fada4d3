// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { CoveredMember } from "./CoveredMember";
import type { PackageTerms } from "./PackageTerms";
import type { PartyA } from "./PartyA";
import type { PartyB } from "./PartyB";
import type { Term } from "./Term";

export type AgreementSnapshot = { format: number, contract_id: string, agreement_number: string, 
/**
 * Health-record number of the household (健康档案编号): the head's county number when
 * signed, empty when the head had none.
 */
health_record_number: string, party_a: PartyA, party_b: PartyB, members: Array<CoveredMember>, packages: Array<PackageTerms>, term: Term, signed_at: string, signed_on: string, catalog_version: string, 
/**
 * SHA-256 of the drawn signature images (PNG), so the hash binds them too.
 */
resident_signature_sha256: string | null, doctor_signature_sha256: string | null, };
