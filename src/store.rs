//! The in-memory flavor store: flavors, their extra specs and their access lists.
//!
//! Flavors are kept as `Arc<Flavor>` in a map ordered by flavor id, behind one
//! `std::sync::RwLock`. Readers clone the `Arc` and render after the lock is gone,
//! so no guard is ever held across an `.await` or while JSON is written. Writers
//! use `Arc::make_mut`, which changes a flavor in place unless a reader still holds
//! it, in which case the reader keeps the old version.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::ApiError;
use crate::identity::Identity;

/// A flavor as Nova's database holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Flavor {
    /// Nova's internal integer id, which a few error messages show.
    pub internal_id: u64,
    /// The public flavor id (`flavorid`), a string.
    pub flavor_id: String,
    /// Unique flavor name.
    pub name: String,
    /// RAM in MiB.
    pub memory_mb: u32,
    /// Number of virtual CPUs.
    pub vcpus: u32,
    /// Root disk size in GiB.
    pub root_gb: u32,
    /// Ephemeral disk size in GiB.
    pub ephemeral_gb: u32,
    /// Swap size in MiB.
    pub swap: u32,
    /// Network bandwidth factor, removed from the API at 2.102.
    pub rxtx_factor: f64,
    /// Scheduler weight of the flavor's vCPUs; only ever used as a sort key.
    pub vcpu_weight: Option<u32>,
    /// Whether every project can see and use the flavor.
    pub is_public: bool,
    /// Whether the flavor is disabled, which hides it from non-admin listings.
    pub disabled: bool,
    /// Free-text description, shown from 2.55.
    pub description: Option<String>,
    /// Extra specs, sorted by key as Nova returns them.
    pub extra_specs: BTreeMap<String, String>,
    /// Projects granted access to a private flavor, in the order access was
    /// granted, which is the order Nova lists them in.
    pub projects: Vec<String>,
    /// Order of the last update, standing in for `updated_at` when sorting.
    pub updated_seq: Option<u64>,
}

impl Flavor {
    /// Tells whether a project was granted access to the flavor.
    pub fn has_access(&self, project_id: &str) -> bool {
        self.projects.iter().any(|project| project == project_id)
    }
}

/// The caller's view of the store, which decides which private flavors it sees.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    /// Project of the caller.
    pub project_id: &'a str,
    /// Whether the caller has the admin role, which makes every flavor visible.
    pub is_admin: bool,
}

impl<'a> From<&'a Identity> for Viewer<'a> {
    fn from(identity: &'a Identity) -> Self {
        Self {
            project_id: &identity.project_id,
            is_admin: identity.is_admin(),
        }
    }
}

impl Viewer<'_> {
    /// Tells whether the caller may see the flavor: admins see all flavors, others
    /// see public ones and private ones shared with their project.
    pub fn can_see(&self, flavor: &Flavor) -> bool {
        self.is_admin || flavor.is_public || flavor.has_access(self.project_id)
    }
}

/// A failed store operation, with the ids Nova names in its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The flavor does not exist or the caller may not see it.
    #[error("Flavor {0} could not be found.")]
    FlavorNotFound(String),
    /// The flavor has no extra spec with that key.
    #[error("Flavor {flavor_id} has no extra specs with key {key}.")]
    ExtraSpecNotFound {
        /// Public flavor id.
        flavor_id: String,
        /// Requested key.
        key: String,
    },
    /// Another flavor already has that id.
    #[error("Flavor with ID {0} already exists.")]
    DuplicateId(String),
    /// Another flavor already has that name.
    #[error("Flavor with name {0} already exists.")]
    DuplicateName(String),
    /// The list marker names no visible flavor.
    #[error("marker [{0}] not found")]
    MarkerNotFound(String),
    /// Listing the access of a public flavor.
    #[error("Access list not available for public flavors.")]
    PublicFlavorAccess,
    /// Adding access that already exists; Nova names the internal flavor id.
    #[error(
        "Flavor access already exists for flavor {internal_id} and project {project_id} combination."
    )]
    AccessExists {
        /// Internal integer id of the flavor.
        internal_id: u64,
        /// Project that already has access.
        project_id: String,
    },
    /// Removing access that does not exist.
    #[error("Flavor access not found for {internal_id} / {project_id} combination.")]
    AccessNotFound {
        /// Internal integer id of the flavor.
        internal_id: u64,
        /// Project without access.
        project_id: String,
    },
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let message = error.to_string();
        match error {
            StoreError::FlavorNotFound(_)
            | StoreError::ExtraSpecNotFound { .. }
            | StoreError::PublicFlavorAccess
            | StoreError::AccessNotFound { .. } => ApiError::NotFound(message),
            StoreError::DuplicateId(_)
            | StoreError::DuplicateName(_)
            | StoreError::AccessExists { .. } => ApiError::Conflict(message),
            StoreError::MarkerNotFound(_) => ApiError::BadRequest(message),
        }
    }
}

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

/// Whether a change counts as an update of the flavor row itself. Extra specs and
/// access entries live in their own tables in Nova, so changing them leaves the
/// flavor's `updated_at` alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Touch {
    No,
    UpdatedAt,
}

#[derive(Debug, Default)]
struct Flavors {
    by_id: BTreeMap<String, Arc<Flavor>>,
    /// Next internal id; Nova's ids come from an auto-increment column.
    next_internal_id: u64,
    /// Monotonic counter for `updated_seq`.
    clock: u64,
}

/// Shared handle to one flavor store; cloning it is cheap.
///
/// A poisoned lock is recovered rather than propagated: every write replaces or
/// removes whole map entries, so a panic in another thread cannot leave a flavor
/// half-written.
#[derive(Debug, Clone, Default)]
pub struct Store {
    flavors: Arc<RwLock<Flavors>>,
    changes: Arc<ChangeCounter>,
}

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
    fn bump(&self) {
        self.value.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.notify.notify_waiters();
        self.notify.notify_one();
    }
}

/// The fields of a flavor to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFlavor {
    /// Internal id to keep, when restoring saved state; the store assigns the
    /// next free one when `None`.
    pub internal_id: Option<u64>,
    /// Public flavor id.
    pub flavor_id: String,
    /// Flavor name.
    pub name: String,
    /// RAM in MiB.
    pub memory_mb: u32,
    /// Number of vCPUs.
    pub vcpus: u32,
    /// Root disk in GiB.
    pub root_gb: u32,
    /// Ephemeral disk in GiB.
    pub ephemeral_gb: u32,
    /// Swap in MiB.
    pub swap: u32,
    /// Bandwidth factor.
    pub rxtx_factor: f64,
    /// Whether the flavor is public.
    pub is_public: bool,
    /// Whether the flavor is disabled.
    pub disabled: bool,
    /// Description.
    pub description: Option<String>,
    /// Initial extra specs.
    pub extra_specs: BTreeMap<String, String>,
    /// Projects with access to a private flavor.
    pub projects: Vec<String>,
}

impl Store {
    /// Builds a store holding the given flavors, in order.
    ///
    /// # Errors
    /// Returns the first duplicate flavor id or name.
    pub fn with_flavors(flavors: impl IntoIterator<Item = NewFlavor>) -> Result<Self, StoreError> {
        Self::with_changes(flavors, Arc::default())
    }

    /// Builds a store holding the given flavors whose changes count on `changes`.
    ///
    /// # Errors
    /// Returns the first duplicate flavor id or name.
    pub fn with_changes(
        flavors: impl IntoIterator<Item = NewFlavor>,
        changes: Arc<ChangeCounter>,
    ) -> Result<Self, StoreError> {
        let store = Self {
            flavors: Arc::default(),
            changes,
        };
        store.replace_all(flavors)?;
        Ok(store)
    }

    fn read(&self) -> RwLockReadGuard<'_, Flavors> {
        self.flavors.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Flavors> {
        self.flavors.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces every flavor. Flavors without an internal id get the next free
    /// one, in order.
    ///
    /// # Errors
    /// Returns the first duplicate flavor id, name or internal id; the store is
    /// then unchanged.
    pub fn replace_all(
        &self,
        flavors: impl IntoIterator<Item = NewFlavor>,
    ) -> Result<(), StoreError> {
        let flavors: Vec<NewFlavor> = flavors.into_iter().collect();
        let mut fresh = Flavors {
            next_internal_id: flavors
                .iter()
                .filter_map(|f| f.internal_id)
                .max()
                .unwrap_or(0),
            ..Flavors::default()
        };
        let mut names = HashSet::new();
        let mut internal_ids = HashSet::new();
        for flavor in flavors {
            if !names.insert(flavor.name.clone()) {
                return Err(StoreError::DuplicateName(flavor.name));
            }
            if fresh.by_id.contains_key(&flavor.flavor_id) {
                return Err(StoreError::DuplicateId(flavor.flavor_id));
            }
            let inserted = fresh.insert(flavor);
            if !internal_ids.insert(inserted.internal_id) {
                return Err(StoreError::DuplicateId(format!(
                    "{} (internal id {})",
                    inserted.flavor_id, inserted.internal_id
                )));
            }
        }
        let mut flavors = self.write();
        *flavors = fresh;
        self.changes.bump();
        Ok(())
    }

    /// Returns the counter of changes this store reports to.
    pub fn changes(&self) -> &Arc<ChangeCounter> {
        &self.changes
    }

    /// Returns every flavor in flavor id order, for export and persistence.
    pub fn all(&self) -> Vec<Arc<Flavor>> {
        self.read().by_id.values().cloned().collect()
    }

    /// Returns one flavor the caller may see.
    ///
    /// # Errors
    /// `FlavorNotFound` when it is missing or invisible to the caller.
    pub fn flavor(&self, flavor_id: &str, viewer: Viewer<'_>) -> Result<Arc<Flavor>, StoreError> {
        self.read().visible(flavor_id, viewer).cloned()
    }

    /// Returns the value of one extra spec.
    ///
    /// # Errors
    /// `FlavorNotFound`, or `ExtraSpecNotFound` when the key is absent.
    pub fn extra_spec(
        &self,
        flavor_id: &str,
        key: &str,
        viewer: Viewer<'_>,
    ) -> Result<String, StoreError> {
        let flavors = self.read();
        let flavor = flavors.visible(flavor_id, viewer)?;
        flavor
            .extra_specs
            .get(key)
            .cloned()
            .ok_or_else(|| StoreError::ExtraSpecNotFound {
                flavor_id: flavor_id.to_owned(),
                key: key.to_owned(),
            })
    }

    /// Inserts or overwrites extra specs, leaving other keys untouched.
    ///
    /// # Errors
    /// `FlavorNotFound`; nothing is written then.
    pub fn merge_extra_specs(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        specs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), StoreError> {
        self.update(flavor_id, viewer, Touch::No, |flavor| {
            flavor.extra_specs.extend(specs);
            Ok(())
        })
    }

    /// Deletes one extra spec.
    ///
    /// # Errors
    /// `FlavorNotFound`, or `ExtraSpecNotFound` when the key is absent.
    pub fn delete_extra_spec(
        &self,
        flavor_id: &str,
        key: &str,
        viewer: Viewer<'_>,
    ) -> Result<(), StoreError> {
        self.update(flavor_id, viewer, Touch::No, |flavor| {
            flavor
                .extra_specs
                .remove(key)
                .map(drop)
                .ok_or_else(|| StoreError::ExtraSpecNotFound {
                    flavor_id: flavor.flavor_id.clone(),
                    key: key.to_owned(),
                })
        })
    }

    /// Changes a flavor's description and marks it updated.
    ///
    /// # Errors
    /// `FlavorNotFound`.
    pub fn set_description(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        description: Option<String>,
    ) -> Result<Arc<Flavor>, StoreError> {
        self.update(flavor_id, viewer, Touch::UpdatedAt, |flavor| {
            flavor.description = description;
            Ok(())
        })?;
        self.flavor(flavor_id, viewer)
    }

    /// Creates a flavor.
    ///
    /// # Errors
    /// `DuplicateName` or `DuplicateId`, checked in that order as Nova does.
    pub fn create(&self, flavor: NewFlavor) -> Result<Arc<Flavor>, StoreError> {
        let mut flavors = self.write();
        if flavors
            .by_id
            .values()
            .any(|other| other.name == flavor.name)
        {
            return Err(StoreError::DuplicateName(flavor.name));
        }
        if flavors.by_id.contains_key(&flavor.flavor_id) {
            return Err(StoreError::DuplicateId(flavor.flavor_id));
        }
        let flavor = flavors.insert(flavor);
        self.changes.bump();
        Ok(flavor)
    }

    /// Deletes a flavor with its extra specs and access list.
    ///
    /// # Errors
    /// `FlavorNotFound`.
    pub fn delete(&self, flavor_id: &str) -> Result<(), StoreError> {
        let mut flavors = self.write();
        flavors
            .by_id
            .remove(flavor_id)
            .ok_or_else(|| StoreError::FlavorNotFound(flavor_id.to_owned()))?;
        self.changes.bump();
        Ok(())
    }

    /// Returns the projects with access to a private flavor.
    ///
    /// # Errors
    /// `FlavorNotFound`, or `PublicFlavorAccess` for a public flavor.
    pub fn access_list(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
    ) -> Result<Vec<String>, StoreError> {
        let flavor = self.flavor(flavor_id, viewer)?;
        if flavor.is_public {
            return Err(StoreError::PublicFlavorAccess);
        }
        Ok(flavor.projects.clone())
    }

    /// Grants a project access to a flavor and returns the new access list.
    ///
    /// # Errors
    /// `FlavorNotFound`, or `AccessExists`.
    pub fn add_access(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        project_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        self.update(flavor_id, viewer, Touch::No, |flavor| {
            if !flavor.has_access(project_id) {
                flavor.projects.push(project_id.to_owned());
                Ok(())
            } else {
                Err(StoreError::AccessExists {
                    internal_id: flavor.internal_id,
                    project_id: project_id.to_owned(),
                })
            }
        })?;
        self.projects_of(flavor_id, viewer)
    }

    /// Revokes a project's access to a flavor and returns the new access list.
    ///
    /// # Errors
    /// `FlavorNotFound`, or `AccessNotFound`.
    pub fn remove_access(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        project_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        self.update(flavor_id, viewer, Touch::No, |flavor| {
            let before = flavor.projects.len();
            flavor.projects.retain(|project| project != project_id);
            if flavor.projects.len() < before {
                Ok(())
            } else {
                Err(StoreError::AccessNotFound {
                    internal_id: flavor.internal_id,
                    project_id: project_id.to_owned(),
                })
            }
        })?;
        self.projects_of(flavor_id, viewer)
    }

    fn projects_of(&self, flavor_id: &str, viewer: Viewer<'_>) -> Result<Vec<String>, StoreError> {
        let flavor = self.flavor(flavor_id, viewer)?;
        Ok(flavor.projects.clone())
    }

    /// Applies `change` to one visible flavor under the write lock. The change must
    /// leave the flavor untouched when it fails.
    fn update(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        touch: Touch,
        change: impl FnOnce(&mut Flavor) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut guard = self.write();
        let flavors = &mut *guard;
        let flavor = flavors
            .by_id
            .get_mut(flavor_id)
            .filter(|flavor| viewer.can_see(flavor))
            .ok_or_else(|| StoreError::FlavorNotFound(flavor_id.to_owned()))?;
        let flavor = Arc::make_mut(flavor);
        change(flavor)?;
        if touch == Touch::UpdatedAt {
            flavors.clock += 1;
            flavor.updated_seq = Some(flavors.clock);
        }
        self.changes.bump();
        Ok(())
    }

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
        let marker = match &query.marker {
            Some(marker) => Some(
                flavors
                    .visible(marker, viewer)
                    .map_err(|_| StoreError::MarkerNotFound(marker.clone()))?
                    .clone(),
            ),
            None => None,
        };
        let matches = |flavor: &&Arc<Flavor>| query.matches(flavor, viewer);

        // The default order is the map's own order, so a page costs O(limit) there.
        if query.sort_key == SortKey::FlavorId && !query.descending {
            let start = marker.as_ref().map(|marker| marker.flavor_id.as_str());
            let range = match start {
                Some(start) => flavors.by_id.range::<str, _>((
                    std::ops::Bound::Excluded(start),
                    std::ops::Bound::Unbounded,
                )),
                None => flavors.by_id.range::<str, _>(..),
            };
            return Ok(range
                .map(|(_, flavor)| flavor)
                .filter(matches)
                .take(query.limit)
                .cloned()
                .collect());
        }

        let mut selected: Vec<&Arc<Flavor>> = flavors.by_id.values().filter(matches).collect();
        let order = |a: &Flavor, b: &Flavor| {
            let ordering = compare_by(query.sort_key, a, b).then(a.internal_id.cmp(&b.internal_id));
            if query.descending {
                ordering.reverse()
            } else {
                ordering
            }
        };
        selected.sort_by(|a, b| order(a, b));
        let start = match &marker {
            Some(marker) => selected.partition_point(|flavor| order(flavor, marker).is_le()),
            None => 0,
        };
        Ok(selected
            .into_iter()
            .skip(start)
            .take(query.limit)
            .cloned()
            .collect())
    }
}

impl Flavors {
    fn insert(&mut self, new: NewFlavor) -> Arc<Flavor> {
        let internal_id = match new.internal_id {
            Some(id) => id,
            None => {
                self.next_internal_id += 1;
                self.next_internal_id
            }
        };
        let flavor = Arc::new(Flavor {
            internal_id,
            flavor_id: new.flavor_id,
            name: new.name,
            memory_mb: new.memory_mb,
            vcpus: new.vcpus,
            root_gb: new.root_gb,
            ephemeral_gb: new.ephemeral_gb,
            swap: new.swap,
            rxtx_factor: new.rxtx_factor,
            vcpu_weight: None,
            is_public: new.is_public,
            disabled: new.disabled,
            description: new.description,
            extra_specs: new.extra_specs,
            projects: new.projects,
            updated_seq: None,
        });
        self.by_id.insert(flavor.flavor_id.clone(), flavor.clone());
        flavor
    }

    fn visible(&self, flavor_id: &str, viewer: Viewer<'_>) -> Result<&Arc<Flavor>, StoreError> {
        self.by_id
            .get(flavor_id)
            .filter(|flavor| viewer.can_see(flavor))
            .ok_or_else(|| StoreError::FlavorNotFound(flavor_id.to_owned()))
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
