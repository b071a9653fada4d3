//! Who changed which field of a household and its members, and when: the store's field
//! history, each change with the value it replaced.

use uuid::Uuid;

use super::views::{ChangedRecord, FieldChangeView};
use crate::{Api, ApiResult};

impl Api {
    /// Every kept change of a household's fields and of its members' (now or ever), newest
    /// first. A change's old value is what the record held on this device when the change was
    /// applied (for the first change of a field, the value registered); a village or household
    /// is named, not given by id.
    pub fn field_history(&self, household_id: Uuid) -> ApiResult<Vec<FieldChangeView>> {
        let changes = self
            .store
            .field_history_of_household(household_id)
            .map_err(|e| self.fail(e))?;
        self.note("read", "household", &household_id.to_string())?;
        let this_device = self.store.device_id();
        Ok(changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // Newest first: the change before this one is further down the list.
                let earlier = changes[i + 1..]
                    .iter()
                    .find(|e| e.entity_id == c.entity_id && e.field == c.field);
                // A change pulled after a later one still shows what it would have replaced.
                let old = c.old_value.as_ref().or(earlier.map(|e| &e.value));
                FieldChangeView {
                    record: if c.entity == "household" {
                        ChangedRecord::Household
                    } else {
                        ChangedRecord::Resident
                    },
                    record_id: c.entity_id,
                    member_name: c.subject_name.clone(),
                    field: c.field.clone(),
                    old_value: old.and_then(|v| self.value_text(&c.field, v)),
                    new_value: self.value_text(&c.field, &c.value),
                    since_registration: earlier.is_none(),
                    at: c.at,
                    doctor_name: c.actor_name.clone(),
                    doctor_id: c.actor_id.clone(),
                    device_code: jiayi_core::short_code::device_code(c.device_id),
                    this_device: c.device_id == this_device,
                    in_force: c.in_force,
                    took_effect: c.took_effect,
                }
            })
            .collect())
    }
}

impl Api {
    /// A value as the screen shows it: a village by its name, a household by its village and
    /// address (ids mean nothing to a doctor), anything else as stored.
    fn value_text(&self, field: &str, value: &serde_json::Value) -> Option<String> {
        let id = value.as_str().and_then(|s| s.parse::<Uuid>().ok());
        let named = match (field, id) {
            ("village_id", Some(id)) => self.store.village(id).ok().map(|v| v.name),
            ("household_id", Some(id)) => self
                .store
                .household(id)
                .ok()
                .map(|h| format!("{} {}", h.village_name, h.household.address)),
            _ => None,
        };
        named.or_else(|| value_text(value))
    }
}

/// A stored value as text: strings as they are, lists (groups) joined by commas, nothing for
/// an empty value.
fn value_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(value_text)
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::value_text;
    use serde_json::json;

    #[test]
    fn values_read_as_text() {
        assert_eq!(value_text(&json!(null)), None);
        assert_eq!(value_text(&json!("")), None);
        assert_eq!(
            value_text(&json!("13912345678")).as_deref(),
            Some("13912345678")
        );
        assert_eq!(
            value_text(&json!(["hypertension", "diabetes"])).as_deref(),
            Some("hypertension,diabetes")
        );
        assert_eq!(value_text(&json!([])).as_deref(), Some(""));
        assert_eq!(value_text(&json!(true)).as_deref(), Some("true"));
    }
}
