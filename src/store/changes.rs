//! The change counter that tells persistence when the stores changed.

/// Counts changes to a set of stores, so that persistence can tell when to save
/// and which changes a save covers.
#[derive(Debug, Default)]
pub struct ChangeCounter {
    value: std::sync::atomic::AtomicU64,
    notify: tokio::sync::Notify,
}

impl ChangeCounter {
    /// Returns the number of changes so far.
    pub fn current(&self) -> u64 {
        self.value.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Completes after the next change.
    pub async fn changed(&self) {
        self.notify.notified().await;
    }

    /// Records a change. Stores call it while they still hold their write lock,
    /// so that a snapshot taken after reading the counter contains the change.
    ///
    /// Only the persistence task waits for changes. `notify_one` wakes it when
    /// it waits, and otherwise leaves a permit, so a change made between its
    /// look at the counter and its wait is not missed. At worst the permit
    /// costs it one extra look. Unlike `notify_waiters`, it takes no lock
    /// when nobody waits, which is every write when no state file is set.
    pub(super) fn bump(&self) {
        self.value.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.notify.notify_one();
    }
}
