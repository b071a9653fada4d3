//! The names villages go by on the pages. The township's own list (`jiayi-server villages`)
//! comes first; a village it has not named yet takes the name the reference data and the
//! records already give it: the village clinic of a team that serves that village alone
//! (`东庄村卫生室` → `东庄村`), or the village a signed agreement's frozen text names.

use std::collections::HashMap;

use jiayi_core::Lang;
use jiayi_core::household::{Team, Village};
use uuid::Uuid;

/// How a clinic's name ends after its village's name.
const CLINIC_SUFFIXES: [&str; 2] = ["卫生室", "卫生所"];

#[derive(Debug, Clone, Default)]
pub(crate) struct VillageNames(HashMap<Uuid, String>);

impl VillageNames {
    /// The township's names, then the names the teams' clinics give.
    pub(crate) fn new(named: &[Village], teams: &[Team]) -> VillageNames {
        let mut names = VillageNames::default();
        for v in named {
            names.learn(v.id, &v.name);
        }
        for team in teams {
            if let [village] = team.villages.as_slice()
                && let Some(name) = CLINIC_SUFFIXES
                    .iter()
                    .find_map(|s| team.village_clinic.trim().strip_suffix(s))
            {
                names.learn(*village, name);
            }
        }
        names
    }

    /// Keeps `name` for `village` unless it already has one.
    pub(crate) fn learn(&mut self, village: Uuid, name: &str) {
        let name = name.trim();
        if !name.is_empty() {
            self.0.entry(village).or_insert_with(|| name.to_string());
        }
    }

    /// Learns the village a contract's frozen agreement names (`snapshot` is its JSON text).
    pub(crate) fn learn_from_snapshot(&mut self, village: Uuid, snapshot: Option<&str>) {
        let name = snapshot
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v["party_b"]["village"].as_str().map(str::to_string));
        if let Some(name) = name {
            self.learn(village, &name);
        }
    }

    /// The village's name; one nobody has named yet shows the start of its id.
    pub(crate) fn name(&self, lang: Lang, village: Uuid) -> String {
        match self.0.get(&village) {
            Some(name) => name.clone(),
            None => format!(
                "{}（{}）",
                lang.pick("未命名村", "unnamed village"),
                &village.simple().to_string()[..8]
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(villages: &[Uuid], clinic: &str) -> Team {
        Team {
            id: Uuid::from_u128(99),
            name: "团队".into(),
            institution: "青山镇卫生院".into(),
            village_clinic: clinic.into(),
            villages: villages.to_vec(),
            members: vec![],
            service_hotline: String::new(),
            complaint_phone: String::new(),
            service_hours: String::new(),
        }
    }

    #[test]
    fn the_townships_name_first_then_the_clinics_then_the_agreements() {
        let (east, west, north, south) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        let named = [Village {
            id: east,
            code: "1".into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        }];
        let mut names = VillageNames::new(
            &named,
            &[
                team(&[east], "老东庄卫生室"),
                team(&[west], "西庄村卫生室"),
                team(&[north, south], "联合卫生室"),
            ],
        );
        names.learn_from_snapshot(north, Some(r#"{"party_b":{"village":"北坡村"}}"#));
        names.learn_from_snapshot(south, Some("not json"));
        assert_eq!(names.name(Lang::Zh, east), "东庄村");
        assert_eq!(names.name(Lang::Zh, west), "西庄村");
        assert_eq!(names.name(Lang::Zh, north), "北坡村");
        assert_eq!(
            names.name(Lang::Zh, south),
            "未命名村（00000000）",
            "a clinic serving two villages names neither"
        );
    }
}
