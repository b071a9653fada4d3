//! The domain of the family doctor contract service (家庭医生签约服务).
//!
//! Pure rules only: no files, no database, no network, no clock. Every function that needs
//! "today" or "now" takes it as an argument so the rules stay testable and deterministic.

pub mod access;
pub mod agreement;
pub mod audit;
pub mod catalog;
pub mod change;
pub mod contract;
pub mod data_kind;
pub mod error;
pub mod hlc;
pub mod household;
pub mod id_number;
pub mod indicators;
pub mod lang;
pub mod merge;
pub mod person;
pub mod phone;
pub mod record_blocks;
pub mod record_number;
pub mod referral;
pub mod role;
pub mod schedule;
pub mod search_keys;
pub mod short_code;
pub mod survey;
pub mod term;
pub mod time;
pub mod villager_group;
pub mod visit;
pub mod visit_answers;
pub mod visit_form;
pub mod year;

pub use error::{CoreError, Result};
pub use lang::Lang;
