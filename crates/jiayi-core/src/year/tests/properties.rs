//! Properties: coverage never overlaps however a year's changes come, and automatic renewals
//! are the same, with the same ids, whatever order a contract's events arrive in.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use uuid::Uuid;

use super::fixtures::*;
use crate::contract::{
    Contract, ContractEvent, ContractEventKind, Coverage, Term, TermPolicy, TerminationReason,
    check_no_double_coverage,
};
use crate::year::amendment::{
    Amendment, AmendmentContext, AmendmentKind, CoverageEndReason, CoverageSpan, check_amendment,
    coverage_spans, covered_on, first_overlap,
};
use crate::year::membership::{LeaveReason, MembershipEvent, check_membership, member_on};
use crate::year::order::{Stamped, contract_state_on};
use crate::year::renewal::{renewal_id, renewals_until, term_on};

const RESIDENTS: u128 = 4;
const HORIZON_DAYS: u64 = 1100;

fn origin() -> NaiveDate {
    d(2026, 1, 1)
}

fn household(n: u8) -> Uuid {
    id(100 + u128::from(n % 2))
}

fn resident(n: u8) -> Uuid {
    id(1 + u128::from(n) % RESIDENTS)
}

#[derive(Debug, Clone)]
enum Op {
    Sign {
        household: u8,
        members: u8,
        rolling: bool,
    },
    Add {
        contract: usize,
        resident: u8,
    },
    End {
        contract: usize,
        resident: u8,
    },
    Terminate {
        contract: usize,
    },
    Move {
        resident: u8,
        to: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), 1u8..16, any::<bool>()).prop_map(|(household, members, rolling)| Op::Sign {
            household,
            members,
            rolling
        }),
        (any::<usize>(), any::<u8>())
            .prop_map(|(contract, resident)| Op::Add { contract, resident }),
        (any::<usize>(), any::<u8>())
            .prop_map(|(contract, resident)| Op::End { contract, resident }),
        any::<usize>().prop_map(|contract| Op::Terminate { contract }),
        (any::<u8>(), any::<u8>()).prop_map(|(resident, to)| Op::Move { resident, to }),
    ]
}

#[derive(Default)]
struct World {
    contracts: Vec<Contract>,
    events: Vec<Stamped<ContractEvent>>,
    amendments: Vec<Amendment>,
    membership: Vec<MembershipEvent>,
    clock: u64,
}

impl World {
    fn new() -> World {
        let mut w = World::default();
        for r in 0..RESIDENTS as u8 {
            let n = w.tick();
            w.membership.push(join(
                resident(r),
                household(r),
                d(2020, 1, 1),
                crate::year::membership::JoinReason::Registered,
                n,
            ));
        }
        w
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn own(&self, who: Uuid) -> Vec<MembershipEvent> {
        self.membership
            .iter()
            .filter(|e| e.resident_id == who)
            .cloned()
            .collect()
    }

    fn spans(&self, except: Option<Uuid>, from: NaiveDate, to: NaiveDate) -> Vec<CoverageSpan> {
        self.contracts
            .iter()
            .filter(|c| Some(c.id) != except)
            .flat_map(|c| {
                coverage_spans(
                    c,
                    &self.events,
                    &self.amendments,
                    &self.membership,
                    from,
                    to,
                )
            })
            .collect()
    }

    fn coverages(&self, except: Option<Uuid>, from: NaiveDate) -> Vec<Coverage> {
        self.spans(except, from, from + Days::new(HORIZON_DAYS))
            .iter()
            .map(|s| s.to_coverage("居民"))
            .collect()
    }

    /// Applies an operation the way the app would: only when the rules accept it.
    fn apply(&mut self, day: NaiveDate, op: &Op) {
        match *op {
            Op::Sign {
                household: h,
                members,
                rolling,
            } => {
                let policy = if rolling {
                    TermPolicy::RollingYear
                } else {
                    TermPolicy::CalendarYear
                };
                let chosen: Vec<Uuid> = (0..RESIDENTS as u8)
                    .filter(|r| members & (1 << r) != 0)
                    .map(resident)
                    .filter(|r| member_on(&self.own(*r), day) == Some(household(h)))
                    .collect();
                if chosen.is_empty() {
                    return;
                }
                let mut c = contract(policy, day, &chosen);
                c.id = id(0x5000 + self.contracts.len() as u128);
                c.agreement_number = format!("2026-ABCDEF01-{:05}", self.contracts.len() + 1);
                c.household_id = household(h);
                let term: Term = c.term;
                if check_no_double_coverage(&term, &chosen, &self.coverages(None, day)).is_ok() {
                    self.contracts.push(c);
                }
            }
            Op::Add {
                contract,
                resident: r,
            }
            | Op::End {
                contract,
                resident: r,
            } => {
                if self.contracts.is_empty() {
                    return;
                }
                let c = self.contracts[contract % self.contracts.len()].clone();
                let kind = match op {
                    Op::Add { .. } => AmendmentKind::MemberAdded {
                        resident_id: resident(r),
                        package_codes: vec!["basic".into()],
                    },
                    _ => AmendmentKind::CoverageEnded {
                        resident_id: resident(r),
                        reason: CoverageEndReason::OnRequest,
                    },
                };
                let n = self.tick();
                let a = amendment(&c, day, kind, true, n);
                let others = self.coverages(Some(c.id), day);
                let ctx = AmendmentContext {
                    contract: &c,
                    events: &self.events,
                    amendments: &self.amendments,
                    membership: &self.membership,
                    other_coverage: &others,
                    resident_name: "居民",
                    today: day,
                };
                if check_amendment(&ctx, &a).is_ok() {
                    self.amendments.push(a);
                }
            }
            Op::Terminate { contract } => {
                if self.contracts.is_empty() {
                    return;
                }
                let c = self.contracts[contract % self.contracts.len()].clone();
                let state = contract_state_on(&c, &self.events, day);
                if state.terminated.is_none() && term_on(&c, &self.events, day).is_some() {
                    let n = self.tick();
                    self.events.push(stamped(
                        &c,
                        n,
                        terminated(TerminationReason::OnRequest, day),
                    ));
                }
            }
            Op::Move { resident: r, to } => {
                let who = resident(r);
                let mut own = self.own(who);
                let Some(from) = member_on(&own, day) else {
                    return;
                };
                if from == household(to) {
                    return;
                }
                let n = self.tick();
                let event = leave(
                    who,
                    from,
                    day,
                    LeaveReason::MovedToHousehold {
                        household_id: household(to),
                    },
                    n,
                );
                own.push(event.clone());
                if check_membership(&own, None, day).is_ok() {
                    self.membership.push(event);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever is signed, amended, terminated and moved, in whatever sequence the rules accept,
    /// no resident is ever covered by two contracts on one day.
    #[test]
    fn coverage_never_overlaps(mut ops in prop::collection::vec((0u64..700, op()), 1..14)) {
        ops.sort_by_key(|(day, _)| *day);
        let mut world = World::new();
        for (offset, op) in &ops {
            world.apply(origin() + Days::new(*offset), op);
        }
        let end = origin() + Days::new(HORIZON_DAYS);
        let spans = world.spans(None, origin(), end);
        prop_assert!(first_overlap(&spans).is_none(), "overlap: {:?}", first_overlap(&spans));
        let mut day = origin();
        while day <= end {
            for r in 0..RESIDENTS as u8 {
                let who = resident(r);
                let covering = world.contracts.iter().filter(|c| {
                    covered_on(c, &world.events, &world.amendments, &world.membership, day)
                        .iter()
                        .any(|m| m.resident_id == who)
                }).count();
                prop_assert!(covering <= 1, "{who} covered {covering} times on {day}");
            }
            day = day + Days::new(5);
        }
    }

    /// The renewals of a contract, and their ids, do not depend on the order its events arrive.
    #[test]
    fn renewals_are_deterministic(
        rolling in any::<bool>(),
        signed in 0u64..400,
        ends in prop::collection::vec((0u64..1500, any::<bool>()), 0..3),
        seed in any::<u64>(),
        ask in prop::collection::vec(0u64..1800, 1..6),
    ) {
        let policy = if rolling { TermPolicy::RollingYear } else { TermPolicy::CalendarYear };
        let c = contract(policy, origin() + Days::new(signed), &[id(1)]);
        let mut events: Vec<Stamped<ContractEvent>> = ends
            .iter()
            .enumerate()
            .map(|(i, (offset, death))| {
                let reason = if *death { TerminationReason::Death } else { TerminationReason::OnRequest };
                stamped(&c, i as u64 + 1, terminated(reason, origin() + Days::new(*offset)))
            })
            .collect();
        events.push(stamped(&c, 9, ContractEventKind::DoctorChanged {
            from_doctor_id: c.doctor_id,
            to_doctor_id: id(12),
            effective_on: origin() + Days::new(signed + 30),
            note: String::new(),
        }));
        // Another arrival order (a rotation chosen by the seed, then reversed when odd).
        let mut other = events.clone();
        let len = other.len();
        other.rotate_left((seed as usize) % len);
        if seed % 2 == 1 {
            other.reverse();
        }
        for offset in ask {
            let day = origin() + Days::new(offset);
            let a = renewals_until(&c, &events, day);
            let b = renewals_until(&c, &other, day);
            prop_assert_eq!(&a, &b, "renewals on {}", day);
            prop_assert_eq!(term_on(&c, &events, day), term_on(&c, &other, day));
            for r in &a {
                prop_assert_eq!(r.id, renewal_id(c.id, r.term.start));
                prop_assert!(r.term.start > c.term.start && r.term.start <= day);
            }
            let mut ids: Vec<Uuid> = a.iter().map(|r| r.id).collect();
            ids.dedup();
            prop_assert_eq!(ids.len(), a.len(), "one id per renewal");
        }
    }
}
