//! Structural mutation of JSON documents for property tests: a node, chosen by its index in a
//! walk of the tree, is replaced, removed, nested deep in arrays or has its first item repeated.
//! Each test keeps its own strategies of leaves and edits (what it means to attack).

use proptest::prelude::*;
use serde_json::Value;

/// The number of cases per property: `JIAYI_FUZZ_CASES`, 1,000 when unset.
pub fn cases() -> u32 {
    std::env::var("JIAYI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1_000)
}

/// One edit; the `usize` picks the node (modulo the number of nodes).
#[derive(Debug, Clone)]
pub enum Edit {
    Replace(usize, Value),
    /// Drops a member or an item; the root becomes `null`.
    Remove(usize),
    /// Wraps the node in this many arrays.
    Nest(usize, usize),
    /// Repeats an array's first item 25 more times.
    Duplicate(usize),
}

impl Edit {
    fn at(&self) -> usize {
        match self {
            Edit::Replace(i, _) | Edit::Remove(i) | Edit::Nest(i, _) | Edit::Duplicate(i) => *i,
        }
    }
}

/// Documents of up to three levels built from `leaf` values (the leaves say what is hostile).
pub fn documents(leaf: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Value> {
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The number of nodes of `v`, itself included.
pub fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `e` to the `n`th node of a walk of `v`; `Remove` drops a member or item instead.
fn edit_node(v: &mut Value, n: &mut usize, e: &Edit) -> bool {
    if *n == 0 {
        match e {
            Edit::Replace(_, new) => *v = new.clone(),
            Edit::Nest(_, depth) => {
                for _ in 0..*depth {
                    *v = Value::Array(vec![v.take()]);
                }
            }
            Edit::Remove(_) => *v = Value::Null,
            Edit::Duplicate(_) => {
                if let Value::Array(items) = v
                    && let Some(first) = items.first().cloned()
                {
                    items.extend(std::iter::repeat_n(first, 25));
                }
            }
        }
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(items) => {
            for i in 0..items.len() {
                if *n == 0 && matches!(e, Edit::Remove(_)) {
                    items.remove(i);
                    return true;
                }
                if edit_node(&mut items[i], n, e) {
                    return true;
                }
            }
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if *n == 0 && matches!(e, Edit::Remove(_)) {
                    map.remove(&k);
                    return true;
                }
                if let Some(child) = map.get_mut(&k)
                    && edit_node(child, n, e)
                {
                    return true;
                }
            }
        }
        _ => {}
    }
    false
}

/// `v` with `edits` applied in order.
pub fn mutate(mut v: Value, edits: &[Edit]) -> Value {
    for e in edits {
        let mut n = e.at() % count(&v);
        edit_node(&mut v, &mut n, e);
    }
    v
}
