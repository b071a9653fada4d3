//! Two years of a household's life through the API, each call with the clock set to its day:
//! the signing, diagnoses, pregnancies and births, deaths, a renewal declined, a change of
//! doctor, a move to another village of the township, a move away.
//! Events run in date order so every call sees the records of the days before it.

use chrono::{Days, NaiveDate};
use jiayi_api::{
    AmendmentSigning, Api, ApiError, DeclineRenewalRequest, FixedClock, GroupEnd, GroupStart,
    JoinKind, LeaveKind, MemberAdd, MemberChoice, MemberLeave, SignRequest, TerminateRequest,
};
use jiayi_core::contract::TerminationReason;
use jiayi_core::household::{ResidentInput, Village};
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use uuid::Uuid;

use crate::names::{FEMALE_CHARS, MALE_CHARS};
pub(crate) use crate::people::{Home, Person};
use crate::rng::Rng;

/// How far back the history goes: contracts are signed from about this many days ago.
pub(crate) const HISTORY_DAYS: i64 = 700;

/// What the history produced, for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub contracts: usize,
    pub declined: usize,
    /// Residents who moved out of the area with their household.
    pub moved_away: usize,
    /// Contracts whose doctor changed within the team.
    pub doctor_changes: usize,
    /// Residents whose household moved to another village of the township (and team).
    pub moved_within: usize,
    pub diagnoses: usize,
    pub pregnancies: usize,
    pub births: usize,
    pub deaths: usize,
    /// Calls the API refused (a demo event that did not fit the records): skipped.
    pub refused: usize,
}

enum Event {
    Sign {
        paid: Vec<(usize, Vec<String>)>,
    },
    Diagnose {
        person: usize,
        group: PopulationGroup,
    },
    Pregnancy {
        person: usize,
        lmp: NaiveDate,
    },
    Delivery {
        person: usize,
    },
    Death {
        person: usize,
    },
    Decline,
    ChangeDoctor,
    MoveWithin {
        to: usize,
    },
    MoveAway,
}

fn at(api: &mut Api, day: NaiveDate) {
    api.set_clock(Box::new(FixedClock(crate::stamp_time(
        day,
        chrono::Utc::now(),
    ))));
}

fn days(n: i64) -> Days {
    Days::new(n.max(0) as u64)
}

fn signing() -> AmendmentSigning {
    AmendmentSigning {
        resident_signature_png: None,
        doctor_signature_png: None,
        paid_packages: vec![],
    }
}

/// Plans and runs a household's two years. `sign` is the signing decision and its paid
/// packages per member, made by the caller.
#[allow(clippy::too_many_arguments)]
pub(crate) fn live(
    api: &mut Api,
    rng: &mut Rng,
    people: &mut Vec<Person>,
    home: &mut Home,
    villages: &[Village],
    sign: Option<Vec<(usize, Vec<String>)>>,
    today: NaiveDate,
    tally: &mut Tally,
) -> Result<(), ApiError> {
    let start = today - days(HISTORY_DAYS);
    let mut events: Vec<(NaiveDate, u8, Event)> = Vec::new();
    if let Some(paid) = sign {
        // Signed over the two years: the older contracts have renewed by themselves.
        let day = today - days(rng.range(21, HISTORY_DAYS));
        events.push((day, 0, Event::Sign { paid }));
        let first_end = day + days(364);
        if first_end < today && rng.chance(0.08) {
            events.push((first_end - days(rng.range(7, 45)), 5, Event::Decline));
        } else if rng.chance(0.012) {
            let moved = day + days(rng.range(30, (today - day).num_days().max(31) - 1));
            if moved < today {
                events.push((moved, 9, Event::MoveAway));
            }
        }
        // Who serves the household changes for a few: drawn from the household's own
        // generator, so the rest of the township stays as it was.
        let mut life = Rng::new(home.life_seed);
        let span = (today - day).num_days();
        if span > 60 && life.chance(0.05) {
            events.push((day + days(life.range(30, span - 1)), 6, Event::ChangeDoctor));
        }
        if span > 90 && villages.len() > 1 && life.chance(0.012) {
            let mut to = life.below(villages.len() as u64 - 1) as usize;
            if to >= home.village {
                to += 1;
            }
            events.push((
                day + days(life.range(60, span - 1)),
                7,
                Event::MoveWithin { to },
            ));
        }
    }
    for &p in &home.members {
        let person = &people[p];
        let Some(birth) = person.birth else { continue };
        let age = person.age_on(today).unwrap_or(0);
        if age >= 65 && !person.head {
            let yearly = if age >= 80 { 0.06 } else { 0.018 };
            if rng.chance(yearly * 2.0) {
                let day = start + days(rng.range(0, HISTORY_DAYS - 1));
                events.push((day, 8, Event::Death { person: p }));
            }
        }
        for (group, from_age, yearly) in [
            (PopulationGroup::Hypertension, 40, 0.012),
            (PopulationGroup::Diabetes, 45, 0.006),
        ] {
            if age >= from_age && !person.groups.contains(&group) && rng.chance(yearly * 2.0) {
                let day = start + days(rng.range(0, HISTORY_DAYS - 1));
                events.push((day, 2, Event::Diagnose { person: p, group }));
            }
        }
        let married = matches!(person.relation, Relation::Spouse | Relation::Head)
            || (person.relation == Relation::Child && age >= 24);
        if person.sex == Sex::Female
            && married
            && (21..=38).contains(&age)
            && !person.groups.contains(&PopulationGroup::Pregnant)
            && !person.groups.contains(&PopulationGroup::Postpartum)
            && rng.chance(0.11)
        {
            // Known from ten weeks; delivered at 37–41 weeks, or still pregnant today.
            let lmp = start + days(rng.range(-60, HISTORY_DAYS - 80));
            let known = lmp + days(70 + rng.range(0, 20));
            if lmp > birth + days(20 * 365) && known < today {
                events.push((known, 3, Event::Pregnancy { person: p, lmp }));
                let delivered = lmp + days(rng.range(37 * 7, 41 * 7));
                if delivered < today {
                    events.push((delivered, 4, Event::Delivery { person: p }));
                }
            }
        }
    }
    events.sort_by_key(|(day, order, _)| (*day, *order));

    for (day, _, event) in events {
        if home.members.iter().all(|&m| !people[m].member_on(day)) {
            break; // the household is gone
        }
        at(api, day);
        let done = match event {
            Event::Sign { paid } => {
                let members: Vec<MemberChoice> = paid
                    .into_iter()
                    .filter(|(p, _)| people[*p].member_on(day))
                    .map(|(p, paid)| MemberChoice {
                        resident_id: people[p].id,
                        paid_packages: paid,
                    })
                    .collect();
                let signed = api.sign_contract(&SignRequest {
                    household_id: home.id,
                    guardian: None,
                    representative_id: None,
                    members,
                    team_id: None,
                    doctor_id: None,
                    signed_on: Some(day),
                    resident_signature_png: None,
                    doctor_signature_png: None,
                })?;
                home.contract = Some(signed.contract_id);
                tally.contracts += 1;
                true
            }
            Event::Diagnose { person, group } => {
                let id = people[person].id;
                let ok = start_group(api, id, group, day, home.contract.is_some());
                if ok {
                    people[person].diagnosed.push((group, day));
                    tally.diagnoses += 1;
                }
                ok
            }
            Event::Pregnancy { person, lmp } => {
                let id = people[person].id;
                let ok = start_group(
                    api,
                    id,
                    PopulationGroup::Pregnant,
                    lmp,
                    home.contract.is_some(),
                );
                tally.pregnancies += usize::from(ok);
                ok
            }
            Event::Delivery { person } => {
                let ok = deliver(api, rng, people, home, person, day)?;
                tally.births += usize::from(ok);
                ok
            }
            Event::Death { person } => {
                let ok = api
                    .member_leave(&MemberLeave {
                        resident_id: people[person].id,
                        reason: LeaveKind::Died,
                        on: day,
                        destination: None,
                        to_household_id: None,
                        relation: None,
                    })
                    .is_ok();
                if ok {
                    people[person].left_on = Some(day);
                    tally.deaths += 1;
                }
                ok
            }
            Event::Decline => {
                let ok = home.contract.is_some_and(|contract_id| {
                    api.decline_renewal(&DeclineRenewalRequest {
                        contract_id,
                        note: "外出务工，暂不续约".into(),
                        resident_confirmed: true,
                        doctor_confirmed: true,
                        resident_signature_png: None,
                        doctor_signature_png: None,
                    })
                    .is_ok()
                });
                tally.declined += usize::from(ok);
                ok
            }
            Event::ChangeDoctor => {
                let ok = crate::changes::change_doctor(api, home, day);
                tally.doctor_changes += usize::from(ok);
                ok
            }
            Event::MoveWithin { to } => {
                let moved =
                    crate::changes::move_within_township(api, people, home, villages, to, day);
                tally.moved_within += moved.unwrap_or(0);
                moved.is_some()
            }
            Event::MoveAway => {
                let moved = move_away(api, people, home, day);
                tally.moved_away += moved.unwrap_or(0);
                moved.is_some()
            }
        };
        tally.refused += usize::from(!done);
    }
    Ok(())
}

/// A diagnosis or a pregnancy, with the packages it brings signed for when the household has a
/// contract (retried without when the contract no longer covers the resident).
fn start_group(
    api: &mut Api,
    resident_id: Uuid,
    group: PopulationGroup,
    since: NaiveDate,
    amend: bool,
) -> bool {
    let request = |amend: bool| GroupStart {
        resident_id,
        group,
        since: Some(since),
        expected_delivery: None,
        treatment_started: false,
        amend: amend.then(signing),
    };
    api.start_group(&request(amend)).is_ok() || (amend && api.start_group(&request(false)).is_ok())
}

/// A delivery: the pregnancy ends, the baby is born into the household and signed for.
fn deliver(
    api: &mut Api,
    rng: &mut Rng,
    people: &mut Vec<Person>,
    home: &mut Home,
    mother: usize,
    day: NaiveDate,
) -> Result<bool, ApiError> {
    at(api, day + Days::new(1));
    let ended = api.end_group(&GroupEnd {
        resident_id: people[mother].id,
        group: PopulationGroup::Pregnant,
        on: None,
        delivered: Some(day),
    });
    if ended.is_err() {
        return Ok(false);
    }
    let sex = if rng.chance(0.52) {
        Sex::Male
    } else {
        Sex::Female
    };
    let chars = if sex == Sex::Male {
        &MALE_CHARS
    } else {
        &FEMALE_CHARS
    };
    let name = format!("{}{}{}", home.surname, rng.pick(chars), rng.pick(chars));
    let relation = match people[mother].relation {
        Relation::Head | Relation::Spouse => Relation::Child,
        _ => Relation::Grandchild,
    };
    let added = |extend: bool| MemberAdd {
        household_id: home.id,
        member: ResidentInput {
            name: name.clone(),
            id_number: None,
            sex: Some(sex),
            birth_date: Some(day.to_string()),
            phone: None,
            relation: Some(relation),
            groups: vec![],
        },
        reason: JoinKind::Birth,
        on: None,
        mother_id: Some(people[mother].id),
        from: None,
        extend: extend.then(signing),
    };
    let outcome = match api.add_member(&added(home.contract.is_some())) {
        Ok(o) => o,
        Err(_) if home.contract.is_some() => match api.add_member(&added(false)) {
            Ok(o) => o,
            Err(_) => return Ok(false),
        },
        Err(_) => return Ok(false),
    };
    people.push(Person {
        id: outcome.resident_id,
        home: people[mother].home,
        head: false,
        sex,
        relation,
        birth: Some(day),
        groups: vec![],
        diagnosed: vec![],
        left_on: None,
        regular: rng.chance(0.8),
    });
    home.members.push(people.len() - 1);
    Ok(true)
}

/// The household moves out of the area: the contract ends on request and every member leaves.
/// Returns how many members left, or `None` when the contract could not be ended.
fn move_away(
    api: &mut Api,
    people: &mut [Person],
    home: &mut Home,
    day: NaiveDate,
) -> Option<usize> {
    if let Some(contract_id) = home.contract {
        let ended = api.terminate(&TerminateRequest {
            contract_id,
            reason: TerminationReason::MovedOut,
            note: "全家迁往外地".into(),
            effective_on: Some(day),
            resident_confirmed: true,
            doctor_confirmed: true,
            resident_signature_png: None,
            doctor_signature_png: None,
        });
        if ended.is_err() {
            return None;
        }
    }
    let mut order: Vec<usize> = home
        .members
        .iter()
        .copied()
        .filter(|&m| people[m].member_on(day))
        .collect();
    order.sort_by_key(|&m| people[m].head); // the head last
    let mut left_count = 0;
    for m in order {
        let left = api.member_leave(&MemberLeave {
            resident_id: people[m].id,
            reason: LeaveKind::MovedOut,
            on: day,
            destination: Some("山西省太原市".into()),
            to_household_id: None,
            relation: None,
        });
        if left.is_ok() {
            people[m].left_on = Some(day);
            left_count += 1;
        }
    }
    Some(left_count)
}
