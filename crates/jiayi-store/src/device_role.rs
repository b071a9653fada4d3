//! The role the township enrolled this device with, kept apart from the enrollment: forgetting
//! the enrollment does not forget the role, so it gives no township tools back.

use jiayi_core::role::{DeviceRole, Standing};

use crate::Store;
use crate::error::Result;

/// The settings key; apart from the township's settings, which sync overwrites.
const KEY: &str = "device.role";

impl Store {
    /// The role the server last named for this device; `None` before it named one.
    pub fn device_role(&self) -> Result<Option<DeviceRole>> {
        self.get_setting::<DeviceRole>(KEY)
    }

    /// Keeps the role the server named (at enrollment and at every sync).
    pub fn put_device_role(&mut self, role: DeviceRole) -> Result<()> {
        if self.device_role()? == Some(role) {
            return Ok(());
        }
        self.put_setting(KEY, &role)
    }

    /// What the device knows of itself for `jiayi_core::role`: a role named by the server (the
    /// demo's too, once enrolled with a demo server); enrolled before roles were kept (a
    /// doctor's, until the next sync says more); the demo; never enrolled.
    pub fn standing(&self) -> Result<Standing> {
        if let Some(role) = self.device_role()? {
            return Ok(Standing::Enrolled(role));
        }
        if self.enrollment()?.is_some() {
            return Ok(Standing::Enrolled(DeviceRole::Doctor));
        }
        Ok(if self.data_kind()?.is_demo() {
            Standing::Demo
        } else {
            Standing::NeverEnrolled
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_outlives_the_enrollment_and_a_fresh_demo_shows_everything() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.standing().unwrap(), Standing::NeverEnrolled);
        store.put_device_role(DeviceRole::Doctor).unwrap();
        assert_eq!(
            store.standing().unwrap(),
            Standing::Enrolled(DeviceRole::Doctor)
        );
        store.clear_enrollment().unwrap();
        assert_eq!(
            store.standing().unwrap(),
            Standing::Enrolled(DeviceRole::Doctor),
            "forgetting the enrollment keeps the role"
        );
        store.put_device_role(DeviceRole::TeamLeader).unwrap();
        assert_eq!(
            store.standing().unwrap(),
            Standing::Enrolled(DeviceRole::TeamLeader)
        );
        store.mark_demo().unwrap();
        assert_eq!(
            store.standing().unwrap(),
            Standing::Enrolled(DeviceRole::TeamLeader),
            "a demo enrolled with a demo server takes its role"
        );
        let mut demo = Store::open_in_memory().unwrap();
        demo.mark_demo().unwrap();
        assert_eq!(demo.standing().unwrap(), Standing::Demo);
    }
}
