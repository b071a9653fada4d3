//! Which tools a device offers, by the role the township enrolled it with.
//!
//! A village doctor's laptop does the doctor's work; setting the township's indicator targets
//! and exporting its rosters (signed, unsigned, the audit list) are the township's, done on a
//! team leader's device. The server decides what a device may reach; this rule decides what a
//! device offers, and the API refuses what it does not.
//!
//! A store that was never enrolled belongs to nobody yet (a laptop before it is handed out, the
//! health center's own machine): it offers everything. Once enrolled, the device keeps its role
//! even when the enrollment is forgotten, so forgetting it gives no tools back. The demo
//! township offers everything, for trainers to show, and the screen marks it; a demo enrolled
//! with a demo server takes its role like any laptop, so trainees see a doctor's screen.

use serde::{Deserialize, Serialize};

use uuid::Uuid;

use crate::Lang;

/// The role a device was enrolled with.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceRole {
    /// A village doctor: the villages the device was enrolled for.
    #[default]
    Doctor,
    /// A family-doctor team's leader: every village of the team (see `docs/security.md`).
    TeamLeader,
}

impl DeviceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceRole::Doctor => "doctor",
            DeviceRole::TeamLeader => "team-leader",
        }
    }

    pub fn parse(s: &str) -> Option<DeviceRole> {
        match s.trim() {
            "doctor" => Some(DeviceRole::Doctor),
            "team-leader" => Some(DeviceRole::TeamLeader),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DeviceRole::Doctor => lang.pick("村医", "village doctor"),
            DeviceRole::TeamLeader => lang.pick("团队长", "team leader"),
        }
    }
}

/// A tool of the township's rather than of one doctor's.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TownshipTool {
    /// Setting the township's indicator targets.
    SetTargets,
    /// Exporting the township's rosters: signed and unsigned residents, the audit list.
    RosterExport,
}

impl TownshipTool {
    pub const ALL: [TownshipTool; 2] = [TownshipTool::SetTargets, TownshipTool::RosterExport];

    fn name(self, lang: Lang) -> &'static str {
        match self {
            TownshipTool::SetTargets => lang.pick("设置乡镇考核目标", "setting township targets"),
            TownshipTool::RosterExport => lang.pick("导出乡镇名册", "exporting township rosters"),
        }
    }
}

/// What a device knows of itself when it decides what to offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The demo township, never enrolled: everything, marked.
    Demo,
    /// Never enrolled: nobody's laptop yet.
    NeverEnrolled,
    /// Enrolled (now or before) with this role.
    Enrolled(DeviceRole),
}

impl Standing {
    /// The one rule: which standing may use which township tool.
    pub fn may_use(self, tool: TownshipTool) -> bool {
        match (self, tool) {
            (Standing::Demo | Standing::NeverEnrolled, _) => true,
            (Standing::Enrolled(DeviceRole::TeamLeader), _) => true,
            (
                Standing::Enrolled(DeviceRole::Doctor),
                TownshipTool::SetTargets | TownshipTool::RosterExport,
            ) => false,
        }
    }

    /// The tools this standing offers.
    pub fn tools(self) -> Vec<TownshipTool> {
        TownshipTool::ALL
            .into_iter()
            .filter(|t| self.may_use(*t))
            .collect()
    }

    /// Why a tool is not offered, naming the tool and who has it.
    pub fn refusal(self, tool: TownshipTool, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!(
                "本机登记为村医用机，不提供“{}”：这是卫生院和团队长的工作，请在团队长的电脑上办理。",
                tool.name(lang)
            ),
            Lang::En => format!(
                "This laptop is enrolled as a village doctor's: {} is the health center's and team leaders' work; do it on a team leader's device.",
                tool.name(lang)
            ),
        }
    }
}

/// A device's own villages first, the others after, each part in the order it came: the order
/// of a work list and of every village picker.
pub fn own_villages_first<T>(items: &mut [T], village_of: impl Fn(&T) -> Uuid, own: &[Uuid]) {
    items.sort_by_key(|item| !own.contains(&village_of(item)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_use_which_tool() {
        use Standing::*;
        use TownshipTool::*;
        let cases = [
            (Enrolled(DeviceRole::Doctor), SetTargets, false),
            (Enrolled(DeviceRole::Doctor), RosterExport, false),
            (Enrolled(DeviceRole::TeamLeader), SetTargets, true),
            (Enrolled(DeviceRole::TeamLeader), RosterExport, true),
            (Demo, SetTargets, true),
            (Demo, RosterExport, true),
            (NeverEnrolled, SetTargets, true),
            (NeverEnrolled, RosterExport, true),
        ];
        for (standing, tool, allowed) in cases {
            assert_eq!(standing.may_use(tool), allowed, "{standing:?} {tool:?}");
        }
        assert!(Enrolled(DeviceRole::Doctor).tools().is_empty());
        assert_eq!(Demo.tools(), TownshipTool::ALL.to_vec());
    }

    #[test]
    fn a_refusal_names_the_tool_in_chinese() {
        let text =
            Standing::Enrolled(DeviceRole::Doctor).refusal(TownshipTool::SetTargets, Lang::Zh);
        assert!(
            text.contains("设置乡镇考核目标") && text.contains("村医"),
            "{text}"
        );
    }

    #[test]
    fn own_villages_come_first_in_their_order() {
        let v = |n| Uuid::from_u128(n);
        let mut items = vec![(v(1), "甲"), (v(2), "乙"), (v(3), "丙"), (v(4), "丁")];
        own_villages_first(&mut items, |i| i.0, &[v(4), v(2)]);
        let names: Vec<_> = items.iter().map(|i| i.1).collect();
        assert_eq!(names, ["乙", "丁", "甲", "丙"]);
        own_villages_first(&mut items, |i| i.0, &[]);
        assert_eq!(items.len(), 4);
    }

    #[test]
    fn roles_read_back() {
        for role in [DeviceRole::Doctor, DeviceRole::TeamLeader] {
            assert_eq!(DeviceRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(DeviceRole::parse("nurse"), None);
    }
}
