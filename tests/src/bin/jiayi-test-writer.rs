//! A writer process for the crash test: registers households in a loop and prints the id of
//! each one after its transaction committed. The test kills it at a random moment.

use std::io::Write;

use chrono::NaiveDate;
use jiayi_api::{Api, RegisterRequest};
use jiayi_core::Lang;
use jiayi_core::household::Village;
use jiayi_core::person::Relation;
use jiayi_testkit::{household, member};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: jiayi-test-writer DB");
    let mut api = Api::open(&path, Lang::En).expect("open");
    let village = Village {
        id: uuid::Uuid::from_u128(1),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    api.store_mut().put_village(&village).expect("village");
    let mut out = std::io::stdout().lock();
    for n in 0u32.. {
        let born =
            NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Days::new(u64::from(n % 20_000));
        let resident = |seq: u16, relation| member(format!("测试{n}"), relation).born(born, seq);
        let household = household("东庄村", "一组", format!("东庄村一组{n}号"))
            .member(resident((n % 500 * 2) as u16, Relation::Head))
            .member(resident((n % 500 * 2 + 1) as u16, Relation::Spouse))
            .build();
        let outcome = api
            .register_household(&RegisterRequest {
                household,
                confirm_duplicates: true,
            })
            .expect("register");
        writeln!(out, "{}", outcome.household_id.expect("saved")).expect("stdout");
        out.flush().expect("flush");
    }
}
