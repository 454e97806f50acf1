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
    pub(super) fn bump(&self) {
        self.value.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.notify.notify_waiters();
        self.notify.notify_one();
    }
}
