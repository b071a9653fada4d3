//! The township's recovery key: `recovery-key init` makes the X25519 pair, writes the private
//! half to a file meant for a USB stick in the health center's safe, and keeps only the public
//! half here, which devices receive with `GET /v1/info` and seal their data key to.
//! `recover` gives a doctor's store a new passphrase with that private half, in person; the
//! operation itself is the device store's (`jiayi_store::recovery`).

use std::io::BufRead;
use std::path::Path;

use chrono::Utc;
use jiayi_store::{KdfParams, RecoverySecretKey};
use zeroize::Zeroizing;

use crate::storage::{AuditEvent, Storage};
use crate::{Result, ServerError};

/// The settings row holding the recovery public key (a JSON string of hex).
pub const SETTING: &str = "recovery_public_key";

/// The township's recovery public key (hex), once made.
pub fn public_key(storage: &dyn Storage) -> Result<Option<String>> {
    public_key_from_setting(storage.setting(SETTING)?)
}

/// The public key kept in the setting [`SETTING`].
pub fn public_key_from_setting(setting: Option<String>) -> Result<Option<String>> {
    setting
        .map(|json| serde_json::from_str::<String>(&json).map_err(ServerError::from))
        .transpose()
}

/// Makes the township's recovery key pair: the private half into a new file `out` (owner only;
/// an existing file is never overwritten), the public half into the server's settings. Refuses
/// when the township already has one: devices have sealed their keys to it.
pub fn init(storage: &dyn Storage, out: &Path) -> Result<String> {
    if let Some(existing) = public_key(storage)? {
        return Err(ServerError::Invalid(format!(
            "this township already has a recovery key ({existing}); its private half is on the health center's USB stick"
        )));
    }
    let secret = RecoverySecretKey::generate();
    crate::private_file::create_new(out, secret.to_file_text().as_bytes())
        .map_err(|e| ServerError::Invalid(format!("writing {}: {e}", out.display())))?;
    let public = secret.public_key().to_hex();
    storage.put_setting(SETTING, &serde_json::to_string(&public)?)?;
    storage.append_audit(&AuditEvent::operator("recovery-key-init"), Utc::now())?;
    Ok(public)
}

/// Gives the store at `database` a new passphrase, read twice from `input` (never an argument),
/// with the recovery private key in `key_file`. A wrong key changes nothing.
pub fn recover(database: &Path, key_file: &Path, input: &mut impl BufRead) -> Result<()> {
    let text = Zeroizing::new(
        std::fs::read_to_string(key_file)
            .map_err(|e| ServerError::Invalid(format!("reading {}: {e}", key_file.display())))?,
    );
    let secret = RecoverySecretKey::from_file_text(&text).map_err(store_error)?;
    let passphrase = read_line(input)?;
    let confirmation = read_line(input)?;
    jiayi_core::access::check_new_passphrase(&passphrase, &confirmation)
        .map_err(|p| ServerError::Invalid(format!("{} ({})", p.message_zh(), p.message_en())))?;
    jiayi_store::recovery::recover(
        database,
        &secret,
        &passphrase,
        KdfParams::default(),
        Utc::now(),
    )
    .map_err(store_error)
}

fn read_line(input: &mut impl BufRead) -> Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    input.read_line(&mut line)?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_string(),
    ))
}

fn store_error(e: jiayi_store::StoreError) -> ServerError {
    ServerError::Invalid(format!(
        "{} ({})",
        e.message(jiayi_core::Lang::Zh),
        e.message(jiayi_core::Lang::En)
    ))
}
