// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Package } from "./Package";

export type Catalog = { version: string, region: string, package: Array<Package>, };
