// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DeviceRole } from "./DeviceRole";
import type { ExportKind } from "./ExportKind";
import type { TownshipTool } from "./TownshipTool";

export type DeviceTools = { role: DeviceRole | null, label: string, all_shown: boolean, tools: Array<TownshipTool>, exports: Array<ExportKind>, device_code: string, own_villages: Array<string>, };
