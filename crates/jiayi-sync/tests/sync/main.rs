//! The sync engine and offline bundles on the device side, in one test binary.

mod engine;
mod fuzz_bundle;
