//! The reference data one device receives: every document, but of each register (the
//! poverty-registered list names residents and their ID numbers) only the rows of the device's
//! own villages. A register is CSV with the ID number first and a village column, which names
//! the village by id, by its 12-digit code or by its name; `publish` refuses a register without
//! one, and a row whose village is none of the device's is not sent to it. Of the villages'
//! record-number ranges, a device receives its own blocks only.

use jiayi_core::household::Village;
use jiayi_sync::protocol::{ReferenceData, ReferenceKind};
use uuid::Uuid;

use crate::error::Result;
use crate::storage::{DeviceScope, Storage};

/// The headers a register's village column may have.
const VILLAGE_HEADERS: [&str; 6] = [
    "village_id",
    "village_code",
    "village",
    "村",
    "行政村",
    "村名",
];

/// Where a register's village column is, from its header line.
pub fn village_column(content: &str) -> Option<usize> {
    let header = content.lines().next()?;
    header
        .split(',')
        .position(|h| VILLAGE_HEADERS.contains(&h.trim().trim_matches('"').to_lowercase().as_str()))
}

/// The reference documents for `scope`'s device, read from `storage`, registers cut to its
/// villages (the record-number blocks are added by `device_reference`).
pub fn for_device(storage: &dyn Storage, scope: &DeviceScope) -> Result<ReferenceData> {
    let data = storage.reference()?;
    let named = storage.villages()?;
    Ok(scoped(data, &scope.villages, &named))
}

/// `data` with each register cut to the rows of `villages` (`named` tells their codes and names),
/// and those villages named, so a new laptop knows the villages it serves.
pub fn scoped(mut data: ReferenceData, villages: &[Uuid], named: &[Village]) -> ReferenceData {
    let own: Vec<&Village> = named.iter().filter(|v| villages.contains(&v.id)).collect();
    let is_own = |cell: &str| {
        let cell = cell.trim().trim_matches('"').trim();
        !cell.is_empty()
            && (Uuid::parse_str(cell).is_ok_and(|id| villages.contains(&id))
                || own.iter().any(|v| v.code == cell || v.name == cell))
    };
    for doc in &mut data.documents {
        if doc.kind != ReferenceKind::Register {
            continue;
        }
        let column = village_column(&doc.content);
        let mut lines = doc.content.lines();
        let mut kept = String::new();
        if let Some(header) = lines.next() {
            kept.push_str(header);
            kept.push('\n');
        }
        for line in lines {
            let keep = column
                .and_then(|c| line.split(',').nth(c))
                .is_some_and(is_own);
            if keep {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        doc.content = kept;
    }
    data.villages = own.into_iter().cloned().collect();
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_sync::protocol::ReferenceDocument;

    const EAST: Uuid = Uuid::from_u128(1);
    const WEST: Uuid = Uuid::from_u128(2);

    fn village(id: Uuid, code: &str, name: &str) -> Village {
        Village {
            id,
            code: code.into(),
            name: name.into(),
            township: "青山镇".into(),
        }
    }

    fn register(content: &str) -> ReferenceData {
        ReferenceData {
            teams: vec![],
            documents: vec![ReferenceDocument {
                kind: ReferenceKind::Register,
                name: "poverty".into(),
                version: 1,
                content: content.into(),
                published_at: "2026-01-01T00:00:00Z".into(),
            }],
            record_ranges: vec![],
            villages: vec![],
        }
    }

    #[test]
    fn a_device_gets_its_villages_named_and_the_register_rows_of_them_by_id_code_or_name() {
        let named = [
            village(EAST, "140822100001", "东庄村"),
            village(WEST, "140822100002", "西庄村"),
        ];
        let csv = format!(
            "id_number,name,村\n1,甲,东庄村\n2,乙,西庄村\n3,丙,140822100001\n4,丁,{EAST}\n5,戊,{WEST}\n6,己,\n"
        );
        let east = scoped(register(&csv), &[EAST], &named);
        assert_eq!(
            east.villages,
            [named[0].clone()],
            "its own villages, named, and no other"
        );
        assert_eq!(
            east.documents[0].content,
            format!("id_number,name,村\n1,甲,东庄村\n3,丙,140822100001\n4,丁,{EAST}\n")
        );
        let west = scoped(register(&csv), &[WEST], &named);
        assert_eq!(
            west.documents[0].content,
            format!("id_number,name,村\n2,乙,西庄村\n5,戊,{WEST}\n")
        );
        let none = scoped(register("id_number,name\n1,甲\n"), &[EAST], &named);
        assert_eq!(
            none.documents[0].content, "id_number,name\n",
            "no village column: no rows"
        );
    }

    #[test]
    fn the_village_column_is_found_by_its_header() {
        assert_eq!(village_column("id_number,name,village_id"), Some(2));
        assert_eq!(village_column("\"身份证号\",\"行政村\""), Some(1));
        assert_eq!(village_column("id_number,name"), None);
    }
}
