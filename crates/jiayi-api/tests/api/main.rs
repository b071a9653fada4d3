//! The API on real store files: every area in one test binary (one link instead of six).

mod audit;
mod backup;
mod encryption;
mod enroll_by_code;
mod field_history;
mod import;
mod import_rosters;
mod lockout;
mod new_laptop;
mod passphrase;
mod print;
mod record_blocks;
mod record_numbers;
mod referrals;
mod renewal;
mod reports;
mod roles;
mod schedule;
mod served;
mod surveys;
mod sync;
mod sync_recovery;
mod updates;
mod visit_forms;
mod workflows;
mod year;
