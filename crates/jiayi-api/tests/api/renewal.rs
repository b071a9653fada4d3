//! Automatic renewal (视为自动续约) under the calendar-year policy: on 1 January nobody acts
//! and the township's contracts carry on; declining ends a contract at its term end.

use chrono::NaiveDate;
use jiayi_api::{Api, DeclineRenewalRequest, FixedClock, RenewalKind, ReportRequest};
use jiayi_core::contract::{ContractStatus, TermPolicy};
use jiayi_core::year::renewal::renewal_id;

use crate::workflows::{at, day, fixture, register, sign};

fn calendar_year(api: &mut Api) {
    let mut settings = api.settings().unwrap();
    settings.term_policy = TermPolicy::CalendarYear;
    api.put_settings(&settings).unwrap();
}

/// The township's signing figure (numerator, denominator) in a month, reported on a day.
fn signing(api: &Api, month: &str, reference: NaiveDate) -> (u64, u64) {
    let report = api
        .report(&ReportRequest {
            period: Some(month.into()),
            level: None,
            reference: Some(reference),
        })
        .unwrap();
    let figure = report.total.figure("signing").unwrap();
    (figure.numerator, figure.denominator)
}

#[test]
fn a_calendar_year_contract_renews_by_itself_on_1_january() {
    let mut f = fixture(day(2026, 3, 1));
    calendar_year(&mut f.api);
    let (household, members) = register(&mut f.api);
    let signed = sign(&mut f.api, household, &members, &[]).unwrap();
    assert_eq!(signed.term.end, day(2026, 12, 31));

    // Too early for a new agreement at renewal.
    f.api.set_clock(Box::new(FixedClock(at(day(2026, 6, 1)))));
    let early = f.api.renew(signed.contract_id, false).unwrap_err();
    assert_eq!(early.code, "contract_state");
    assert!(early.message.contains("2026-12-01"), "{}", early.message);

    // December: the work list says the term ends and renews by itself.
    let december = f.api.work_list(Some(day(2026, 12, 10))).unwrap();
    let ending = &december.renewals[0];
    assert_eq!(ending.contract_id, signed.contract_id);
    assert_eq!(ending.kind, RenewalKind::Ending);
    assert!(ending.renews);
    assert_eq!(ending.last_day, day(2026, 12, 31));

    let before = signing(&f.api, "2026-12", day(2026, 12, 31));
    assert!(before.0 > 0, "{before:?}");

    // 2 January: no one pressed a button.
    f.api.set_clock(Box::new(FixedClock(at(day(2027, 1, 2)))));
    let pending = f.api.status().unwrap().pending_changes;
    let list = f.api.work_list(None).unwrap();
    assert_eq!(list.renewal_count, 1);
    let renewed = &list.renewals[0];
    assert_eq!(renewed.contract_id, signed.contract_id);
    assert_eq!(renewed.kind, RenewalKind::Renewed);
    assert_eq!(
        (renewed.renewal, renewed.term_start, renewed.term_end),
        (1, day(2027, 1, 1), day(2027, 12, 31))
    );
    assert!(
        list.unsigned_priority
            .iter()
            .all(|u| !members.contains(&u.resident_id)),
        "the household is still covered"
    );
    assert!(
        f.api
            .due(None)
            .unwrap()
            .iter()
            .any(|d| d.item.contract_id == signed.contract_id && d.item.opens_on == day(2027, 1, 1)),
        "the renewed term owes its items afresh"
    );
    let summary = f.api.contract_summary(signed.contract_id).unwrap();
    assert_eq!(summary.status, ContractStatus::Active);
    assert_eq!(summary.term_in_force.map(|t| t.renewal), Some(1));
    assert_eq!(
        signing(&f.api, "2027-01", day(2027, 1, 2)),
        before,
        "the signing rate does not drop on 1 January"
    );

    // renew-due only reports: the same answer twice, nothing written.
    let first = f.api.renew_due(day(2027, 1, 2)).unwrap();
    let second = f.api.renew_due(day(2027, 1, 2)).unwrap();
    assert_eq!(first, second);
    assert_eq!(first.renewed.len(), 1);
    assert_eq!(
        first.renewed[0].id,
        renewal_id(signed.contract_id, day(2027, 1, 1))
    );
    assert_eq!(f.api.status().unwrap().pending_changes, pending);

    // A visit in the renewed term fulfils the renewed term's first follow-up.
    let visit = f
        .api
        .record_visit(&jiayi_testkit::follow_up(members[0], (132, 84)))
        .unwrap();
    let next = visit.next_due.expect("three more follow-ups this term");
    assert_eq!(next.occurrence, 2);
    assert!(next.opens_on > day(2027, 1, 1) && next.due_by <= day(2027, 12, 31));
    assert!(
        f.api
            .due(None)
            .unwrap()
            .iter()
            .all(|d| d.item.contract_id != signed.contract_id
                || d.item.item_code != "hypertension_follow_up"),
        "the first follow-up of the renewed term is done"
    );
}

#[test]
fn declining_renewal_ends_cover_the_day_after_the_term() {
    let mut f = fixture(day(2026, 3, 1));
    calendar_year(&mut f.api);
    let (household, members) = register(&mut f.api);
    let signed = sign(&mut f.api, household, &members, &[]).unwrap();

    f.api.set_clock(Box::new(FixedClock(at(day(2027, 5, 1)))));
    let mut request = DeclineRenewalRequest {
        contract_id: signed.contract_id,
        note: String::new(),
        resident_confirmed: true,
        doctor_confirmed: false,
        resident_signature_png: None,
        doctor_signature_png: None,
    };
    assert_eq!(
        f.api.decline_renewal(&request).unwrap_err().code,
        "confirmation_required"
    );
    request.doctor_confirmed = true;
    let declined = f.api.decline_renewal(&request).unwrap();
    assert_eq!(
        declined.effective_on,
        day(2028, 1, 1),
        "declined during the first renewed term: it ends with that term"
    );
    let again = f.api.decline_renewal(&request).unwrap_err();
    assert_eq!(again.code, "contract_state");
    assert!(again.message.contains("已解约"), "{}", again.message);

    let december = f.api.work_list(Some(day(2027, 12, 10))).unwrap();
    let ending = &december.renewals[0];
    assert_eq!(ending.kind, RenewalKind::Ending);
    assert!(!ending.renews, "a real end, not a renewal");

    let last = signing(&f.api, "2027-12", day(2027, 12, 31));
    assert!(last.0 > 0);
    f.api.set_clock(Box::new(FixedClock(at(day(2028, 1, 2)))));
    assert_eq!(
        f.api.contract_summary(signed.contract_id).unwrap().status,
        ContractStatus::Terminated
    );
    assert_eq!(signing(&f.api, "2028-01", day(2028, 1, 2)).0, 0);
    assert!(f.api.renew_due(day(2028, 1, 2)).unwrap().renewed.len() == 1);
}

#[test]
fn a_new_agreement_after_automatic_renewal_is_never_signed_in_the_past() {
    let mut f = fixture(day(2026, 3, 1));
    calendar_year(&mut f.api);
    let (household, members) = register(&mut f.api);
    let signed = sign(&mut f.api, household, &members, &[]).unwrap();
    let covered = signing(&f.api, "2026-12", day(2026, 12, 31));
    assert!(covered.0 > 0, "{covered:?}");

    // February, after the contract renewed by itself on 1 January: the household signs a
    // new agreement. It starts today and runs to the end of the year it takes over.
    f.api.set_clock(Box::new(FixedClock(at(day(2027, 2, 10)))));
    let successor = f.api.renew(signed.contract_id, false).unwrap();
    assert_eq!(
        (successor.term.start, successor.term.end),
        (day(2027, 2, 10), day(2027, 12, 31)),
    );
    assert_eq!(
        f.api.renew(signed.contract_id, false).unwrap_err().code,
        "contract_state",
        "renewed once"
    );
    assert_eq!(
        f.api.contract_summary(signed.contract_id).unwrap().status,
        ContractStatus::Renewed
    );
    // Up to yesterday the old contract's renewed term was in force, as it was reported then.
    f.api.set_clock(Box::new(FixedClock(at(day(2027, 2, 9)))));
    let yesterday = f.api.contract_summary(signed.contract_id).unwrap();
    assert_eq!(yesterday.status, ContractStatus::Active);
    let in_force = yesterday.term_in_force.expect("renewed by itself");
    assert_eq!((in_force.renewal, in_force.last_day), (1, day(2027, 2, 9)));
    f.api.set_clock(Box::new(FixedClock(at(day(2027, 2, 10)))));
    assert_eq!(signing(&f.api, "2027-01", day(2027, 1, 31)), covered);
    assert_eq!(signing(&f.api, "2027-02", day(2027, 2, 10)), covered);
    assert_eq!(
        f.api
            .contract_summary(successor.contract_id)
            .unwrap()
            .status,
        ContractStatus::Active
    );

    // In its last month the successor's own renewal follows its term.
    f.api.set_clock(Box::new(FixedClock(at(day(2027, 12, 10)))));
    let third = f.api.renew(successor.contract_id, false).unwrap();
    assert_eq!(
        (third.term.start, third.term.end),
        (day(2028, 1, 1), day(2028, 12, 31))
    );
    f.api.set_clock(Box::new(FixedClock(at(day(2028, 1, 2)))));
    assert_eq!(signing(&f.api, "2028-01", day(2028, 1, 2)), covered);
    let list = f.api.work_list(None).unwrap();
    assert!(
        list.unsigned_priority
            .iter()
            .all(|u| !members.contains(&u.resident_id)),
        "the household is still covered"
    );
}
