//! Keys that a bulk load holds locked, lent to the store's key lookups.

use hiring_domain::Table;
use std::sync::{Arc, PoisonError, RwLock};

/// The keys of parent tables that a bulk load in progress holds locked (so they cannot change
/// until it ends), lent to the store's key lookups: those would otherwise wait for the lock,
/// while the load waits for them. Shared by the clones of one store.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeldKeys(Arc<RwLock<Vec<TableKeys>>>);

/// The sorted keys of one table.
type TableKeys = (Table, Vec<i32>);

impl HeldKeys {
    /// Lends the keys of `table` (sorted and without duplicates) until [`HeldKeys::release`].
    pub(crate) fn hold(&self, table: Table, mut keys: Vec<i32>) {
        keys.sort_unstable();
        keys.dedup();
        let mut held = self.0.write().unwrap_or_else(PoisonError::into_inner);
        held.retain(|(t, _)| *t != table);
        held.push((table, keys));
    }

    /// Takes back the keys of `tables`.
    pub(crate) fn release(&self, tables: &[Table]) {
        let mut held = self.0.write().unwrap_or_else(PoisonError::into_inner);
        held.retain(|(t, _)| !tables.contains(t));
    }

    /// Which of `keys` are stored in `table`, when its keys are held.
    pub(crate) fn existing(&self, table: Table, keys: &[i32]) -> Option<Vec<i32>> {
        let held = self.0.read().unwrap_or_else(PoisonError::into_inner);
        let (_, stored) = held.iter().find(|(t, _)| *t == table)?;
        Some(
            keys.iter()
                .copied()
                .filter(|key| stored.binary_search(key).is_ok())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_held_tables_answer() {
        let held = HeldKeys::default();
        assert_eq!(held.existing(Table::Jobs, &[1]), None);
        // Given unsorted and repeated: still found by binary search.
        held.hold(Table::Jobs, vec![9, 3, 3, 5]);
        assert_eq!(
            held.existing(Table::Jobs, &[1, 3, 5, 9, 10]),
            Some(vec![3, 5, 9])
        );
        assert_eq!(held.existing(Table::Departments, &[3]), None);
    }

    #[test]
    fn holding_again_replaces_and_release_takes_back() {
        let held = HeldKeys::default();
        held.hold(Table::Jobs, vec![1, 2]);
        held.hold(Table::Departments, vec![7]);
        held.hold(Table::Jobs, vec![4]);
        assert_eq!(held.existing(Table::Jobs, &[1, 2, 4]), Some(vec![4]));
        // Clones share the keys.
        let clone = held.clone();
        clone.release(&[Table::Jobs]);
        assert_eq!(held.existing(Table::Jobs, &[4]), None);
        assert_eq!(held.existing(Table::Departments, &[7]), Some(vec![7]));
    }
}
