//! The demo township's integration tests: one binary, a module per subject.

mod names;
mod search;
mod worklist;
