//! What happened to a contract and to a household's members, for timelines and the CLI.

use jiayi_core::contract::ContractEventKind;
use jiayi_core::year::groups::with_registered_groups;
use jiayi_core::year::membership::{LeaveReason, MembershipChange, member_on};
use jiayi_core::year::order::in_effect_order;
use jiayi_core::year::renewal::renewals_until;
use uuid::Uuid;

use super::views::{ContractHistory, CoveredToday, HistoryEntry, LeftView, MemberYear};
use crate::{Api, ApiResult};

impl Api {
    /// A contract's history: the signing, its events, amendments and automatic renewals, by
    /// the day each took effect, and who it covers today.
    pub fn contract_history(&self, contract_id: Uuid) -> ApiResult<ContractHistory> {
        let today = self.today();
        let ctx = self.contract_context(contract_id)?;
        let contract = ctx.contract();
        self.note("read", "contract", &contract_id.to_string())?;
        // The agreement's signing day: its first day when it was signed for a day before it
        // was recorded (`signed_at` is when it was recorded).
        let signed_on = contract
            .term
            .start
            .min(crate::china_date(contract.signed_at));
        let mut dated: Vec<(chrono::NaiveDate, HistoryEntry)> = vec![(
            signed_on,
            HistoryEntry::Signed {
                on: signed_on,
                at: contract.signed_at,
                agreement_number: contract.agreement_number.clone(),
                snapshot_sha256: contract.snapshot_sha256.clone(),
            },
        )];
        for e in jiayi_core::year::order::in_sync_order(&ctx.events) {
            let day = match &e.record.kind {
                ContractEventKind::Terminated { effective_on, .. }
                | ContractEventKind::DoctorChanged { effective_on, .. } => *effective_on,
                ContractEventKind::Renewed { .. } => crate::china_date(e.record.at),
            };
            dated.push((
                day,
                HistoryEntry::Event {
                    id: e.record.id,
                    at: e.record.at,
                    kind: e.record.kind.clone(),
                },
            ));
        }
        for a in in_effect_order(&ctx.amendments) {
            let resident_name = self
                .store
                .resident(a.kind.resident_id())
                .map(|r| r.name)
                .unwrap_or_default();
            dated.push((
                a.effective_on,
                HistoryEntry::Amendment {
                    amendment: a.clone(),
                    resident_name,
                },
            ));
        }
        for renewal in renewals_until(contract, &ctx.events, today) {
            dated.push((renewal.term.start, HistoryEntry::Renewed { renewal }));
        }
        // Stable: same-day entries keep the order they were gathered in.
        dated.sort_by_key(|(day, _)| *day);
        let mut covered_today = Vec::new();
        for c in ctx.covered_on(today) {
            let name = self
                .store
                .resident(c.resident_id)
                .map(|r| r.name)
                .unwrap_or_default();
            covered_today.push(CoveredToday {
                resident_id: c.resident_id,
                name,
                package_codes: c.package_codes,
                since: c.since,
            });
        }
        Ok(ContractHistory {
            contract_id,
            agreement_number: contract.agreement_number.clone(),
            entries: dated.into_iter().map(|(_, e)| e).collect(),
            covered_today,
        })
    }

    /// Everyone who ever belonged to a household, with their groups' periods and their
    /// joining and leaving.
    pub fn household_year(&self, household_id: Uuid) -> ApiResult<Vec<MemberYear>> {
        let today = self.today();
        let fail = |e| self.fail(e);
        let residents = self
            .store
            .residents_of_household_ever(household_id)
            .map_err(fail)?;
        let recorded = self
            .store
            .membership_of_household(household_id)
            .map_err(fail)?;
        let mut out = Vec::new();
        for r in residents {
            let events: Vec<_> = recorded
                .iter()
                .filter(|e| e.resident_id == r.id)
                .cloned()
                .collect();
            let member = events.is_empty() || member_on(&events, today) == Some(household_id);
            let left = in_effect_order(&events)
                .into_iter()
                .rev()
                .find_map(|e| match &e.change {
                    MembershipChange::Left { reason } if e.household_id == household_id => {
                        Some(LeftView {
                            on: e.effective_on,
                            reason: reason.clone(),
                        })
                    }
                    _ => None,
                })
                .filter(|_| !member);
            let periods = self.store.group_periods_of(r.id).map_err(fail)?;
            out.push(MemberYear {
                resident_id: r.id,
                name: r.name.clone(),
                member,
                left,
                periods: with_registered_groups(r.id, &r.groups, &periods, r.birth_date)
                    .into_iter()
                    .filter(|p| !p.id.is_nil() || p.end.is_none())
                    .collect(),
                events,
            });
        }
        Ok(out)
    }
}

/// Words for why a member left, for lists and the CLI.
pub fn leave_label(reason: &LeaveReason, lang: jiayi_core::Lang) -> String {
    match reason {
        LeaveReason::Died => lang.pick("死亡", "died").to_string(),
        LeaveReason::MovedOut { destination } => match lang {
            jiayi_core::Lang::Zh => format!("迁出（{destination}）"),
            jiayi_core::Lang::En => format!("moved out ({destination})"),
        },
        LeaveReason::MovedToHousehold { .. } => lang
            .pick("迁入本册另一户", "moved to another household")
            .to_string(),
    }
}
