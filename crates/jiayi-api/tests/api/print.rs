//! Printing through the API on a real store file: the card after a change of doctor (and the
//! earlier card superseded), 补打 on the second print, each member's package items only, the
//! demo mark only on a demo store's paper, the print queue, save-as, files readable by their
//! owner alone, and a print reaching the chosen printer of a real CUPS scheduler as chosen.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_api::{
    Api, ChangeDoctorRequest, Document, FixedClock, HandedTo, PrintChoice, PrintSystem, Sides,
};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::person::{Relation, Sex};
use jiayi_core::time::china_noon;
use jiayi_store::Store;
use jiayi_testkit::cups::PrivateCups;
use jiayi_testkit::{contract, head, household, member};
use uuid::Uuid;

const LIU: Uuid = Uuid::from_u128(0xd0c1);
const WANG: Uuid = Uuid::from_u128(0xd0c2);

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    china_noon(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn doctor(id: Uuid, name: &str, phone: &str) -> TeamMember {
    TeamMember {
        id,
        name: name.into(),
        role: TeamRole::FamilyDoctor,
        phone: phone.into(),
    }
}

struct Desk {
    api: Api,
    dir: tempfile::TempDir,
    contract_id: Uuid,
}

impl Desk {
    fn prints(&self) -> std::path::PathBuf {
        self.dir.path().join("prints")
    }

    fn set_day(&mut self, y: i32, m: u32, d: u32) {
        self.api.set_clock(Box::new(FixedClock(at(y, m, d))));
    }

    /// Makes a document ready and hands it on as the shell does once the printer took it.
    fn print(&self, document: Document) -> String {
        let prepared = self
            .api
            .prepare_document(self.contract_id, document, &self.prints())
            .unwrap();
        self.api.record_print(&prepared, HandedTo::Printer).unwrap();
        pdf_text(&std::fs::read(&prepared.path).unwrap())
    }
}

/// A household in 东庄村 of a man of 40, his wife and their son of three, signed on 5 March
/// 2026 with 刘医生; `demo` marks the store as the demo township's first.
fn desk(demo: bool) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    if demo {
        store.mark_demo().unwrap();
    }
    let east = Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&east).unwrap();
    store
        .put_team(&Team {
            id: Uuid::from_u128(0x7ea),
            name: "东庄团队".into(),
            institution: "青山镇卫生院".into(),
            village_clinic: "东庄村卫生室".into(),
            villages: vec![east.id],
            members: vec![
                doctor(LIU, "刘医生", "13800000001"),
                doctor(WANG, "王医生", "13800000002"),
            ],
            service_hotline: String::new(),
            complaint_phone: String::new(),
            service_hours: String::new(),
        })
        .unwrap();
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(FixedClock(at(2026, 3, 5))));
    let input = household("东庄村", "一组", "东庄村一组3号")
        .member(head("赵建国").birth_date("1986-04-02").sex(Sex::Male))
        .member(
            member("孙丽", Relation::Spouse)
                .birth_date("1988-09-10")
                .sex(Sex::Female),
        )
        .member(
            member("赵小宝", Relation::Child)
                .birth_date("2023-01-15")
                .sex(Sex::Male),
        )
        .build();
    let (household_id, people) = jiayi_testkit::register(&mut api, input);
    let mut request = contract(household_id, &people).request();
    request.doctor_id = Some(LIU);
    let contract_id = api.sign_contract(&request).unwrap().contract_id;
    Desk {
        api,
        dir,
        contract_id,
    }
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn the_card_after_a_change_of_doctor_names_the_new_one_and_the_old_card_is_superseded() {
    let mut desk = desk(false);
    let first = flat(&desk.print(Document::ContactCard));
    assert!(
        first.contains("刘医生") && first.contains("13800000001"),
        "{first}"
    );

    desk.set_day(2026, 6, 20);
    desk.api
        .change_doctor(&ChangeDoctorRequest {
            contract_id: desk.contract_id,
            doctor_id: WANG,
            effective_on: None,
            note: String::new(),
        })
        .unwrap();
    let second = flat(&desk.print(Document::ContactCard));
    assert!(
        second.contains("王医生") && second.contains("13800000002"),
        "the card names the doctor serving today: {second}"
    );
    assert!(!second.contains("刘医生"), "not the doctor signed with");
    let agreement = flat(&desk.print(Document::Agreement));
    assert!(
        agreement.contains("刘医生"),
        "the frozen agreement keeps who signed"
    );

    let cards = desk.api.card_prints(desk.contract_id).unwrap();
    assert_eq!(cards.len(), 2, "each printed card is kept");
    assert_eq!(cards[0].doctor_name, "刘医生");
    assert_eq!(cards[0].team_name, "东庄团队");
    assert_eq!(cards[1].doctor_name, "王医生");
    assert_eq!(
        cards[0].superseded_by,
        Some(cards[1].id),
        "the card naming 刘医生 is superseded by the new one"
    );
    assert_eq!(cards[1].superseded_by, None);
    assert!(cards[1].printed_at > cards[0].printed_at);
}

#[test]
fn a_second_print_says_reprint_with_its_day_and_an_unhanded_one_does_not_count() {
    let mut desk = desk(false);
    // Made ready but never handed on (the printer was off): not a print.
    desk.api
        .prepare_document(desk.contract_id, Document::Agreement, &desk.prints())
        .unwrap();
    let first = flat(&desk.print(Document::Agreement));
    assert!(
        !first.contains("补打"),
        "the first print is no reprint: {first}"
    );
    desk.set_day(2026, 4, 18);
    let second = flat(&desk.print(Document::Agreement));
    assert!(second.contains("补打2026年4月18日"), "{second}");
    let card = flat(&desk.print(Document::ContactCard));
    assert!(!card.contains("补打"), "the card has its own first print");
    let card_again = flat(&desk.print(Document::ContactCard));
    assert!(card_again.contains("补打2026年4月18日"));
    let cards = desk.api.card_prints(desk.contract_id).unwrap();
    assert_eq!(
        cards[0].superseded_by, None,
        "a reprint with the same doctor does not supersede the card"
    );
    assert!(cards[1].reprint);
}

#[test]
fn a_three_year_old_and_a_man_get_only_the_items_they_are_owed() {
    let desk = desk(false);
    let snapshot = desk.api.contract_snapshot(desk.contract_id).unwrap();
    let child = snapshot.packages.iter().find(|p| p.code == "basic_child");
    assert!(
        child.is_some_and(|p| p.items.iter().any(|i| i.code == "newborn_visit")),
        "the frozen agreement keeps the package as signed"
    );
    let agreement = flat(&desk.print(Document::Agreement));
    assert!(agreement.contains("儿童健康检查"), "{agreement}");
    assert!(
        !agreement.contains("新生儿家庭访视"),
        "a three-year-old's package lists no newborn visit"
    );
    assert!(
        !agreement.contains("产前检查") && !agreement.contains("孕产妇"),
        "nobody here is pregnant"
    );
    let card = flat(&desk.print(Document::ContactCard));
    assert!(!card.contains("新生儿家庭访视"), "{card}");
    let code = jiayi_core::agreement::verification_code(&snapshot.sha256());
    assert!(
        agreement.contains(&code),
        "the printed agreement still verifies"
    );
}

#[test]
fn only_a_demo_stores_paper_carries_the_demo_mark() {
    for (demo, expected) in [(true, true), (false, false)] {
        let desk = desk(demo);
        for document in [Document::Agreement, Document::ContactCard] {
            let text = flat(&desk.print(document));
            assert_eq!(
                text.contains("演示数据—非正式文书"),
                expected,
                "{document:?} from a {} store",
                if demo { "demo" } else { "real" }
            );
        }
    }
}

#[test]
fn printed_files_stay_in_the_private_prints_folder() {
    let desk = desk(false);
    jiayi_api::prepare_prints_dir(&desk.prints(), Lang::Zh).unwrap();
    let prepared = desk
        .api
        .prepare_document(desk.contract_id, Document::Agreement, &desk.prints())
        .unwrap();
    assert!(prepared.path.starts_with(desk.prints()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&prepared.path),
            0o600,
            "names and ID numbers: owner only"
        );
        assert_eq!(mode(&desk.prints()), 0o700);
    }
}

#[test]
fn save_as_needs_an_existing_folder_and_counts_as_a_print() {
    let desk = desk(false);
    let err = desk
        .api
        .save_document_as(
            desk.contract_id,
            Document::Agreement,
            &desk.dir.path().join("no-usb"),
        )
        .unwrap_err();
    assert_eq!(err.code, "folder_missing");
    assert!(err.message.contains("U盘"), "{}", err.message);
    let usb = desk.dir.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let path = desk
        .api
        .save_document_as(desk.contract_id, Document::Agreement, &usb)
        .unwrap();
    assert!(path.starts_with(&usb) && path.exists());
    let again = flat(&desk.print(Document::Agreement));
    assert!(again.contains("补打"), "the saved copy was a print");
}

#[test]
fn documents_queued_in_the_day_are_printed_together_and_marked_printed() {
    let mut desk = desk(false);
    let agreement = desk
        .api
        .queue_print(desk.contract_id, Document::Agreement)
        .unwrap();
    desk.api
        .queue_print(desk.contract_id, Document::ContactCard)
        .unwrap();
    let again = desk
        .api
        .queue_print(desk.contract_id, Document::Agreement)
        .unwrap();
    assert_eq!(
        again.id, agreement.id,
        "a waiting document is not queued twice"
    );
    let err = desk
        .api
        .queue_print(desk.contract_id, Document::Termination)
        .unwrap_err();
    assert_eq!(
        err.code, "contract_state",
        "refused when queued, not at the clinic"
    );

    let queue = desk.api.print_queue().unwrap();
    assert_eq!(queue.waiting.len(), 2);
    assert_eq!(queue.waiting[0].household_head, "赵建国");
    assert_eq!(queue.waiting[0].village, "东庄村");
    assert!(queue.printed_today.is_empty());

    // At the clinic: the first goes through, the printer jams on the second.
    let mut sent = 0;
    let outcomes = desk
        .api
        .print_all_queued(&desk.prints(), |path| {
            sent += 1;
            assert!(path.exists());
            if sent == 1 {
                Ok(jiayi_api::PrintJob {
                    printer: "HP".into(),
                    job: "HP-1".into(),
                })
            } else {
                Err(jiayi_api::ApiError::invalid(
                    "print_refused",
                    "卡纸",
                    "jammed",
                ))
            }
        })
        .unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(
        outcomes[0].job.as_ref().map(|j| j.job.as_str()),
        Some("HP-1")
    );
    assert_eq!(
        outcomes[1].error.as_ref().map(|e| e.code.as_str()),
        Some("print_refused")
    );
    let queue = desk.api.print_queue().unwrap();
    assert_eq!(queue.waiting.len(), 1, "the jammed one still waits");
    assert_eq!(queue.waiting[0].document, Document::ContactCard);
    assert_eq!(queue.printed_today.len(), 1);
    assert_eq!(queue.printed_today[0].document, Document::Agreement);

    // One by one, then off the list the next day.
    let waiting = queue.waiting[0].id;
    desk.api
        .print_queued(waiting, &desk.prints(), HandedTo::Viewer, |_| Ok(()))
        .unwrap();
    let err = desk
        .api
        .print_queued(waiting, &desk.prints(), HandedTo::Viewer, |_| Ok(()))
        .unwrap_err();
    assert_eq!(err.code, "already_printed");
    assert_eq!(desk.api.print_queue().unwrap().printed_today.len(), 2);
    desk.set_day(2026, 3, 6);
    let tomorrow = desk.api.print_queue().unwrap();
    assert!(tomorrow.waiting.is_empty() && tomorrow.printed_today.is_empty());

    let queued = desk
        .api
        .queue_print(desk.contract_id, Document::Agreement)
        .unwrap();
    desk.api.unqueue_print(queued.id).unwrap();
    assert!(desk.api.print_queue().unwrap().waiting.is_empty());
}

#[test]
fn a_print_reaches_the_chosen_printer_of_a_real_cups_as_the_doctor_chose_it() {
    let Some(cups) = PrivateCups::start() else {
        return;
    };
    cups.add_printer("Clinic-HP", true);
    cups.add_printer("Office-Brother", false);
    let system = PrintSystem {
        cups_server: Some(cups.server()),
        ..PrintSystem::default()
    };
    let printers = system.printers(Lang::Zh).unwrap();
    let names: Vec<&str> = printers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Clinic-HP", "Office-Brother"], "the default first");
    assert!(printers[0].is_default && !printers[1].is_default);

    let desk = desk(false);
    let prepared = desk
        .api
        .prepare_document(desk.contract_id, Document::Agreement, &desk.prints())
        .unwrap();
    let pdf = std::fs::read(&prepared.path).unwrap();
    // As chosen in the print dialog: another printer, two copies of page 1, both sides.
    let choice = PrintChoice {
        copies: 2,
        pages: vec![(1, 1)],
        sides: Sides::LongEdge,
        ..PrintChoice::on(Some("Office-Brother"))
    };
    let job = system.send_as(&prepared.path, &choice, Lang::Zh).unwrap();
    assert_eq!(job.printer, "Office-Brother");
    assert!(job.job.starts_with("Office-Brother-"), "{job:?}");
    // With nothing chosen: the default printer, once.
    let plain = system.send(&prepared.path, None, Lang::Zh).unwrap();
    assert!(plain.job.starts_with("Clinic-HP-"), "{plain:?}");

    let jobs = cups.wait_for_jobs(2);
    let chosen = jobs.iter().find(|j| j.printer == "Office-Brother").unwrap();
    assert_eq!(
        chosen.bytes, pdf,
        "the printer gets the agreement's file as it is"
    );
    assert_eq!(chosen.copies, 2);
    for option in ["page-ranges=1", "sides=two-sided-long-edge"] {
        assert!(
            chosen.options.contains(option),
            "{option} in {}",
            chosen.options
        );
    }
    let default = jobs.iter().find(|j| j.printer == "Clinic-HP").unwrap();
    assert_eq!(default.bytes, pdf);
    assert_eq!(default.copies, 1);
    assert!(
        !default.options.contains("page-ranges"),
        "{}",
        default.options
    );

    // A printer that is gone by the time the doctor prints: refused, in Chinese, nothing sent.
    let gone = system
        .send_as(
            &prepared.path,
            &PrintChoice::on(Some("Gone-Printer")),
            Lang::Zh,
        )
        .unwrap_err();
    assert_eq!(gone.code, "print_refused");
    assert!(
        gone.message.contains("打印机没有接受文件"),
        "{}",
        gone.message
    );
    assert_eq!(cups.received().len(), 2);
}

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
