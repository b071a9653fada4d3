//! Hybrid logical clock: orders changes across devices without trusting wall clocks alone.
//!
//! A timestamp is (wall milliseconds, counter, device id). It never goes backwards on a device,
//! moves past every timestamp the device has seen, and its text form sorts like the value, so
//! "last writer wins" is decided the same way on every machine (ties broken by device id).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
    pub device: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed clock value '{0}'")]
pub struct HlcParseError(pub String);

impl Hlc {
    pub fn zero(device: Uuid) -> Hlc {
        Hlc {
            wall_ms: 0,
            counter: 0,
            device,
        }
    }

    /// The next timestamp for a local event at wall time `now_ms`.
    pub fn tick(&self, now_ms: u64) -> Hlc {
        if now_ms > self.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
                device: self.device,
            }
        } else {
            Hlc {
                wall_ms: self.wall_ms,
                counter: self.counter + 1,
                device: self.device,
            }
        }
    }

    /// Moves this device's clock past a timestamp received from elsewhere.
    pub fn observe(&self, remote: &Hlc, now_ms: u64) -> Hlc {
        let wall = now_ms.max(self.wall_ms).max(remote.wall_ms);
        let counter = if wall == self.wall_ms && wall == remote.wall_ms {
            self.counter.max(remote.counter) + 1
        } else if wall == self.wall_ms {
            self.counter + 1
        } else if wall == remote.wall_ms {
            remote.counter + 1
        } else {
            0
        };
        Hlc {
            wall_ms: wall,
            counter,
            device: self.device,
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:015}-{:08}-{}",
            self.wall_ms,
            self.counter,
            self.device.simple()
        )
    }
}

impl FromStr for Hlc {
    type Err = HlcParseError;

    fn from_str(s: &str) -> Result<Hlc, HlcParseError> {
        let err = || HlcParseError(s.chars().take(80).collect());
        let mut parts = s.splitn(3, '-');
        let wall_ms = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let counter = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let device = parts
            .next()
            .and_then(|p| Uuid::parse_str(p).ok())
            .ok_or_else(err)?;
        Ok(Hlc {
            wall_ms,
            counter,
            device,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read in place where the format allows: every pulled or pushed change carries one.
        struct HlcText;
        impl serde::de::Visitor<'_> for HlcText {
            type Value = Hlc;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a clock value such as 001700000000000-00000000-<device>")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Hlc, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(HlcText)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_backwards_even_when_the_wall_clock_does() {
        let device = Uuid::from_u128(1);
        let a = Hlc::zero(device).tick(1_000);
        let b = a.tick(900);
        let c = b.tick(900);
        assert!(a < b && b < c);
        assert_eq!((c.wall_ms, c.counter), (1_000, 2));
    }

    #[test]
    fn observing_moves_past_the_remote() {
        let local = Hlc {
            wall_ms: 1_000,
            counter: 3,
            device: Uuid::from_u128(1),
        };
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 7,
            device: Uuid::from_u128(2),
        };
        let next = local.observe(&remote, 2_000);
        assert!(next.wall_ms == 5_000 && next.counter == 8);
        assert!(next > remote || next.device > remote.device);
    }

    #[test]
    fn text_form_sorts_like_the_value_and_round_trips() {
        let device = Uuid::from_u128(3);
        let mut clocks = vec![
            Hlc {
                wall_ms: 99,
                counter: 10,
                device,
            },
            Hlc {
                wall_ms: 100,
                counter: 0,
                device,
            },
            Hlc {
                wall_ms: 99,
                counter: 9,
                device,
            },
        ];
        let mut texts: Vec<String> = clocks.iter().map(|c| c.to_string()).collect();
        clocks.sort();
        texts.sort();
        let parsed: Vec<Hlc> = texts.iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(parsed, clocks);
        assert!("garbage".parse::<Hlc>().is_err());
        assert!("1-2".parse::<Hlc>().is_err());
    }

    #[test]
    fn json_carries_the_text_form_and_refuses_anything_else() {
        let clock = Hlc {
            wall_ms: 1_700_000_000_000,
            counter: 7,
            device: Uuid::from_u128(5),
        };
        let json = serde_json::to_string(&clock).unwrap();
        assert_eq!(json, format!("\"{clock}\""));
        assert_eq!(serde_json::from_str::<Hlc>(&json).unwrap(), clock);
        let value = serde_json::to_value(clock).unwrap();
        assert_eq!(serde_json::from_value::<Hlc>(value).unwrap(), clock);
        for bad in ["12", "\"garbage\"", "null", "{}"] {
            assert!(
                serde_json::from_str::<Hlc>(bad).is_err(),
                "{bad} read as a clock"
            );
        }
    }
}
