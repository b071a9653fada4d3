// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A figure with its name and formula in the user's language.
 */
export type IndicatorFigure = { code: string, name: string, formula: string, numerator: number, denominator: number, rate: number | null, target: number | null, met: boolean | null, };
