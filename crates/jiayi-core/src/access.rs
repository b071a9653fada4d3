//! Who may open the device's records: the passphrase rule and the lockout after wrong guesses.
//!
//! The passphrase is the only thing between a lost laptop and a village's health records, and
//! the doctor types it every morning: the rule asks for length, not for symbols nobody remembers.
//! Guessing is slowed twice: every attempt costs a memory-hard key derivation, and after
//! [`MAX_FAILURES`] wrong ones in a row the device refuses to try for a while.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Shortest passphrase accepted, in characters (a Chinese character counts as one).
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Wrong passphrases in a row before the device locks.
pub const MAX_FAILURES: u32 = 5;

/// How long the first lockout lasts; each further one doubles, up to [`MAX_LOCKOUT_MINUTES`].
pub const FIRST_LOCKOUT_MINUTES: i64 = 5;
pub const MAX_LOCKOUT_MINUTES: i64 = 60;

/// Minutes without a key press, click or touch before the app locks itself.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassphraseProblem {
    TooShort { min: usize },
    OneCharacterRepeated,
    Mismatch,
}

impl PassphraseProblem {
    pub fn code(self) -> &'static str {
        match self {
            PassphraseProblem::Mismatch => "passphrase_mismatch",
            _ => "weak_passphrase",
        }
    }

    pub fn message_zh(self) -> String {
        match self {
            PassphraseProblem::TooShort { min } => format!("口令至少需要 {min} 个字符"),
            PassphraseProblem::OneCharacterRepeated => "口令不能只由同一个字符重复组成".into(),
            PassphraseProblem::Mismatch => "两次输入的口令不一致".into(),
        }
    }

    pub fn message_en(self) -> String {
        match self {
            PassphraseProblem::TooShort { min } => {
                format!("the passphrase needs at least {min} characters")
            }
            PassphraseProblem::OneCharacterRepeated => {
                "the passphrase cannot be one character repeated".into()
            }
            PassphraseProblem::Mismatch => "the two passphrases differ".into(),
        }
    }
}

/// Checks a new passphrase and its confirmation.
pub fn check_new_passphrase(passphrase: &str, confirmation: &str) -> Result<(), PassphraseProblem> {
    let chars: Vec<char> = passphrase.chars().collect();
    if chars.len() < MIN_PASSPHRASE_CHARS {
        return Err(PassphraseProblem::TooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    if chars.iter().all(|c| *c == chars[0]) {
        return Err(PassphraseProblem::OneCharacterRepeated);
    }
    if passphrase != confirmation {
        return Err(PassphraseProblem::Mismatch);
    }
    Ok(())
}

/// Failed attempts so far and the lock they caused. Kept beside the database, outside it: the
/// database cannot be read before the passphrase is right.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lockout {
    /// Wrong passphrases since the last right one.
    pub failures: u32,
    /// Lockouts since the last right passphrase (each lasts twice the one before).
    #[serde(default)]
    pub lockouts: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Lockout {
    /// `Some(until)` while the device refuses to try a passphrase.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Attempts left before the next lockout.
    pub fn attempts_left(&self) -> u32 {
        MAX_FAILURES.saturating_sub(self.failures % MAX_FAILURES)
    }

    /// Records a wrong passphrase; the fifth in a row locks the device.
    pub fn after_failure(&self, now: DateTime<Utc>) -> Lockout {
        let failures = self.failures.saturating_add(1);
        if !failures.is_multiple_of(MAX_FAILURES) {
            return Lockout {
                failures,
                ..self.clone()
            };
        }
        let lockouts = self.lockouts.saturating_add(1);
        let minutes = (FIRST_LOCKOUT_MINUTES << (lockouts - 1).min(8)).min(MAX_LOCKOUT_MINUTES);
        Lockout {
            failures,
            lockouts,
            locked_until: Some(now + Duration::minutes(minutes)),
        }
    }

    /// The right passphrase clears everything.
    pub fn after_success() -> Lockout {
        Lockout::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, minute, 0).unwrap()
    }

    #[test]
    fn a_passphrase_needs_length_and_variety_and_a_matching_confirmation() {
        assert_eq!(
            check_new_passphrase("short", "short"),
            Err(PassphraseProblem::TooShort { min: 8 })
        );
        assert_eq!(
            check_new_passphrase("aaaaaaaaaa", "aaaaaaaaaa"),
            Err(PassphraseProblem::OneCharacterRepeated)
        );
        assert_eq!(
            check_new_passphrase("东村卫生室二〇二六", "东村卫生室二〇二七"),
            Err(PassphraseProblem::Mismatch)
        );
        assert_eq!(
            check_new_passphrase("东村卫生室二〇二六", "东村卫生室二〇二六"),
            Ok(()),
            "Chinese characters count one each"
        );
        assert_eq!(
            check_new_passphrase("东村卫生室", "东村卫生室"),
            Err(PassphraseProblem::TooShort { min: 8 })
        );
    }

    #[test]
    fn the_fifth_wrong_passphrase_locks_for_five_minutes_and_the_next_lock_doubles() {
        let mut lock = Lockout::default();
        for expected_left in [4, 3, 2, 1] {
            lock = lock.after_failure(at(0));
            assert_eq!(lock.attempts_left(), expected_left);
            assert_eq!(lock.locked_at(at(0)), None);
        }
        lock = lock.after_failure(at(0));
        assert_eq!(lock.locked_at(at(1)), Some(at(5)));
        assert_eq!(lock.locked_at(at(5)), None, "the lock ends on time");
        assert_eq!(lock.attempts_left(), 5);
        for _ in 0..5 {
            lock = lock.after_failure(at(6));
        }
        assert_eq!(
            lock.locked_at(at(7)),
            Some(at(16)),
            "ten minutes the second time"
        );
        assert_eq!(Lockout::after_success(), Lockout::default());
    }

    #[test]
    fn lockouts_stop_growing_at_an_hour() {
        let mut lock = Lockout::default();
        for _ in 0..(MAX_FAILURES * 20) {
            lock = lock.after_failure(at(0));
        }
        assert_eq!(lock.locked_at(at(0)), Some(at(0) + Duration::minutes(60)));
    }
}
