//! The names the pages show instead of ids: residents and their households, villages,
//! doctors (team members) and devices, read from the records the devices synced, the
//! reference data and the enrolled devices.

use std::collections::HashMap;

use jiayi_core::Lang;
use jiayi_core::indicators::Dataset;
use serde_json::Value;
use uuid::Uuid;

use crate::error::Result;
use crate::storage::{DeviceRow, Storage};
use crate::web::village_names::VillageNames;

#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    pub villages: VillageNames,
    /// Resident → (name, household).
    residents: HashMap<Uuid, (String, Uuid)>,
    /// Household → its head's name.
    heads: HashMap<Uuid, String>,
    /// Household → village.
    household_village: HashMap<Uuid, Uuid>,
    /// Contract → household.
    contract_household: HashMap<Uuid, Uuid>,
    /// Team member → name.
    doctors: HashMap<Uuid, String>,
    /// Device → "label（doctor）".
    devices: HashMap<Uuid, String>,
}

fn id(v: &Value) -> Option<Uuid> {
    v.as_str().and_then(|s| Uuid::parse_str(s).ok())
}

impl Names {
    /// Everything the pages name, from `storage` and the indicator `dataset` read from it.
    pub(crate) fn read(storage: &dyn Storage, dataset: &Dataset) -> Result<Names> {
        let reference = storage.reference()?;
        let mut names = Names {
            villages: VillageNames::new(&storage.villages()?, &reference.teams),
            ..Names::default()
        };
        for r in &dataset.residents {
            names
                .residents
                .insert(r.id, (r.name.clone(), r.household_id));
            if r.head {
                names.heads.insert(r.household_id, r.name.clone());
            }
        }
        for h in &dataset.households {
            names.household_village.insert(h.id, h.village_id);
        }
        for c in &dataset.contracts {
            names.contract_household.insert(c.id, c.household_id);
        }
        for team in &reference.teams {
            for m in &team.members {
                names.doctors.insert(m.id, m.name.clone());
            }
        }
        for d in &dataset.doctors {
            names.doctors.entry(d.id).or_insert_with(|| d.name.clone());
        }
        names.add_devices(&storage.devices()?);
        Ok(names)
    }

    fn add_devices(&mut self, devices: &[DeviceRow]) {
        for d in devices {
            let label = if d.label.trim().is_empty() {
                d.doctor_name.clone()
            } else {
                format!("{}（{}）", d.label, d.doctor_name)
            };
            self.devices.insert(d.device_id, label);
        }
    }

    /// Learns village names from the frozen agreements of the contracts in `payloads`.
    pub(crate) fn learn_villages<'a>(&mut self, payloads: impl IntoIterator<Item = &'a Value>) {
        for p in payloads {
            let household = id(&p["contract"]["household_id"]);
            if let Some(village) = household.and_then(|h| self.household_village.get(&h)) {
                self.villages
                    .learn_from_snapshot(*village, p["snapshot"].as_str());
            }
        }
    }

    pub(crate) fn resident(&self, id: Uuid) -> Option<&str> {
        self.residents.get(&id).map(|(n, _)| n.as_str())
    }

    /// `王建国户` for a household with a known head.
    pub(crate) fn household(&self, lang: Lang, id: Uuid) -> Option<String> {
        self.heads
            .get(&id)
            .map(|head| format!("{head}{}", lang.pick("户", " household")))
    }

    /// Who a record is about: the resident (and household) of a visit, the household of a
    /// contract or its event; `None` when the records do not say.
    pub(crate) fn subject(&self, lang: Lang, entity: &str, payload: &Value) -> Option<String> {
        let resident = |rid: Option<Uuid>| {
            let rid = rid?;
            let (name, household) = self.residents.get(&rid)?;
            Some(match self.heads.get(household) {
                Some(head) if head != name => {
                    format!("{name}（{}{head}）", lang.pick("户主 ", "head "))
                }
                _ => name.clone(),
            })
        };
        let household = |hid: Option<Uuid>| hid.and_then(|h| self.household(lang, h));
        match entity {
            "visit" | "referral_out" | "referral_back" => resident(id(&payload["resident_id"])),
            "resident" => payload["name"].as_str().map(str::to_string),
            "household" => household(id(&payload["id"])),
            "contract" => household(id(&payload["contract"]["household_id"])).or_else(|| {
                serde_json::from_str::<Value>(payload["snapshot"].as_str()?)
                    .ok()?["party_b"]["head_name"]
                    .as_str()
                    .map(|h| format!("{h}{}", lang.pick("户", " household")))
            }),
            "contract_event" => household(
                id(&payload["event"]["contract_id"])
                    .and_then(|c| self.contract_household.get(&c).copied()),
            ),
            _ => None,
        }
    }

    /// A team member's name, or a note that the visit names nobody.
    pub(crate) fn doctor(&self, lang: Lang, id: Option<Uuid>) -> String {
        match id {
            Some(id) => self.doctors.get(&id).cloned().unwrap_or_else(|| {
                format!(
                    "{}（{}）",
                    lang.pick("未知人员", "unknown"),
                    &id.simple().to_string()[..8]
                )
            }),
            None => lang.pick("未注明", "not recorded").to_string(),
        }
    }

    pub(crate) fn device(&self, lang: Lang, id: Uuid) -> String {
        self.devices
            .get(&id)
            .cloned()
            .unwrap_or_else(|| lang.pick("未登记的设备", "unknown device").to_string())
    }

    /// The village of a resident's household.
    pub(crate) fn village_of_resident(&self, resident: Uuid) -> Option<Uuid> {
        let (_, household) = self.residents.get(&resident)?;
        self.household_village.get(household).copied()
    }
}
