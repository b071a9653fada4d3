//! The township's recovery key on the device: the server names its public half with every
//! `GET /v1/info`; the device keeps it and seals its data key to it in the key file, at
//! enrollment, after every sync round and at every unlock, so a device enrolled before the
//! township made its key gets sealed at its next sync. Recovering a forgotten passphrase is done
//! at the health center (`jiayi-server recover`, `jiayi_store::recovery`).

use jiayi_store::Store;
use jiayi_sync::engine::keys::RECOVERY_PUBLIC_KEY;

use crate::{Api, ApiResult};

/// Seals the store's data key to the recovery key the server last named, if it is not yet.
/// Returns whether the key file was rewritten.
pub(crate) fn seal_to_known_key(store: &Store) -> jiayi_store::Result<bool> {
    match store.sync_state(RECOVERY_PUBLIC_KEY)? {
        Some(public) if !public.is_empty() => store.seal_to_recovery_key(&public),
        _ => Ok(false),
    }
}

/// Keeps the recovery key the server named and seals to it. A failure to seal never stops an
/// enrollment or a sync round: the lock screen's status shows recovery is not set up.
pub(crate) fn learn_recovery_key(
    store: &mut Store,
    public: Option<&str>,
) -> jiayi_store::Result<()> {
    if let Some(public) = public {
        jiayi_store::RecoveryPublicKey::parse(public)?;
        store.set_sync_state(RECOVERY_PUBLIC_KEY, public)?;
    }
    seal_to_known_key(store)?;
    Ok(())
}

impl Api {
    /// Seals the data key to the township's recovery key if the device knows it and the key
    /// file is not sealed to it yet (called at unlock).
    pub fn seal_to_recovery_key(&self) -> ApiResult<bool> {
        seal_to_known_key(&self.store).map_err(|e| self.fail(e))
    }
}
