//! Flavor lists: the filters, sort order and paging of `GET /flavors` and
//! `GET /flavors/detail`.

use std::sync::Arc;

use super::{Flavor, Flavors, Store, StoreError, Viewer};

/// Column a flavor list is sorted by; Nova breaks ties by the internal id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// `created_at`.
    CreatedAt,
    /// `description`; flavors without one sort first, as SQL NULLs do.
    Description,
    /// `disabled`.
    Disabled,
    /// `ephemeral_gb`.
    EphemeralGb,
    /// `flavorid`, the default.
    FlavorId,
    /// `id`, the internal id.
    Id,
    /// `is_public`.
    IsPublic,
    /// `memory_mb`.
    MemoryMb,
    /// `name`.
    Name,
    /// `root_gb`.
    RootGb,
    /// `rxtx_factor`.
    RxtxFactor,
    /// `swap`.
    Swap,
    /// `updated_at`; never-updated flavors sort first.
    UpdatedAt,
    /// `vcpu_weight`.
    VcpuWeight,
    /// `vcpus`.
    Vcpus,
}

/// Which flavors a list includes by their `is_public` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicFilter {
    /// Public flavors plus private flavors shared with the caller's project.
    PublicOrShared,
    /// Only private flavors.
    PrivateOnly,
    /// Every flavor.
    All,
}

/// A flavor list request after its query string was validated.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Filter on `is_public`.
    pub public: PublicFilter,
    /// Whether disabled flavors are left out (always for non-admins).
    pub hide_disabled: bool,
    /// Minimum RAM in MiB.
    pub min_memory_mb: Option<i128>,
    /// Minimum root disk in GiB.
    pub min_root_gb: Option<i128>,
    /// Regular expression the name must match (2.102+).
    pub name: Option<regex::Regex>,
    /// Sort column.
    pub sort_key: SortKey,
    /// Whether the sort is descending.
    pub descending: bool,
    /// Maximum number of flavors to return.
    pub limit: usize,
    /// Flavor id after which the page starts.
    pub marker: Option<String>,
}

impl Store {
    /// Returns one page of flavors the caller may see, filtered and sorted as the
    /// query asks.
    ///
    /// # Errors
    /// `MarkerNotFound` when the marker names no flavor the caller may see.
    pub fn list(
        &self,
        query: &ListQuery,
        viewer: Viewer<'_>,
    ) -> Result<Vec<Arc<Flavor>>, StoreError> {
        let flavors = self.read();
        // Sized for the page up front: a growing vector would be copied
        // several times on every list.
        let capacity = query.limit.min(flavors.by_id.len());
        flavors.read_page(query, viewer, |page| {
            let mut copies = Vec::with_capacity(capacity);
            copies.extend(page.cloned());
            copies
        })
    }

    /// Calls `read` with the flavors of the page that [`Store::list`] returns,
    /// in order, under the read lock, and returns what it returns.
    ///
    /// This is for readers that only copy bytes the flavors already hold: they
    /// leave every flavor's reference count alone.
    ///
    /// # Errors
    /// As for [`Store::list`], without calling `read`.
    pub fn read_page<R>(
        &self,
        query: &ListQuery,
        viewer: Viewer<'_>,
        read: impl FnOnce(&mut dyn Iterator<Item = &Arc<Flavor>>) -> R,
    ) -> Result<R, StoreError> {
        self.read().read_page(query, viewer, read)
    }
}

impl Flavors {
    fn read_page<R>(
        &self,
        query: &ListQuery,
        viewer: Viewer<'_>,
        read: impl FnOnce(&mut dyn Iterator<Item = &Arc<Flavor>>) -> R,
    ) -> Result<R, StoreError> {
        let marker = match &query.marker {
            Some(marker) => Some(
                self.visible(marker, viewer)
                    .map_err(|_| StoreError::MarkerNotFound(marker.clone()))?,
            ),
            None => None,
        };
        let matches = |flavor: &&Arc<Flavor>| query.matches(flavor, viewer);

        // The default order is the map's own order, so a page costs O(limit) there.
        if query.sort_key == SortKey::FlavorId && !query.descending {
            let start = marker.map(|marker| marker.flavor_id.as_str());
            let range = match start {
                Some(start) => self.by_id.range::<str, _>((
                    std::ops::Bound::Excluded(start),
                    std::ops::Bound::Unbounded,
                )),
                None => self.by_id.range::<str, _>(..),
            };
            let mut page = range
                .map(|(_, flavor)| flavor)
                .filter(matches)
                .take(query.limit);
            return Ok(read(&mut page));
        }

        let mut selected: Vec<&Arc<Flavor>> = self.by_id.values().filter(matches).collect();
        let order = |a: &Flavor, b: &Flavor| {
            let ordering = compare_by(query.sort_key, a, b).then(a.internal_id.cmp(&b.internal_id));
            if query.descending {
                ordering.reverse()
            } else {
                ordering
            }
        };
        selected.sort_by(|a, b| order(a, b));
        let start = match marker {
            Some(marker) => selected.partition_point(|flavor| order(flavor, marker).is_le()),
            None => 0,
        };
        let mut page = selected.into_iter().skip(start).take(query.limit);
        Ok(read(&mut page))
    }
}

impl ListQuery {
    fn matches(&self, flavor: &Flavor, viewer: Viewer<'_>) -> bool {
        let public_ok = match self.public {
            PublicFilter::PublicOrShared => {
                flavor.is_public || flavor.has_access(viewer.project_id)
            }
            PublicFilter::PrivateOnly => !flavor.is_public,
            PublicFilter::All => true,
        };
        viewer.can_see(flavor)
            && public_ok
            && !(self.hide_disabled && flavor.disabled)
            && self
                .min_memory_mb
                .is_none_or(|min| i128::from(flavor.memory_mb) >= min)
            && self
                .min_root_gb
                .is_none_or(|min| i128::from(flavor.root_gb) >= min)
            && self
                .name
                .as_ref()
                .is_none_or(|pattern| pattern.is_match(&flavor.name))
    }
}

fn compare_by(key: SortKey, a: &Flavor, b: &Flavor) -> std::cmp::Ordering {
    match key {
        // Internal ids grow in creation order, like `created_at`.
        SortKey::CreatedAt => a.internal_id.cmp(&b.internal_id),
        SortKey::Description => a.description.cmp(&b.description),
        SortKey::Disabled => a.disabled.cmp(&b.disabled),
        SortKey::EphemeralGb => a.ephemeral_gb.cmp(&b.ephemeral_gb),
        SortKey::FlavorId => a.flavor_id.cmp(&b.flavor_id),
        SortKey::Id => a.internal_id.cmp(&b.internal_id),
        SortKey::IsPublic => a.is_public.cmp(&b.is_public),
        SortKey::MemoryMb => a.memory_mb.cmp(&b.memory_mb),
        SortKey::Name => a.name.cmp(&b.name),
        SortKey::RootGb => a.root_gb.cmp(&b.root_gb),
        SortKey::RxtxFactor => a.rxtx_factor.total_cmp(&b.rxtx_factor),
        SortKey::Swap => a.swap.cmp(&b.swap),
        SortKey::UpdatedAt => a.updated_seq.cmp(&b.updated_seq),
        SortKey::VcpuWeight => a.vcpu_weight.cmp(&b.vcpu_weight),
        SortKey::Vcpus => a.vcpus.cmp(&b.vcpus),
    }
}
