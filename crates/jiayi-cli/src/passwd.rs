//! `jiayi passwd`: changes the passphrase of an encrypted database. The old passphrase, the new
//! one and the new one again are the first three lines of standard input (never arguments:
//! other users of the machine could read them).

use std::path::Path;

use chrono::Utc;
use jiayi_api::{ApiError, change_passphrase};
use jiayi_core::Lang;

pub fn run(database: &Path, lang: Lang) -> Result<(), ApiError> {
    let mut input = std::io::stdin().lock();
    let mut line = || {
        jiayi_api::read_passphrase(&mut input).map_err(|e| {
            ApiError::invalid(
                "invalid_input",
                &format!("无法读取口令：{e}"),
                &format!("cannot read the passphrase: {e}"),
            )
            .localised(lang)
        })
    };
    let old = line()?;
    let new = line()?;
    let confirmation = line()?;
    let changed = change_passphrase(database, &old, &new, &confirmation, Utc::now(), lang)?;
    if let Some(notice) = changed.notice {
        eprintln!("{notice}");
    }
    println!(
        "{}",
        lang.pick(
            "口令已修改，数据已用新密钥重新加密。今后请使用新口令。",
            "The passphrase is changed and the data re-encrypted under a new key: use the new passphrase from now on."
        )
    );
    Ok(())
}
