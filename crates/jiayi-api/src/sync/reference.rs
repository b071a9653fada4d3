//! The township's reference documents (catalog, poverty registers, term policy, teams): read
//! here, written by the store, each only when newer than the version held.

use chrono::{DateTime, Utc};
use jiayi_core::household::{Team, Village};
use jiayi_core::record_blocks::{BlockRunningLow, is_running_low};
use jiayi_core::record_number::RecordNumber;
use jiayi_store::Store;
use jiayi_sync::protocol::{ReferenceData, ReferenceKind};

/// Applies the township's reference documents newer than those held, and the teams of a
/// server that sends them outside the documents. Returns how many documents.
pub(crate) fn apply_reference(
    store: &mut Store,
    data: &ReferenceData,
    now: DateTime<Utc>,
) -> jiayi_store::Result<u64> {
    // The villages first: the teams name them.
    name_villages(store, &data.villages)?;
    let mut updated = 0;
    for doc in &data.documents {
        let kind = doc.kind.as_str();
        if store.reference_version(kind, &doc.name)? >= doc.version {
            continue;
        }
        match doc.kind {
            ReferenceKind::Catalog => {
                store.put_catalog(&doc.content, now)?;
            }
            ReferenceKind::Register => {
                let entries = register_entries(&doc.content);
                store.put_register(&doc.name, &doc.version.to_string(), &entries, now)?;
            }
            ReferenceKind::TermPolicy => {
                if let Some(policy) = term_policy(&doc.content) {
                    store.put_term_policy(policy)?;
                }
            }
            ReferenceKind::Teams => {
                let teams: Vec<Team> = serde_json::from_str(&doc.content)?;
                store.put_teams(&teams)?;
            }
        }
        store.put_reference_version(kind, &doc.name, doc.version, &doc.published_at, now)?;
        updated += 1;
    }
    if data.document(ReferenceKind::Teams, "all").is_none() && !data.teams.is_empty() {
        store.put_teams(&data.teams)?;
    }
    // The township sends this device's block of each of its villages each time: what it sent
    // is what holds.
    if store.record_ranges()? != data.record_ranges {
        store.put_record_ranges(&data.record_ranges)?;
    }
    Ok(updated)
}

/// Keeps the township's names and codes of this device's villages. A village this laptop holds
/// under another id with the same code (made here before it was enrolled) is left as it is.
fn name_villages(store: &mut Store, villages: &[Village]) -> jiayi_store::Result<()> {
    let held = store.villages()?;
    for village in villages {
        let clash = held
            .iter()
            .any(|h| h.code == village.code && h.id != village.id);
        let same = held.iter().any(|h| h == village);
        if !clash && !same {
            store.put_village(village)?;
        }
    }
    Ok(())
}

/// The store's record-number blocks a fifth or less of which is left: stated to the township
/// when reference data is fetched (online or in a bundle), which hands out new blocks.
pub(crate) fn blocks_running_low(store: &Store) -> jiayi_store::Result<Vec<BlockRunningLow>> {
    let mut low = Vec::new();
    for held in store.record_ranges()? {
        let block = held.range();
        let used = store
            .record_numbers_with_prefix(&held.village_code)?
            .iter()
            .filter_map(|n| RecordNumber::parse(n).ok())
            .filter(|n| block.contains(n.serial()))
            .count();
        if is_running_low(block, u32::try_from(used).unwrap_or(u32::MAX)) {
            low.push(BlockRunningLow {
                village_id: held.village_id,
                first: held.first,
            });
        }
    }
    Ok(low)
}

/// A register is CSV with the ID number in the first column; a header line is skipped.
fn register_entries(content: &str) -> Vec<String> {
    content
        .lines()
        .filter_map(|line| line.split(',').next())
        .map(|s| s.trim().trim_matches('"').to_ascii_uppercase())
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == 'X'))
        .collect()
}

fn term_policy(content: &str) -> Option<jiayi_core::contract::TermPolicy> {
    content.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        if key.trim() != "policy" {
            return None;
        }
        serde_json::from_value(serde_json::Value::String(
            value.trim().trim_matches('"').to_string(),
        ))
        .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_keep_id_numbers_and_skip_the_header() {
        assert_eq!(
            register_entries(
                "id_number,name\n110101199003074477,王某\n\n11010119900307447x,李某\n"
            ),
            vec!["110101199003074477", "11010119900307447X"]
        );
    }

    #[test]
    fn term_policy_documents_are_read() {
        assert_eq!(
            term_policy("policy = \"calendar_year\"\n"),
            Some(jiayi_core::contract::TermPolicy::CalendarYear)
        );
        assert_eq!(term_policy("other = 1"), None);
    }
}
