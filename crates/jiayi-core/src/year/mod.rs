//! A household's year: what changes after signing, as pure rules over dated records.
//!
//! Groups come and go with dated periods, members join and leave households with dated events,
//! coverage changes during a term through amendments (never edits of the signed agreement), and
//! a contract not terminated by its term end is in force for the next term without anyone acting.
//! Every function takes the day it answers for; nothing here reads a clock.

pub mod amendment;
pub mod groups;
pub mod membership;
pub mod order;
pub mod renewal;
pub mod rules;

#[cfg(test)]
mod tests;
