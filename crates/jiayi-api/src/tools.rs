//! What this device offers by the role it was enrolled with (`jiayi_core::role`): the screen
//! hides the township's tools a doctor's laptop does not offer, and the operations refuse them
//! here, whoever calls.

use jiayi_core::Lang;
use jiayi_core::role::{DeviceRole, Standing, TownshipTool, own_villages_first};
use jiayi_core::short_code;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult, ExportKind};

/// The device's role and the township tools it offers, for the header and the menus.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DeviceTools {
    /// The role the township enrolled the device with; `None` for the demo and a device never
    /// enrolled.
    pub role: Option<DeviceRole>,
    /// The role, or why every tool is shown, in the user's language (e.g. 村医用机,
    /// 演示：显示全部工具).
    pub label: String,
    /// Every tool is shown because the store is the demo's or was never enrolled, not because
    /// of a role: the screen marks them.
    pub all_shown: bool,
    pub tools: Vec<TownshipTool>,
    /// The workbooks the dashboard offers to export.
    pub exports: Vec<ExportKind>,
    /// The device's 登记码, read out to the health center at enrollment.
    pub device_code: String,
    /// The villages the device was enrolled for: shown first in lists and pickers.
    pub own_villages: Vec<Uuid>,
}

impl Api {
    fn standing(&self) -> ApiResult<Standing> {
        self.store.standing().map_err(|e| self.fail(e))
    }

    /// The villages this device was enrolled for; none when not enrolled.
    pub fn own_villages(&self) -> ApiResult<Vec<Uuid>> {
        Ok(self
            .store
            .enrollment()
            .map_err(|e| self.fail(e))?
            .map(|e| e.villages)
            .unwrap_or_default())
    }

    /// Orders items by village, the device's own first, each part keeping its order.
    pub(crate) fn own_first<T>(&self, items: &mut [T], village_of: impl Fn(&T) -> Uuid) {
        // A store that cannot name its enrollment keeps the order it had.
        let own = self.own_villages().unwrap_or_default();
        own_villages_first(items, village_of, &own);
    }

    pub fn device_tools(&self) -> ApiResult<DeviceTools> {
        let standing = self.standing()?;
        let lang = self.lang;
        let (role, label, all_shown) = match standing {
            Standing::Demo => (
                None,
                lang.pick("演示：显示全部工具", "Demo: every tool shown"),
                true,
            ),
            Standing::NeverEnrolled => (
                None,
                lang.pick("未接入：显示全部工具", "Not enrolled: every tool shown"),
                true,
            ),
            Standing::Enrolled(role) => (Some(role), role_label(role, lang), false),
        };
        Ok(DeviceTools {
            role,
            label: label.to_string(),
            all_shown,
            tools: standing.tools(),
            exports: ExportKind::ALL
                .into_iter()
                .filter(|k| k.township_tool().is_none_or(|t| standing.may_use(t)))
                .collect(),
            device_code: short_code::device_code(self.store.device_id()),
            own_villages: self.own_villages()?,
        })
    }

    /// Refuses a township tool this device does not offer.
    pub(crate) fn require_tool(&self, tool: TownshipTool) -> ApiResult<()> {
        let standing = self.standing()?;
        if standing.may_use(tool) {
            return Ok(());
        }
        Err(ApiError::new(
            "not_for_this_device",
            &standing.refusal(tool, Lang::Zh),
            &standing.refusal(tool, Lang::En),
        )
        .localised(self.lang))
    }
}

fn role_label(role: DeviceRole, lang: Lang) -> &'static str {
    match role {
        DeviceRole::Doctor => lang.pick("村医用机", "Village doctor's device"),
        DeviceRole::TeamLeader => lang.pick("团队长用机", "Team leader's device"),
    }
}
