//! Pure decisions of a sync round: what to re-upload, where to pull from, how to cut batches.
//!
//! Nothing here does I/O, so every rule is tested by a table of named cases.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::protocol::{CLOCK_SKEW_WARNING_MS, Limits, ServerInfo};

/// What the device remembers between syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocalStatus {
    /// The server epoch seen at the last sync (`None` before the first one).
    pub known_epoch: Option<Uuid>,
    /// Highest own sequence the server said it stored.
    pub acked_through_seq: u64,
    /// Server cursor up to which changes were pulled and applied.
    pub pull_cursor: u64,
    /// Highest own sequence number ever issued.
    pub issued_seq: u64,
    /// Device wall clock, Unix milliseconds.
    pub now_ms: i64,
}

/// Why the device uploads again or pulls from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recovery {
    /// The server's database was replaced or declared restored.
    NewEpoch,
    /// The server holds fewer of this device's changes than it once confirmed (restored from an
    /// older backup without a new epoch).
    ServerBehind {
        server_seq: u64,
        device_acked_seq: u64,
    },
    /// The server's log ends before the device's pull cursor.
    CursorAhead {
        server_high_water: u64,
        device_cursor: u64,
    },
    /// The server holds more of this device's changes than the device ever numbered: the
    /// device's store was restored from an older copy. New changes are numbered above the
    /// server's, so none is refused as a reused number.
    DeviceBehind { server_seq: u64, device_seq: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncPlan {
    /// Changes with a sequence above this were confirmed once but must be sent again.
    pub requeue_after: Option<u64>,
    /// Number the outbox above this from now on.
    pub raise_seq_to: Option<u64>,
    /// Pull changes after this cursor.
    pub pull_from: u64,
    /// Pull this device's own changes too (from cursor 0): its data was restored from an older
    /// copy and lacks some of what the server holds from it.
    pub pull_own: bool,
    pub recovery: Vec<Recovery>,
    /// Device clock minus server clock, when beyond the warning threshold.
    pub clock_skew_ms: Option<i64>,
}

/// Decides the round from what the device remembers and what the server says.
pub fn plan(local: &LocalStatus, server: &ServerInfo) -> SyncPlan {
    let mut out = SyncPlan {
        pull_from: local.pull_cursor,
        ..SyncPlan::default()
    };
    let server_seq = server.device.stored_through_seq;
    let new_epoch = matches!(local.known_epoch, Some(e) if e != server.server_epoch);
    if new_epoch {
        out.recovery.push(Recovery::NewEpoch);
        out.pull_from = 0;
    }
    if server_seq < local.acked_through_seq {
        out.requeue_after = Some(server_seq);
        if !new_epoch {
            out.recovery.push(Recovery::ServerBehind {
                server_seq,
                device_acked_seq: local.acked_through_seq,
            });
        }
    }
    if server_seq > local.issued_seq {
        out.raise_seq_to = Some(server_seq);
        out.pull_own = true;
        out.pull_from = 0;
        out.recovery.push(Recovery::DeviceBehind {
            server_seq,
            device_seq: local.issued_seq,
        });
    }
    if !new_epoch && server.high_water < local.pull_cursor {
        out.recovery.push(Recovery::CursorAhead {
            server_high_water: server.high_water,
            device_cursor: local.pull_cursor,
        });
        out.pull_from = 0;
    }
    let skew = local.now_ms - server.server_time_ms;
    if skew.abs() > CLOCK_SKEW_WARNING_MS {
        out.clock_skew_ms = Some(skew);
    }
    out
}

/// Bytes a push request adds around its changes (`{"device_id":"…","changes":[` … `]}`), with room.
pub const ENVELOPE_BYTES: u64 = 96;

/// How a run of changes is cut into push requests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchPlan {
    /// Half-open index ranges into the input, in order.
    pub batches: Vec<std::ops::Range<usize>>,
    /// Indexes of changes too large to be sent in any request.
    pub too_large: Vec<usize>,
}

/// Cuts changes of the given encoded sizes into requests that respect both the count and the
/// byte limit the server advertises. Order is kept: a too-large change closes the batch before it.
pub fn plan_batches(sizes: &[u64], limits: &Limits) -> BatchPlan {
    let max_changes = limits.max_changes.max(1) as usize;
    let mut out = BatchPlan::default();
    let mut start = 0usize;
    let mut bytes = ENVELOPE_BYTES;
    for (i, &size) in sizes.iter().enumerate() {
        // One comma between changes.
        let cost = size + 1;
        if ENVELOPE_BYTES + cost > limits.max_bytes {
            if start < i {
                out.batches.push(start..i);
            }
            out.too_large.push(i);
            start = i + 1;
            bytes = ENVELOPE_BYTES;
            continue;
        }
        if i - start == max_changes || bytes + cost > limits.max_bytes {
            out.batches.push(start..i);
            start = i;
            bytes = ENVELOPE_BYTES;
        }
        bytes += cost;
    }
    if start < sizes.len() {
        out.batches.push(start..sizes.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::DeviceStatus;

    const E1: Uuid = Uuid::from_u128(0xE1);
    const E2: Uuid = Uuid::from_u128(0xE2);

    fn server(epoch: Uuid, stored: u64, high_water: u64, time: i64) -> ServerInfo {
        ServerInfo {
            protocol_version: 1,
            server_epoch: epoch,
            server_time_ms: time,
            limits: Limits::default(),
            high_water,
            device: DeviceStatus {
                device_id: Uuid::from_u128(1),
                doctor_id: Uuid::from_u128(2),
                team_id: Uuid::from_u128(3),
                villages: vec![],
                role: None,
                stored_through_seq: stored,
            },
            recovery_public_key: None,
            update: None,
            township_keys: None,
        }
    }

    fn local(epoch: Option<Uuid>, acked: u64, cursor: u64) -> LocalStatus {
        LocalStatus {
            known_epoch: epoch,
            acked_through_seq: acked,
            pull_cursor: cursor,
            issued_seq: acked.max(40),
            now_ms: 1_000_000,
        }
    }

    #[test]
    fn plan_cases() {
        let t = 1_000_000;
        let cases: Vec<(&str, LocalStatus, ServerInfo, SyncPlan)> = vec![
            (
                "first_sync",
                local(None, 0, 0),
                server(E1, 0, 40, t),
                SyncPlan::default(),
            ),
            (
                "first_sync_after_reinstall_keeps_nothing_to_requeue",
                local(None, 0, 0),
                server(E1, 12, 40, t),
                SyncPlan::default(),
            ),
            (
                "store_restored_from_an_older_copy_numbers_above_the_server_and_takes_its_own_back",
                LocalStatus {
                    issued_seq: 20,
                    ..local(Some(E1), 20, 40)
                },
                server(E1, 35, 55, t),
                SyncPlan {
                    raise_seq_to: Some(35),
                    pull_from: 0,
                    pull_own: true,
                    recovery: vec![Recovery::DeviceBehind {
                        server_seq: 35,
                        device_seq: 20,
                    }],
                    ..SyncPlan::default()
                },
            ),
            (
                "in_step",
                local(Some(E1), 30, 40),
                server(E1, 30, 55, t),
                SyncPlan {
                    pull_from: 40,
                    ..SyncPlan::default()
                },
            ),
            (
                "server_ahead_of_what_device_recorded_is_fine",
                local(Some(E1), 30, 40),
                server(E1, 35, 55, t),
                SyncPlan {
                    pull_from: 40,
                    ..SyncPlan::default()
                },
            ),
            (
                "restored_backup_same_epoch",
                local(Some(E1), 30, 40),
                server(E1, 10, 20, t),
                SyncPlan {
                    requeue_after: Some(10),
                    raise_seq_to: None,
                    pull_from: 0,
                    pull_own: false,
                    recovery: vec![
                        Recovery::ServerBehind {
                            server_seq: 10,
                            device_acked_seq: 30,
                        },
                        Recovery::CursorAhead {
                            server_high_water: 20,
                            device_cursor: 40,
                        },
                    ],
                    clock_skew_ms: None,
                },
            ),
            (
                "new_epoch_pulls_from_start_and_reuploads",
                local(Some(E1), 30, 40),
                server(E2, 0, 900, t),
                SyncPlan {
                    requeue_after: Some(0),
                    raise_seq_to: None,
                    pull_from: 0,
                    pull_own: false,
                    recovery: vec![Recovery::NewEpoch],
                    clock_skew_ms: None,
                },
            ),
            (
                "new_epoch_nothing_lost",
                local(Some(E1), 30, 40),
                server(E2, 30, 900, t),
                SyncPlan {
                    pull_from: 0,
                    recovery: vec![Recovery::NewEpoch],
                    ..SyncPlan::default()
                },
            ),
            (
                "clock_six_minutes_slow",
                local(Some(E1), 0, 0),
                server(E1, 0, 0, t + 6 * 60_000),
                SyncPlan {
                    clock_skew_ms: Some(-6 * 60_000),
                    ..SyncPlan::default()
                },
            ),
            (
                "clock_four_minutes_fast_is_tolerated",
                local(Some(E1), 0, 0),
                server(E1, 0, 0, t - 4 * 60_000),
                SyncPlan::default(),
            ),
        ];
        for (name, l, s, want) in cases {
            assert_eq!(plan(&l, &s), want, "case {name}");
        }
    }

    fn limits(max_changes: u32, max_bytes: u64) -> Limits {
        Limits {
            max_changes,
            max_bytes,
            max_pull: 100,
        }
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn batch_cases() {
        let e = ENVELOPE_BYTES;
        #[allow(clippy::type_complexity)]
        let cases: Vec<(
            &str,
            Vec<u64>,
            Limits,
            Vec<std::ops::Range<usize>>,
            Vec<usize>,
        )> = vec![
            ("empty", vec![], limits(10, 1000), vec![], vec![]),
            (
                "count_bound",
                vec![10; 7],
                limits(3, 10_000),
                vec![0..3, 3..6, 6..7],
                vec![],
            ),
            // Each change costs 11 bytes with its comma: three fit in envelope + 33.
            (
                "byte_bound",
                vec![10; 7],
                limits(100, e + 33),
                vec![0..3, 3..6, 6..7],
                vec![],
            ),
            (
                "exactly_full",
                vec![10; 3],
                limits(3, e + 33),
                vec![0..3],
                vec![],
            ),
            (
                "both_bounds_the_tighter_wins",
                vec![10; 6],
                limits(2, e + 33),
                vec![0..2, 2..4, 4..6],
                vec![],
            ),
            (
                "too_large_alone_is_set_aside",
                vec![10, 5000, 10],
                limits(10, e + 100),
                vec![0..1, 2..3],
                vec![1],
            ),
            (
                "too_large_first",
                vec![5000, 10, 10],
                limits(10, e + 100),
                vec![1..3],
                vec![0],
            ),
            (
                "zero_count_limit_is_treated_as_one",
                vec![1, 1],
                limits(0, 10_000),
                vec![0..1, 1..2],
                vec![],
            ),
        ];
        for (name, sizes, l, batches, too_large) in cases {
            let got = plan_batches(&sizes, &l);
            assert_eq!(got, BatchPlan { batches, too_large }, "case {name}");
            for b in &got.batches {
                let bytes: u64 =
                    ENVELOPE_BYTES + sizes[b.clone()].iter().map(|s| s + 1).sum::<u64>();
                assert!(
                    bytes <= l.max_bytes && b.len() <= l.max_changes.max(1) as usize,
                    "case {name}: {b:?}"
                );
            }
        }
    }
}
