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
///
/// An attempt is counted *before* its passphrase is checked ([`Lockout::reserve`]) and stays
/// counted unless the passphrase proves right, so attempts made at once each count, and a lock
/// set by one of them stops the others, the right passphrase included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lockout {
    /// Wrong passphrases since the last right one (attempts under way included).
    pub failures: u32,
    /// Lockouts since the last right passphrase (each lasts twice the one before).
    #[serde(default)]
    pub lockouts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    /// The clock's reading at the latest attempt. A clock found behind it (set back) restarts
    /// a lock under way for its full length, so turning the clock back never shortens a lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_seen: Option<DateTime<Utc>>,
}

/// What counting an attempt decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may check its passphrase; it is counted as wrong until it proves right.
    Counted(Lockout),
    /// Locked: the passphrase is not tried. The state to keep (the clock's reading noted).
    Refused {
        lockout: Lockout,
        until: DateTime<Utc>,
    },
}

/// How long the `lockouts`-th lock lasts: 5 minutes, doubling, up to an hour.
fn lock_length(lockouts: u32) -> Duration {
    let doublings = lockouts.saturating_sub(1).min(8);
    Duration::minutes((FIRST_LOCKOUT_MINUTES << doublings).min(MAX_LOCKOUT_MINUTES))
}

impl Lockout {
    /// The state as the clock reads `now`. A clock behind the latest reading seen while a lock
    /// was still running restarts that lock for its full length from `now`: how long the clock
    /// was turned back cannot be known, and a lock must not end early because of it. (A clock
    /// that lost its setting, say to a flat battery, costs the doctor one lock's length, not
    /// the years it jumped.)
    pub fn as_of(&self, now: DateTime<Utc>) -> Lockout {
        let mut state = self.clone();
        match self.latest_seen {
            Some(seen) if now < seen => {
                // A lock still running at that reading restarts; one already over stays over.
                state.locked_until = self
                    .locked_until
                    .filter(|until| *until > seen)
                    .map(|_| now + lock_length(self.lockouts));
                state.latest_seen = Some(now);
            }
            _ => state.latest_seen = Some(now),
        }
        state
    }

    /// `Some(until)` while the device refuses to try a passphrase.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.as_of(now).locked_until.filter(|until| *until > now)
    }

    /// Attempts left before the next lockout.
    pub fn attempts_left(&self) -> u32 {
        MAX_FAILURES.saturating_sub(self.failures % MAX_FAILURES)
    }

    /// Counts an attempt before its passphrase is checked: refused while locked; otherwise
    /// counted as wrong, and the fifth in a row sets the next lock at once (the attempt itself
    /// is still checked, and clears everything if it is right).
    pub fn reserve(&self, now: DateTime<Utc>) -> Reservation {
        let state = self.as_of(now);
        if let Some(until) = state.locked_until.filter(|until| *until > now) {
            return Reservation::Refused {
                lockout: state,
                until,
            };
        }
        let failures = state.failures.saturating_add(1);
        if !failures.is_multiple_of(MAX_FAILURES) {
            return Reservation::Counted(Lockout { failures, ..state });
        }
        let lockouts = state.lockouts.saturating_add(1);
        Reservation::Counted(Lockout {
            failures,
            lockouts,
            locked_until: Some(now + lock_length(lockouts)),
            latest_seen: state.latest_seen,
        })
    }

    /// The right passphrase clears the count and the lock; the clock's reading is kept.
    pub fn after_success(&self, now: DateTime<Utc>) -> Lockout {
        Lockout {
            latest_seen: self.as_of(now).latest_seen,
            ..Lockout::default()
        }
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

    /// Counts an attempt that turns out wrong; panics if it was refused.
    fn wrong(lock: &Lockout, now: DateTime<Utc>) -> Lockout {
        match lock.reserve(now) {
            Reservation::Counted(next) => next,
            Reservation::Refused { until, .. } => panic!("refused until {until}"),
        }
    }

    fn refused_until(lock: &Lockout, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match lock.reserve(now) {
            Reservation::Counted(_) => None,
            Reservation::Refused { until, .. } => Some(until),
        }
    }

    #[test]
    fn the_fifth_wrong_passphrase_locks_for_five_minutes_and_the_next_lock_doubles() {
        let mut lock = Lockout::default();
        for expected_left in [4, 3, 2, 1] {
            lock = wrong(&lock, at(0));
            assert_eq!(lock.attempts_left(), expected_left);
            assert_eq!(lock.locked_at(at(0)), None);
        }
        lock = wrong(&lock, at(0));
        assert_eq!(lock.locked_at(at(1)), Some(at(5)));
        assert_eq!(refused_until(&lock, at(1)), Some(at(5)));
        assert_eq!(lock.locked_at(at(5)), None, "the lock ends on time");
        assert_eq!(lock.attempts_left(), 5);
        for _ in 0..5 {
            lock = wrong(&lock, at(6));
        }
        assert_eq!(
            lock.locked_at(at(7)),
            Some(at(16)),
            "ten minutes the second time"
        );
        let cleared = lock.after_success(at(20));
        assert_eq!((cleared.failures, cleared.lockouts), (0, 0));
        assert_eq!(cleared.locked_until, None);
        assert_eq!(cleared.latest_seen, Some(at(20)));
    }

    #[test]
    fn attempts_made_at_once_each_count_and_the_fifth_locks_before_it_is_checked() {
        // Five reservations with no result yet: the fifth sets the lock, the sixth is refused.
        let mut lock = Lockout::default();
        for _ in 0..5 {
            lock = wrong(&lock, at(0));
        }
        assert_eq!(lock.failures, 5);
        assert_eq!(refused_until(&lock, at(0)), Some(at(5)));
        let Reservation::Refused { lockout, .. } = lock.reserve(at(0)) else {
            unreachable!()
        };
        assert_eq!(lockout.failures, 5, "a refused attempt is not counted");
    }

    #[test]
    fn a_clock_set_back_restarts_the_lock_and_never_lifts_it() {
        let mut lock = Lockout::default();
        for _ in 0..5 {
            lock = wrong(&lock, at(30));
        }
        assert_eq!(lock.locked_at(at(31)), Some(at(35)));
        // The clock turned back half an hour: the lock runs its full five minutes from there.
        let back = at(0);
        let Reservation::Refused { lockout, until } = lock.reserve(back) else {
            panic!("a clock set back lifted the lock")
        };
        assert_eq!(until, at(5));
        assert_eq!(lockout.latest_seen, Some(back), "the reading is kept");
        assert_eq!(refused_until(&lockout, at(4)), Some(at(5)));
        assert!(matches!(lockout.reserve(at(5)), Reservation::Counted(_)));
        // Set back once more from inside the restarted lock: it restarts again.
        let Reservation::Refused { lockout: later, .. } = lockout.reserve(at(3)) else {
            panic!("the restarted lock ended early")
        };
        assert_eq!(refused_until(&later, at(2)), Some(at(7)));
        // A lock already over at the latest reading is not brought back by a clock set back.
        let over = lock.as_of(at(40));
        assert_eq!(over.locked_at(at(10)), None);
    }

    #[test]
    fn lockouts_stop_growing_at_an_hour() {
        let mut lock = Lockout::default();
        for round in 0..20 {
            let now = at(0) + Duration::hours(round * 2);
            for _ in 0..MAX_FAILURES {
                lock = wrong(&lock, now);
            }
        }
        let last = at(0) + Duration::hours(38);
        assert_eq!(lock.locked_at(last), Some(last + Duration::minutes(60)));
    }
}
