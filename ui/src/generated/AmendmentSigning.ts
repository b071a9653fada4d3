// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * The household's signature and the doctor's for an amendment, drawn as PNG (base64).
 */
export type AmendmentSigning = { resident_signature_png: string | null, doctor_signature_png: string | null, 
/**
 * Paid packages chosen for a member added (the basic ones follow from their groups).
 */
paid_packages: Array<string>, };
