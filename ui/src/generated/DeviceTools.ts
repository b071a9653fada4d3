// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DeviceRole } from "./DeviceRole";
import type { ExportKind } from "./ExportKind";
import type { TownshipTool } from "./TownshipTool";

/**
 * The device's role and the township tools it offers, for the header and the menus.
 */
export type DeviceTools = { 
/**
 * The role the township enrolled the device with; `None` for the demo and a device never
 * enrolled.
 */
role: DeviceRole | null, 
/**
 * The role, or why every tool is shown, in the user's language (e.g. 村医用机,
 * 演示：显示全部工具).
 */
label: string, 
/**
 * Every tool is shown because the store is the demo's or was never enrolled, not because
 * of a role: the screen marks them.
 */
all_shown: boolean, tools: Array<TownshipTool>, 
/**
 * The workbooks the dashboard offers to export.
 */
exports: Array<ExportKind>, 
/**
 * The device's 登记码, read out to the health center at enrollment.
 */
device_code: string, 
/**
 * The villages the device was enrolled for: shown first in lists and pickers.
 */
own_villages: Array<string>, };
