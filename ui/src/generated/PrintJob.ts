// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A file accepted by the printing system.
 */
export type PrintJob = { 
/**
 * The printer it went to (empty: the system's default).
 */
printer: string, 
/**
 * The job's id as the system names it (`HP-LaserJet-12`); empty where it names none.
 */
job: string, };
