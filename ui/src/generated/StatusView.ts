// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DeviceTools } from "./DeviceTools";
import type { RegisterVersion } from "./RegisterVersion";

export type StatusView = { device_id: string, pending_changes: number, last_sync: string | null, catalog_version: string, registers: Array<RegisterVersion>, households: number, residents: number, contracts: number, visits: number, township: string, 
/**
 * The demo (training) township: marked on every screen and print, kept from real servers.
 */
demo: boolean, 
/**
 * The device's role and the township tools it offers.
 */
tools: DeviceTools, };
