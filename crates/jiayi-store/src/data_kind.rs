//! Whether the store holds the demo township or real work. Set once, when the demo is built,
//! and never cleared: a store that ever held demo data stays a demo store.

use jiayi_core::data_kind::DataKind;

use crate::Store;
use crate::error::Result;

/// The settings key; apart from the township's settings, which sync overwrites.
const KEY: &str = "store.data_kind";

impl Store {
    /// The store's kind; a store never marked holds real work.
    pub fn data_kind(&self) -> Result<DataKind> {
        Ok(self.get_setting::<DataKind>(KEY)?.unwrap_or_default())
    }

    /// Marks the store as the demo township's. There is no way back.
    pub fn mark_demo(&mut self) -> Result<()> {
        self.put_setting(KEY, &DataKind::Demo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_real_until_marked_demo() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.data_kind().unwrap(), DataKind::Real);
        store.mark_demo().unwrap();
        assert_eq!(store.data_kind().unwrap(), DataKind::Demo);
    }
}
