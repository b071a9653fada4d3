// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DeviceTools } from "./DeviceTools";

/**
 * What the header marks on every screen: the demo township, the device's role and tools.
 */
export type DeviceKind = { demo: boolean, tools: DeviceTools, };
