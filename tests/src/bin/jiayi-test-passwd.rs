//! A process that changes the store's passphrase, for the test that kills it at moments spread
//! over the change: reads the old and the new passphrase from standard input.

use jiayi_api::{change_passphrase, read_passphrase};
use jiayi_core::Lang;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: jiayi-test-passwd DB");
    let mut input = std::io::stdin().lock();
    let old = read_passphrase(&mut input).expect("old passphrase");
    let new = read_passphrase(&mut input).expect("new passphrase");
    match change_passphrase(
        std::path::Path::new(&path),
        &old,
        &new,
        &new,
        chrono::Utc::now(),
        Lang::En,
    ) {
        Ok(_) => println!("changed"),
        Err(e) => {
            eprintln!("{}: {}", e.code, e.message);
            std::process::exit(2);
        }
    }
}
