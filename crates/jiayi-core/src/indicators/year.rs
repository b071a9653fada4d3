//! The household's year in the indicator dataset: each resident's dated groups and membership,
//! and the days each contract covers each member once amendments and leaving are counted.
//!
//! The device and the township server both call [`Dataset::add_year`] on the dataset they built,
//! with the records they hold, so their figures stay equal.

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::contract::{Contract, ContractEvent};
use crate::indicators::dataset::{
    CoverSpan, Dataset, MemberInfo, ResidentInfo, YearRecords, owed_specs,
};
use crate::person::PopulationGroup;
use crate::year::amendment::{Amendment, AmendmentKind, coverage_spans};
use crate::year::groups::{GroupPeriod, resident_groups_on, with_registered_groups};
use crate::year::membership::{MembershipEvent, events_or_registration, member_on};
use crate::year::order::Stamped;

/// What the year changes in one contract: members added by amendment, and each resident's
/// covered days.
type ContractYear = (Vec<MemberInfo>, Vec<(Uuid, CoverSpan)>);

impl MemberInfo {
    /// Whether the contract covers this member on a day, given that it is in force then.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.spans.is_empty() || self.spans.iter().any(|s| s.contains(day))
    }
}

impl ResidentInfo {
    /// The groups in force on a day: dated periods, groups recorded at registration, age.
    pub fn groups_on(&self, day: NaiveDate) -> Vec<PopulationGroup> {
        resident_groups_on(self.id, &self.groups, &self.periods, self.birth_date, day)
            .into_iter()
            .collect()
    }

    /// The first day of the period of a recorded group in force on `day` (a group recorded at
    /// registration, before groups had dates, since birth); none when not in force that day.
    pub fn group_since(&self, group: PopulationGroup, day: NaiveDate) -> Option<NaiveDate> {
        with_registered_groups(self.id, &self.groups, &self.periods, self.birth_date)
            .iter()
            .find(|p| p.group == group && p.in_force_on(day))
            .map(|p| p.start)
    }

    /// Whether the resident belongs to a household of the register on a day (a resident with
    /// no membership event always does, from birth).
    pub fn member_on(&self, day: NaiveDate) -> bool {
        self.membership.is_empty() || member_on(&self.membership, day).is_some()
    }
}

impl Dataset {
    /// Adds the year's records to a dataset built from the register and the contracts:
    /// residents get their periods and membership; contracts with amendments, or whose
    /// members joined or left, get the members added and each member's covered days.
    pub fn add_year(
        &mut self,
        contracts: &[Contract],
        events: &[Stamped<ContractEvent>],
        year: &YearRecords<'_>,
        catalogs: &[Catalog],
    ) {
        let mut periods: HashMap<Uuid, Vec<GroupPeriod>> = HashMap::new();
        for p in year.periods {
            periods.entry(p.resident_id).or_default().push(p.clone());
        }
        let mut membership: HashMap<Uuid, Vec<MembershipEvent>> = HashMap::new();
        for e in year.membership {
            membership.entry(e.resident_id).or_default().push(e.clone());
        }
        for r in &mut self.residents {
            r.periods = periods.remove(&r.id).unwrap_or_default();
            r.membership = membership.remove(&r.id).unwrap_or_default();
        }
        let mut amendments: HashMap<Uuid, Vec<Amendment>> = HashMap::new();
        for a in year.amendments {
            amendments.entry(a.contract_id).or_default().push(a.clone());
        }
        // Residents by the households they ever belonged to.
        let mut households: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
        for r in &self.residents {
            households.entry(r.household_id).or_default().insert(r.id);
            for e in &r.membership {
                households.entry(e.household_id).or_default().insert(r.id);
            }
        }
        let residents: HashMap<Uuid, &ResidentInfo> =
            self.residents.iter().map(|r| (r.id, r)).collect();
        let contracts: HashMap<Uuid, &Contract> = contracts.iter().map(|c| (c.id, c)).collect();
        let mut spans_by_contract: HashMap<Uuid, ContractYear> = HashMap::new();
        for info in &self.contracts {
            let Some(contract) = contracts.get(&info.id) else {
                continue;
            };
            let own = amendments.get(&info.id).map(Vec::as_slice).unwrap_or(&[]);
            let people = households.get(&info.household_id);
            let moved = people.is_some_and(|ids| {
                ids.iter()
                    .any(|id| residents.get(id).is_some_and(|r| !r.membership.is_empty()))
            });
            if own.is_empty() && !moved {
                continue; // the contract covers its signed members for as long as it is in force
            }
            let mut household_events = Vec::new();
            for id in people.into_iter().flatten() {
                if let Some(r) = residents.get(id) {
                    household_events.extend(events_or_registration(
                        &r.membership,
                        r.id,
                        r.household_id,
                        r.birth_date,
                    ));
                }
            }
            let stamped: Vec<Stamped<ContractEvent>> = events
                .iter()
                .filter(|e| e.record.contract_id == info.id)
                .cloned()
                .collect();
            let last_change = own
                .iter()
                .map(|a| a.effective_on)
                .chain(household_events.iter().map(|e| e.effective_on))
                .chain([contract.term.end])
                .max()
                .unwrap_or(contract.term.end);
            let to = last_change + Days::new(1);
            let spans = coverage_spans(
                contract,
                &stamped,
                own,
                &household_events,
                contract.term.start,
                to,
            );
            let catalog = catalogs
                .iter()
                .find(|k| k.version == contract.catalog_version);
            let mut added = Vec::new();
            for a in own {
                match &a.kind {
                    AmendmentKind::MemberAdded {
                        resident_id,
                        package_codes,
                    } if !info.members.iter().any(|m| m.resident_id == *resident_id) => {
                        added.push(MemberInfo {
                            resident_id: *resident_id,
                            items: catalog
                                .map(|c| owed_specs(c, package_codes))
                                .unwrap_or_default(),
                            spans: Vec::new(),
                        });
                    }
                    AmendmentKind::ObligationAdded {
                        resident_id,
                        package_codes,
                        ..
                    } => {
                        // The new items are owed from the amendment's day.
                        added.push(MemberInfo {
                            resident_id: *resident_id,
                            items: catalog
                                .map(|c| owed_specs(c, package_codes))
                                .unwrap_or_default(),
                            spans: vec![CoverSpan {
                                from: a.effective_on,
                                until: None,
                            }],
                        });
                    }
                    _ => {}
                }
            }
            let spans = spans
                .into_iter()
                .map(|s| {
                    (
                        s.resident_id,
                        CoverSpan {
                            from: s.from,
                            until: (s.until < to).then_some(s.until),
                        },
                    )
                })
                .collect();
            spans_by_contract.insert(info.id, (added, spans));
        }
        for info in &mut self.contracts {
            let Some((added, spans)) = spans_by_contract.remove(&info.id) else {
                continue;
            };
            info.members.extend(added);
            for member in &mut info.members {
                let own: Vec<CoverSpan> = spans
                    .iter()
                    .filter(|(r, _)| *r == member.resident_id)
                    .map(|(_, s)| *s)
                    .collect();
                member.spans = match member.spans.first() {
                    // Items added later: owed from their day, while the member is covered.
                    Some(since) => own
                        .iter()
                        .filter(|s| s.until.is_none_or(|u| since.from <= u))
                        .map(|s| CoverSpan {
                            from: s.from.max(since.from),
                            until: s.until,
                        })
                        .collect(),
                    None => own,
                };
                if member.spans.is_empty() {
                    // Never covered after all (added, then left the same day): an empty
                    // span list would read as "the whole contract", so mark a day never reached.
                    member.spans.push(CoverSpan {
                        from: NaiveDate::MAX,
                        until: Some(NaiveDate::MAX),
                    });
                }
            }
        }
    }
}
