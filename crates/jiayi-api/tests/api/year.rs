//! A household's year through the API with a stopped clock moved by hand: signed in January, a
//! diagnosis in March, a pregnancy and a birth in June, a death in September, a move in
//! November — and at each step what the contract covers, what the household page says, and
//! that bad input saves nothing.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_api::{
    AmendmentSigning, Api, FixedClock, GroupEnd, GroupStart, HistoryEntry, HouseholdMove,
    HouseholdSplit, JoinKind, LeaveKind, MemberAdd, MemberLeave, ResidentEdit, SplitMember,
};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use jiayi_core::time::china_noon;
use jiayi_core::year::amendment::{AmendmentKind, CoverageEndReason};
use jiayi_core::year::membership::LeaveReason;
use jiayi_store::Store;
use jiayi_testkit::{contract, head, household, member, tiny_png};
use uuid::Uuid;

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn at(d: NaiveDate) -> DateTime<Utc> {
    china_noon(d)
}

struct Year {
    api: Api,
    _dir: tempfile::TempDir,
    household: Uuid,
    /// 张三 (head, hypertension at registration), 李梅, 张小军, 王丽 (daughter-in-law).
    people: Vec<Uuid>,
    contract: Uuid,
}

pub(crate) fn village(code: &str, name: &str) -> Village {
    Village {
        id: Uuid::now_v7(),
        code: code.into(),
        name: name.into(),
        township: "青山镇".into(),
    }
}

pub(crate) fn team(id: u128, name: &str, villages: Vec<Uuid>) -> Team {
    let member = |n: u128, name: &str, role| TeamMember {
        id: Uuid::from_u128(id * 10 + n),
        name: name.into(),
        role,
        phone: "13800000000".into(),
    };
    Team {
        id: Uuid::from_u128(id),
        name: name.into(),
        institution: "青山镇卫生院".into(),
        village_clinic: format!("{name}卫生室"),
        villages,
        members: vec![
            member(1, "赵建国", TeamRole::Leader),
            member(2, "刘医生", TeamRole::FamilyDoctor),
            member(3, "陈护士", TeamRole::Nurse),
        ],
        service_hotline: "0359-4561120".into(),
        complaint_phone: "0359-4561234".into(),
        service_hours: "8:00-18:00".into(),
    }
}

/// Signed on 5 January 2026: the whole household of four.
fn signed_household() -> Year {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    let east = village("140822100200", "东庄村");
    let west = village("140822100201", "西庄村");
    let far = village("140822100300", "南山村");
    for v in [&east, &west, &far] {
        store.put_village(v).unwrap();
    }
    store
        .put_team(&team(100, "东西庄团队", vec![east.id, west.id]))
        .unwrap();
    store
        .put_team(&team(200, "南山团队", vec![far.id]))
        .unwrap();
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(FixedClock(at(day(2026, 1, 5)))));
    let input = household("东庄村", "三组", "东庄村三组5号")
        .member(
            head("张三")
                .born(day(1955, 4, 1), 131)
                .groups(&["hypertension"]),
        )
        .member(member("李梅", Relation::Spouse).born(day(1958, 9, 9), 222))
        .member(member("张小军", Relation::Child).born(day(1990, 1, 2), 333))
        .member(member("王丽", Relation::ChildInLaw).born(day(1995, 5, 5), 444))
        .build();
    let (household, people) = jiayi_testkit::register(&mut api, input);
    let signed = contract(household, &people).sign(&mut api).unwrap();
    Year {
        api,
        _dir: dir,
        household,
        people,
        contract: signed.contract_id,
    }
}

impl Year {
    fn on(&mut self, d: NaiveDate) -> &mut Api {
        self.api.set_clock(Box::new(FixedClock(at(d))));
        &mut self.api
    }

    fn covered(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .api
            .contract_history(self.contract)
            .unwrap()
            .covered_today
            .iter()
            .map(|c| c.resident_id)
            .collect();
        ids.sort();
        ids
    }

    /// (numerator, denominator) of a figure for the year so far, on today's clock.
    fn figure(&self, code: &str) -> (u64, u64) {
        let view = self
            .api
            .report(&jiayi_api::ReportRequest {
                period: Some(self.api.today().format("%Y").to_string()),
                level: None,
                reference: None,
            })
            .unwrap();
        view.total
            .figure(code)
            .map_or((0, 0), |f| (f.numerator, f.denominator))
    }

    /// Items due or overdue for a resident today.
    fn due_items(&self, resident: Uuid) -> Vec<String> {
        self.api
            .due_for_household(self.household)
            .unwrap()
            .into_iter()
            .filter(|d| d.item.resident_id == resident)
            .map(|d| d.item.item_code)
            .collect()
    }

    fn pending(&self) -> u64 {
        self.api.status().unwrap().pending_changes
    }
}

pub(crate) fn signing() -> AmendmentSigning {
    let png = tiny_png();
    AmendmentSigning {
        resident_signature_png: Some(png.clone()),
        doctor_signature_png: Some(png),
        paid_packages: vec![],
    }
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

#[test]
fn a_year_of_one_household() {
    let mut y = signed_household();
    let [zhang_san, li_mei, xiao_jun, wang_li] = y.people[..] else {
        panic!("four members")
    };
    assert_eq!(y.covered(), sorted(y.people.clone()));
    assert_eq!(y.figure("signing"), (4, 4));
    assert_eq!(
        y.figure("signing.hypertension"),
        (1, 1),
        "张三, recorded at registration"
    );

    // February: 王丽 is pregnant (last period in early December).
    let pregnancy = y
        .on(day(2026, 2, 10))
        .start_group(&GroupStart {
            resident_id: wang_li,
            group: PopulationGroup::Pregnant,
            since: Some(day(2025, 12, 1)),
            expected_delivery: None,
            treatment_started: false,
            amend: Some(signing()),
        })
        .unwrap();
    assert!(
        pregnancy.amendment_id.is_some(),
        "pregnancy brings the maternal package, signed for now"
    );
    assert_eq!(y.figure("signing.pregnant"), (1, 1));

    // March: 张小军 is diagnosed with hypertension; the household signs later.
    let diagnosis = y
        .on(day(2026, 3, 10))
        .start_group(&GroupStart {
            resident_id: xiao_jun,
            group: PopulationGroup::Hypertension,
            since: Some(day(2026, 3, 9)),
            expected_delivery: None,
            treatment_started: false,
            amend: None,
        })
        .unwrap();
    assert_eq!(
        diagnosis.packages_to_add,
        vec!["basic_hypertension".to_string()]
    );
    assert_eq!(diagnosis.contract_id, Some(y.contract));
    let before = y.pending();
    let unsigned = y.api.amend_contract(&jiayi_api::AmendRequest {
        contract_id: y.contract,
        kind: AmendmentKind::ObligationAdded {
            resident_id: xiao_jun,
            group: Some(PopulationGroup::Hypertension),
            package_codes: diagnosis.packages_to_add.clone(),
        },
        effective_on: None,
        signing: AmendmentSigning::default(),
    });
    assert_eq!(unsigned.unwrap_err().code, "confirmation_required");
    assert_eq!(y.pending(), before, "a refused amendment saves nothing");
    let obligation = y
        .api
        .amend_contract(&jiayi_api::AmendRequest {
            contract_id: y.contract,
            kind: AmendmentKind::ObligationAdded {
                resident_id: xiao_jun,
                group: Some(PopulationGroup::Hypertension),
                package_codes: diagnosis.packages_to_add.clone(),
            },
            effective_on: None,
            signing: signing(),
        })
        .unwrap();
    let snapshot = y.api.amendment_snapshot(obligation).unwrap();
    assert_eq!(snapshot.member.name, "张小军");
    assert_eq!(snapshot.packages[0].code, "basic_hypertension");
    let history = y.api.contract_history(y.contract).unwrap();
    let xiao_jun_now = history
        .covered_today
        .iter()
        .find(|c| c.resident_id == xiao_jun)
        .unwrap();
    assert!(
        xiao_jun_now
            .package_codes
            .contains(&"basic_hypertension".to_string())
    );
    let view = y.api.household(y.household).unwrap();
    let groups = &view
        .members
        .iter()
        .find(|m| m.id == xiao_jun)
        .unwrap()
        .groups;
    assert!(
        groups.contains(&PopulationGroup::Hypertension),
        "{groups:?}"
    );
    assert_eq!(
        y.figure("signing.hypertension"),
        (2, 2),
        "the diagnosis counts from March"
    );
    y.on(day(2026, 5, 20));
    assert!(
        y.due_items(xiao_jun)
            .contains(&"hypertension_follow_up".to_string()),
        "the package signed for is scheduled: {:?}",
        y.due_items(xiao_jun)
    );
    y.on(day(2026, 6, 2));

    // June: the baby is born; she is added to the contract with the household's signature.
    y.on(day(2026, 6, 2))
        .end_group(&GroupEnd {
            resident_id: wang_li,
            group: PopulationGroup::Pregnant,
            on: None,
            delivered: Some(day(2026, 6, 1)),
        })
        .unwrap();
    let mut baby = member("张小禾", Relation::Grandchild).build();
    baby.id_number = None;
    baby.sex = Some(Sex::Female);
    baby.birth_date = Some("2026-06-01".into());
    let born = y
        .api
        .add_member(&MemberAdd {
            household_id: y.household,
            member: baby,
            reason: JoinKind::Birth,
            on: None,
            mother_id: Some(wang_li),
            from: None,
            extend: Some(signing()),
        })
        .unwrap();
    assert_eq!(born.contract_id, Some(y.contract));
    assert!(born.amendment_id.is_some());
    assert!(y.covered().contains(&born.resident_id));
    let wang_li_groups = y.api.household(y.household).unwrap();
    let wang_li_groups = &wang_li_groups
        .members
        .iter()
        .find(|m| m.id == wang_li)
        .unwrap()
        .groups;
    assert!(wang_li_groups.contains(&PopulationGroup::Postpartum));
    assert!(!wang_li_groups.contains(&PopulationGroup::Pregnant));
    assert_eq!(
        y.figure("signing"),
        (5, 5),
        "the baby is a member, and signed"
    );
    assert_eq!(y.figure("signing.postpartum"), (1, 1));
    assert_eq!(y.figure("signing.pregnant"), (0, 0));

    // A birth into a household the mother is not in, or a second head, is refused.
    let before = y.pending();
    let mut stranger = member("外人", Relation::Child).build();
    stranger.id_number = None;
    stranger.sex = Some(Sex::Male);
    stranger.birth_date = Some("2026-06-01".into());
    let refused = y.api.add_member(&MemberAdd {
        household_id: y.household,
        member: stranger,
        reason: JoinKind::Birth,
        on: None,
        mother_id: None,
        from: None,
        extend: None,
    });
    assert_eq!(refused.unwrap_err().code, "mother_required");
    assert_eq!(y.pending(), before);

    // September: 张三 dies. His coverage ends by an amendment the doctor records; the rest of
    // the household keeps the agreement.
    let died = y
        .on(day(2026, 9, 13))
        .member_leave(&MemberLeave {
            resident_id: zhang_san,
            reason: LeaveKind::Died,
            on: day(2026, 9, 12),
            destination: None,
            to_household_id: None,
            relation: None,
        })
        .unwrap();
    assert_eq!(died.amendment_ids.len(), 1);
    assert!(!y.covered().contains(&zhang_san));
    assert_eq!(y.covered().len(), 4, "李梅, 张小军, 王丽 and the baby");
    assert_eq!(y.figure("signing"), (4, 4), "he leaves the signing base");
    assert_eq!(y.figure("signing.hypertension"), (1, 1));
    assert!(
        y.due_items(zhang_san).is_empty(),
        "nothing is owed to him any more"
    );
    let list = y.api.work_list(None).unwrap();
    assert!(list.due.iter().all(|d| d.item.resident_id != zhang_san));
    assert!(
        list.unsigned_priority
            .iter()
            .all(|u| u.resident_id != zhang_san)
    );
    let history = y.api.contract_history(y.contract).unwrap();
    assert!(history.entries.iter().any(|e| matches!(
        e,
        HistoryEntry::Amendment { amendment, .. } if matches!(
            amendment.kind,
            AmendmentKind::CoverageEnded { reason: CoverageEndReason::Death, .. }
        ) && !amendment.household_signed
    )));
    let members = y.api.household_year(y.household).unwrap();
    let his = members.iter().find(|m| m.resident_id == zhang_san).unwrap();
    assert!(!his.member);
    assert_eq!(his.left.as_ref().unwrap().on, day(2026, 9, 12));
    assert_eq!(his.left.as_ref().unwrap().reason, LeaveReason::Died);
    // Nothing is recorded for him after his death.
    let before = y.pending();
    let after_death = y.api.start_group(&GroupStart {
        resident_id: zhang_san,
        group: PopulationGroup::Diabetes,
        since: Some(day(2026, 9, 13)),
        expected_delivery: None,
        treatment_started: false,
        amend: None,
    });
    assert_eq!(after_death.unwrap_err().code, "invalid_membership");
    assert_eq!(y.pending(), before);

    // A new head: 张小军; his mother is now his parent.
    y.api
        .change_head(&jiayi_api::HeadChange {
            household_id: y.household,
            new_head_id: xiao_jun,
            relations: vec![
                SplitMember {
                    resident_id: li_mei,
                    relation: Relation::Parent,
                },
                SplitMember {
                    resident_id: wang_li,
                    relation: Relation::Spouse,
                },
            ],
        })
        .unwrap();
    let view = y.api.household(y.household).unwrap();
    let head = view
        .members
        .iter()
        .find(|m| m.relation == Relation::Head)
        .unwrap();
    assert_eq!(head.id, xiao_jun);

    // November: the household moves to 西庄村, served by the same team: the contract carries on.
    let household = y.household;
    let moved = y
        .on(day(2026, 11, 3))
        .move_household(&HouseholdMove {
            household_id: household,
            village: "西庄村".into(),
            group: Some("一组".into()),
            address: Some("西庄村一组12号".into()),
            on: day(2026, 11, 1),
        })
        .unwrap();
    assert!(moved.terminated.is_empty());
    assert_eq!(y.api.household(y.household).unwrap().village, "西庄村");
    assert_eq!(y.covered().len(), 4);

    // 2 January 2027: the term ended on 31 December... or in January under a yearly term; either
    // way nobody pressed a button, and the household is still signed.
    let term_end = y.api.contract_summary(y.contract).unwrap().term.end;
    y.on(term_end + chrono::Days::new(2));
    assert_eq!(y.covered().len(), 4);
    assert_eq!(y.figure("signing"), (4, 4));
    let history = y.api.contract_history(y.contract).unwrap();
    assert!(
        history
            .entries
            .iter()
            .any(|e| matches!(e, HistoryEntry::Renewed { .. }))
    );
}

#[test]
fn a_correction_is_one_change_per_field_and_bad_input_saves_nothing() {
    let mut y = signed_household();
    let li_mei = y.people[1];
    let before = y.pending();
    let edited = y
        .on(day(2026, 4, 1))
        .edit_resident(&ResidentEdit {
            resident_id: li_mei,
            phone: Some("13912345678".into()),
            ..ResidentEdit::default()
        })
        .unwrap();
    assert_eq!(edited.phone.unwrap().to_string(), "13912345678");
    assert_eq!(y.pending(), before + 1);
    for bad in [
        ResidentEdit {
            resident_id: li_mei,
            phone: Some("12345".into()),
            ..ResidentEdit::default()
        },
        ResidentEdit {
            resident_id: li_mei,
            birth_date: Some("2030-01-01".into()),
            id_number: Some(String::new()),
            ..ResidentEdit::default()
        },
        ResidentEdit {
            resident_id: li_mei,
            id_number: Some("140822199001023339".into()),
            ..ResidentEdit::default()
        },
        ResidentEdit {
            resident_id: Uuid::now_v7(),
            name: Some("无此人".into()),
            ..ResidentEdit::default()
        },
    ] {
        let err = y.api.edit_resident(&bad).unwrap_err();
        assert!(!err.message.is_empty(), "{err:?}");
        assert_eq!(y.pending(), before + 1, "{bad:?} saved something");
    }
    // Someone else's ID number is refused by name.
    let zhang_san = y.api.household(y.household).unwrap().members[0].clone();
    let err = y
        .api
        .edit_resident(&ResidentEdit {
            resident_id: li_mei,
            id_number: zhang_san.id_number.clone(),
            ..ResidentEdit::default()
        })
        .unwrap_err();
    assert_eq!(err.code, "duplicate_id_number");
    assert!(err.message.contains("张三"), "{}", err.message);
}

#[test]
fn a_split_ends_coverage_of_those_who_leave_and_the_rest_keep_the_agreement() {
    let mut y = signed_household();
    let [_, _, xiao_jun, wang_li] = y.people[..] else {
        panic!("four members")
    };
    let household = y.household;
    let split = y
        .on(day(2026, 5, 2))
        .split_household(&HouseholdSplit {
            household_id: household,
            members: vec![
                SplitMember {
                    resident_id: xiao_jun,
                    relation: Relation::Head,
                },
                SplitMember {
                    resident_id: wang_li,
                    relation: Relation::Spouse,
                },
            ],
            village: None,
            group: None,
            address: "东庄村三组6号".into(),
            on: day(2026, 5, 1),
        })
        .unwrap();
    assert_eq!(split.amendment_ids.len(), 2);
    assert_eq!(y.covered().len(), 2);
    let new = y.api.household(split.new_household_id).unwrap();
    assert_eq!(new.members.len(), 2);
    assert_eq!(
        new.members
            .iter()
            .find(|m| m.relation == Relation::Head)
            .unwrap()
            .id,
        xiao_jun
    );
    // The new household signs its own agreement with the same team.
    contract(split.new_household_id, &[xiao_jun, wang_li])
        .sign(&mut y.api)
        .unwrap();

    // Moving the old household to a village of another team ends its contract that day.
    let moved = y
        .on(day(2026, 7, 2))
        .move_household(&HouseholdMove {
            household_id: household,
            village: "南山村".into(),
            group: None,
            address: Some("南山村二组1号".into()),
            on: day(2026, 7, 1),
        })
        .unwrap();
    assert_eq!(moved.terminated.len(), 1);
    assert!(y.covered().is_empty());
}

#[test]
fn signing_refuses_a_nurse_as_family_doctor_a_child_representative_and_a_second_team() {
    let mut y = signed_household();
    let before = y.pending();
    let nurse = Uuid::from_u128(100 * 10 + 3);
    // A household of its own for the refusals below: a widow and her grandson.
    let input = household("东庄村", "五组", "东庄村五组1号")
        .member(head("孙桂兰").born(day(1950, 3, 3), 222))
        .member(member("孙小宝", Relation::Grandchild).born(day(2015, 7, 7), 111))
        .build();
    let (other, people) = jiayi_testkit::register(&mut y.api, input);
    let before = before + 3;
    assert_eq!(y.pending(), before);

    let mut request = contract(other, &people).request();
    request.doctor_id = Some(nurse);
    let err = y.api.sign_contract(&request).unwrap_err();
    assert!(err.message.contains("陈护士"), "{}", err.message);

    let mut request = contract(other, &people).request();
    request.representative_id = Some(people[1]);
    let err = y.api.sign_contract(&request).unwrap_err();
    assert!(err.message.contains("孙小宝"), "{}", err.message);
    assert_eq!(y.pending(), before, "nothing saved");

    // Signed with the village's team; the other team cannot sign the same household.
    contract(other, &people).sign(&mut y.api).unwrap();
    let mut request = contract(other, &people[..1]).request();
    request.team_id = Some(Uuid::from_u128(200));
    request.doctor_id = Some(Uuid::from_u128(200 * 10 + 2));
    let err = y.api.sign_contract(&request).unwrap_err();
    assert_eq!(err.code, "another_team", "{err:?}");
}

#[test]
fn a_guardian_signs_for_a_household_of_minors() {
    let mut y = signed_household();
    // Two children registered alone; their grandmother lives elsewhere and is their guardian.
    let input = household("东庄村", "六组", "东庄村六组3号")
        .member(head("周小明").born(day(2011, 4, 4), 333))
        .member(member("周小丽", Relation::Sibling).born(day(2014, 9, 9), 444))
        .build();
    let (minors, people) = jiayi_testkit::register(&mut y.api, input);
    let before = y.pending();

    let err = contract(minors, &people).sign(&mut y.api).unwrap_err();
    assert!(
        err.message.contains("周小明"),
        "a minor cannot sign: {}",
        err.message
    );
    let err = contract(minors, &people)
        .by_guardian("王秀英", " ")
        .sign(&mut y.api)
        .unwrap_err();
    assert_eq!(err.code, "required", "{err:?}");
    let mut request = contract(minors, &people)
        .by_guardian("王秀英", "祖母")
        .request();
    if let Some(g) = request.guardian.as_mut() {
        g.id_number = Some("11010519491231002X0".into());
    }
    let err = y.api.sign_contract(&request).unwrap_err();
    assert!(err.message.contains("身份证"), "{}", err.message);
    assert_eq!(y.pending(), before, "nothing saved");

    let signed = contract(minors, &people)
        .by_guardian("王秀英", "祖母")
        .sign(&mut y.api)
        .unwrap();
    let snapshot = y.api.contract_snapshot(signed.contract_id).unwrap();
    assert_eq!(snapshot.party_b.representative_name, "王秀英");
    assert_eq!(snapshot.party_b.guardian_relation.as_deref(), Some("祖母"));
    assert_eq!(snapshot.party_b.head_name, "周小明");
    let text = pdf_text(
        &y.api
            .render_document(signed.contract_id, jiayi_api::Document::Agreement)
            .unwrap(),
    );
    assert!(text.contains("王秀英（祖母，监护人）"), "{text}");

    // A new agreement at renewal is signed by the same guardian.
    let term_end = signed.term.end;
    y.on(term_end - chrono::Days::new(10));
    let renewed = y.api.renew(signed.contract_id, false).unwrap();
    let renewed = y.api.contract_snapshot(renewed.contract_id).unwrap();
    assert_eq!(renewed.party_b.guardian_relation.as_deref(), Some("祖母"));
}

/// The text of a PDF, as poppler reads it.
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout".as_ref(), path.as_os_str(), "-".as_ref()])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_amendment_and_a_renewal_notice_print() {
    let mut y = signed_household();
    let zhang_san = y.people[0];
    let died = y
        .on(day(2026, 9, 13))
        .member_leave(&MemberLeave {
            resident_id: zhang_san,
            reason: LeaveKind::Died,
            on: day(2026, 9, 12),
            destination: None,
            to_household_id: None,
            relation: None,
        })
        .unwrap();
    let text = pdf_text(&y.api.render_amendment(died.amendment_ids[0]).unwrap());
    assert!(text.contains("张三"), "{text}");
    assert!(
        text.contains("2026-09-12") || text.contains("2026年9月12日"),
        "{text}"
    );
    // No renewal yet: the notice is refused with a reason, not an empty page.
    let err = y
        .api
        .render_document(y.contract, jiayi_api::Document::RenewalNotice)
        .unwrap_err();
    assert_eq!(err.code, "nothing_to_print");
    let term_end = y.api.contract_summary(y.contract).unwrap().term.end;
    y.on(term_end + chrono::Days::new(3));
    let notice = pdf_text(
        &y.api
            .render_document(y.contract, jiayi_api::Document::RenewalNotice)
            .unwrap(),
    );
    let members = &notice[notice.find("签约成员").expect("the members' table")..];
    assert!(members.contains("李梅"), "{notice}");
    assert!(
        !members.contains("张三"),
        "the deceased is not listed as covered: {notice}"
    );
}
