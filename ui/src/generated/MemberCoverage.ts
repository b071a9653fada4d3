// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * One member covered on a day and the packages owed.
 */
export type MemberCoverage = { resident_id: string, package_codes: Array<string>, 
/**
 * The day this stretch of coverage began (the term start or the amendment adding them).
 */
since: string, };
