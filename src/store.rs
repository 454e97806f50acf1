//! The in-memory flavor store: flavors, their extra specs and their access lists.
//!
//! Flavors are kept as `Arc<Flavor>` in a map ordered by flavor id, behind one
//! `std::sync::RwLock`. Readers clone the `Arc` and render after the lock is gone,
//! so no guard is ever held across an `.await` or while JSON is rendered. Only
//! [`Store::read_page`] works under the lock, copying JSON the flavors already
//! hold. Writers
//! use `Arc::make_mut`, which changes a flavor in place unless a reader still holds
//! it, in which case the reader keeps the old version.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::ApiError;
use crate::identity::Identity;

mod changes;
mod list;

pub use changes::ChangeCounter;
pub use list::{ListQuery, PublicFilter, SortKey};

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
    /// The body of `GET .../os-extra_specs`, written on first use and cleared
    /// by every change, so that repeated reads of a long list cost a copy.
    pub extra_specs_body: RenderedBody,
    /// The flavor's JSON views, rendered on first use and cleared by every
    /// change, for the few view variants that requests ask for.
    pub views: RenderedViews,
}

/// A response body rendered once from an unchanging flavor.
///
/// A copy of a flavor starts without one, and every flavor compares equal
/// whatever its cell holds, since the body only mirrors the other fields.
#[derive(Default)]
pub struct RenderedBody(std::sync::OnceLock<axum::body::Bytes>);

impl RenderedBody {
    /// Returns the body, rendering it with `render` the first time.
    pub fn get_or_render(&self, render: impl FnOnce() -> String) -> axum::body::Bytes {
        self.0
            .get_or_init(|| axum::body::Bytes::from(render()))
            .clone()
    }
}

/// JSON views of an unchanging flavor, each rendered once per variant: a
/// view differs with the microversion's thresholds and with the link root and
/// project of the request. Copies and comparisons behave as for
/// [`RenderedBody`].
///
/// The variants form a chain that only grows, so a reader finds a kept view
/// with plain loads and no lock. Both runtime workers read the views of the
/// same flavors on every list page, and a lock or a reference count written by
/// each would move its cache line between the CPUs on every read. At most
/// [`RenderedViews::VARIANTS`] are kept. Views of further variants are
/// rendered on every request, which a client that keeps to a few link roots
/// and microversions never meets.
#[derive(Default)]
pub struct RenderedViews(std::sync::OnceLock<Box<ViewVariant>>);

/// One rendered view, what it was rendered for, and the next variant.
struct ViewVariant {
    shape: u8,
    root: String,
    project: String,
    body: axum::body::Bytes,
    next: std::sync::OnceLock<Box<ViewVariant>>,
}

impl RenderedViews {
    /// Variants kept per flavor; a client seldom uses more than one.
    const VARIANTS: usize = 4;

    /// Returns the kept view for `shape` (a code of the view's fields) under
    /// the link `root` and `project`, if there is one.
    pub fn get(&self, shape: u8, root: &str, project: &str) -> Option<&[u8]> {
        let mut slot = &self.0;
        while let Some(kept) = slot.get() {
            if kept.shape == shape && kept.root == root && kept.project == project {
                return Some(&kept.body);
            }
            slot = &kept.next;
        }
        None
    }

    /// Returns the view for `shape` under the link `root` and `project`,
    /// rendering it with `render` when it is not kept.
    pub fn get_or_render(
        &self,
        shape: u8,
        root: &str,
        project: &str,
        render: impl FnOnce() -> String,
    ) -> axum::body::Bytes {
        let mut slot = &self.0;
        let mut depth = 0;
        while let Some(kept) = slot.get() {
            if kept.shape == shape && kept.root == root && kept.project == project {
                return kept.body.clone();
            }
            slot = &kept.next;
            depth += 1;
        }
        let body = axum::body::Bytes::from(render());
        // Two readers may both render the same variant and both append it,
        // which is harmless: the first copy is the one found.
        let mut variant = Box::new(ViewVariant {
            shape,
            root: root.to_owned(),
            project: project.to_owned(),
            body: body.clone(),
            next: std::sync::OnceLock::new(),
        });
        while depth < Self::VARIANTS {
            match slot.set(variant) {
                Ok(()) => break,
                Err(returned) => variant = returned,
            }
            let Some(kept) = slot.get() else { break };
            slot = &kept.next;
            depth += 1;
        }
        body
    }

    fn len(&self) -> usize {
        std::iter::successors(self.0.get(), |kept| kept.next.get()).count()
    }
}

impl Clone for RenderedViews {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for RenderedViews {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for RenderedViews {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} rendered", self.len())
    }
}

impl Clone for RenderedBody {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for RenderedBody {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for RenderedBody {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.get().is_some() {
            "rendered"
        } else {
            "empty"
        };
        formatter.write_str(state)
    }
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
    /// A seed flavor has a value the store cannot keep, such as a non-finite
    /// `rxtx_factor`.
    #[error("{0}")]
    InvalidSeed(String),
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
            StoreError::MarkerNotFound(_) | StoreError::InvalidSeed(_) => {
                ApiError::BadRequest(message)
            }
        }
    }
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
            // JSON has no way to write NaN or infinity, so such a value could be
            // served but never saved or exported.
            if !flavor.rxtx_factor.is_finite() {
                return Err(StoreError::InvalidSeed(format!(
                    "flavor {}: rxtx_factor {} is not a finite number",
                    flavor.flavor_id, flavor.rxtx_factor
                )));
            }
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
        self.update(
            flavor_id,
            viewer,
            Touch::No,
            |flavor| {
                flavor.extra_specs.extend(specs);
                Ok(())
            },
            |_| (),
        )
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
        self.update(
            flavor_id,
            viewer,
            Touch::No,
            |flavor| {
                flavor.extra_specs.remove(key).map(drop).ok_or_else(|| {
                    StoreError::ExtraSpecNotFound {
                        flavor_id: flavor.flavor_id.clone(),
                        key: key.to_owned(),
                    }
                })
            },
            |_| (),
        )
    }

    /// Changes a flavor's description, marks it updated and returns the flavor
    /// as this change left it.
    ///
    /// # Errors
    /// `FlavorNotFound`.
    pub fn set_description(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        description: Option<String>,
    ) -> Result<Arc<Flavor>, StoreError> {
        self.update(
            flavor_id,
            viewer,
            Touch::UpdatedAt,
            |flavor| {
                flavor.description = description;
                Ok(())
            },
            Arc::clone,
        )
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

    /// Grants a project access to a flavor and returns the access list as this
    /// change left it.
    ///
    /// # Errors
    /// `FlavorNotFound`, or `AccessExists`.
    pub fn add_access(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        project_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let grant = |flavor: &mut Flavor| {
            if !flavor.has_access(project_id) {
                flavor.projects.push(project_id.to_owned());
                Ok(())
            } else {
                Err(StoreError::AccessExists {
                    internal_id: flavor.internal_id,
                    project_id: project_id.to_owned(),
                })
            }
        };
        self.update(flavor_id, viewer, Touch::No, grant, |flavor| {
            flavor.projects.clone()
        })
    }

    /// Revokes a project's access to a flavor and returns the access list as
    /// this change left it.
    ///
    /// # Errors
    /// `FlavorNotFound`, or `AccessNotFound`.
    pub fn remove_access(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        project_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let revoke = |flavor: &mut Flavor| {
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
        };
        self.update(flavor_id, viewer, Touch::No, revoke, |flavor| {
            flavor.projects.clone()
        })
    }

    /// Applies `change` to one visible flavor under the write lock and returns
    /// what `finish` takes from the flavor as the change left it, before any
    /// later writer can change it again. The change must leave the flavor
    /// untouched when it fails.
    ///
    /// Writers that need nothing back take nothing: a copy of the flavor's
    /// `Arc` that outlives the lock would make the next writer's
    /// `Arc::make_mut` copy the whole flavor.
    fn update<T>(
        &self,
        flavor_id: &str,
        viewer: Viewer<'_>,
        touch: Touch,
        change: impl FnOnce(&mut Flavor) -> Result<(), StoreError>,
        finish: impl FnOnce(&Arc<Flavor>) -> T,
    ) -> Result<T, StoreError> {
        let mut guard = self.write();
        let flavors = &mut *guard;
        let flavor = flavors
            .by_id
            .get_mut(flavor_id)
            .filter(|flavor| viewer.can_see(flavor))
            .ok_or_else(|| StoreError::FlavorNotFound(flavor_id.to_owned()))?;
        let changed = Arc::make_mut(flavor);
        change(changed)?;
        changed.extra_specs_body = RenderedBody::default();
        changed.views = RenderedViews::default();
        if touch == Touch::UpdatedAt {
            flavors.clock += 1;
            changed.updated_seq = Some(flavors.clock);
        }
        self.changes.bump();
        Ok(finish(flavor))
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
            extra_specs_body: RenderedBody::default(),
            views: RenderedViews::default(),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn flavor(id: &str, name: &str, ram: u32, public: bool) -> NewFlavor {
        NewFlavor {
            internal_id: None,
            flavor_id: id.to_owned(),
            name: name.to_owned(),
            memory_mb: ram,
            vcpus: 1,
            root_gb: 1,
            ephemeral_gb: 0,
            swap: 0,
            rxtx_factor: 1.0,
            is_public: public,
            disabled: false,
            description: None,
            extra_specs: BTreeMap::new(),
            projects: Vec::new(),
        }
    }

    fn admin() -> Viewer<'static> {
        Viewer {
            project_id: "admin-project",
            is_admin: true,
        }
    }

    fn member(project_id: &'static str) -> Viewer<'static> {
        Viewer {
            project_id,
            is_admin: false,
        }
    }

    fn store() -> Store {
        Store::with_flavors([
            flavor("b", "beta", 2048, true),
            flavor("a", "alpha", 512, true),
            flavor("p", "private", 1024, false),
        ])
        .unwrap()
    }

    fn query() -> ListQuery {
        ListQuery {
            public: PublicFilter::All,
            hide_disabled: false,
            min_memory_mb: None,
            min_root_gb: None,
            name: None,
            sort_key: SortKey::FlavorId,
            descending: false,
            limit: 1000,
            marker: None,
        }
    }

    fn ids(flavors: &[Arc<Flavor>]) -> Vec<&str> {
        flavors.iter().map(|f| f.flavor_id.as_str()).collect()
    }

    #[test]
    fn internal_ids_follow_seed_order() {
        let store = store();
        assert_eq!(store.flavor("b", admin()).unwrap().internal_id, 1);
        assert_eq!(store.flavor("a", admin()).unwrap().internal_id, 2);
    }

    #[test]
    fn merge_keeps_other_keys() {
        let store = store();
        let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
            items
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        store
            .merge_extra_specs("a", admin(), pairs(&[("x", "1"), ("y", "2")]))
            .unwrap();
        store
            .merge_extra_specs("a", admin(), pairs(&[("x", "3")]))
            .unwrap();
        let specs = &store.flavor("a", admin()).unwrap().extra_specs;
        assert_eq!(specs.get("x").map(String::as_str), Some("3"));
        assert_eq!(specs.get("y").map(String::as_str), Some("2"));
    }

    #[test]
    fn delete_missing_key_names_it() {
        let error = store()
            .delete_extra_spec("a", "nokey", admin())
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Flavor a has no extra specs with key nokey."
        );
    }

    #[test]
    fn private_flavor_hidden_until_shared() {
        let store = store();
        assert!(store.flavor("p", member("m")).is_err());
        store.add_access("p", admin(), "m").unwrap();
        assert!(store.flavor("p", member("m")).is_ok());
        assert!(store.extra_spec("p", "k", member("x")).is_err());
    }

    #[test]
    fn readers_keep_old_version() {
        let store = store();
        let before = store.flavor("a", admin()).unwrap();
        store
            .merge_extra_specs("a", admin(), [("k".to_owned(), "v".to_owned())])
            .unwrap();
        assert!(before.extra_specs.is_empty());
        assert_eq!(store.flavor("a", admin()).unwrap().extra_specs.len(), 1);
    }

    #[test]
    fn create_checks_name_before_id() {
        let store = store();
        let error = store.create(flavor("a", "beta", 1, true)).unwrap_err();
        assert_eq!(error, StoreError::DuplicateName("beta".to_owned()));
        let error = store.create(flavor("a", "new", 1, true)).unwrap_err();
        assert_eq!(error, StoreError::DuplicateId("a".to_owned()));
    }

    #[test]
    fn created_flavor_gets_next_internal_id() {
        let store = store();
        let created = store.create(flavor("n", "new", 1, true)).unwrap();
        assert_eq!(created.internal_id, 4);
        store.delete("n").unwrap();
        let again = store.create(flavor("n", "new", 1, true)).unwrap();
        assert_eq!(again.internal_id, 5);
    }

    #[test]
    fn access_keeps_grant_order() {
        let store = store();
        store.add_access("p", admin(), "z").unwrap();
        let list = store.add_access("p", admin(), "a").unwrap();
        assert_eq!(list, ["z", "a"]);
        let error = store.add_access("p", admin(), "a").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Flavor access already exists for flavor 3 and project a combination."
        );
        let list = store.remove_access("p", admin(), "z").unwrap();
        assert_eq!(list, ["a"]);
        let error = store.remove_access("p", admin(), "z").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Flavor access not found for 3 / z combination."
        );
    }

    #[test]
    fn public_flavor_has_no_access_list() {
        let error = store().access_list("a", admin()).unwrap_err();
        assert_eq!(error, StoreError::PublicFlavorAccess);
    }

    #[test]
    fn replace_all_rejects_duplicates_unchanged() {
        let store = store();
        let result =
            store.replace_all([flavor("x", "same", 1, true), flavor("y", "same", 1, true)]);
        assert_eq!(result, Err(StoreError::DuplicateName("same".to_owned())));
        assert!(store.flavor("a", admin()).is_ok());
    }

    #[test]
    fn replace_all_rejects_nan_rxtx_factor() {
        let mut odd = flavor("x", "x", 1, true);
        odd.rxtx_factor = f64::NAN;
        let error = store().replace_all([odd]).unwrap_err();
        assert!(matches!(error, StoreError::InvalidSeed(_)), "{error}");
    }

    #[test]
    fn replace_all_keeps_given_internal_ids() {
        let store = store();
        let mut kept = flavor("k", "kept", 1, true);
        kept.internal_id = Some(40);
        store
            .replace_all([kept, flavor("n", "next", 1, true)])
            .unwrap();
        assert_eq!(store.flavor("k", admin()).unwrap().internal_id, 40);
        assert_eq!(store.flavor("n", admin()).unwrap().internal_id, 41);
    }

    #[test]
    fn every_change_counts() {
        let store = store();
        let before = store.changes().current();
        store.delete("a").unwrap();
        assert!(store.delete("a").is_err());
        assert_eq!(store.changes().current(), before + 1);
    }

    #[test]
    fn description_marks_update_specs_do_not() {
        let store = store();
        store
            .merge_extra_specs("a", admin(), [("k".to_owned(), "v".to_owned())])
            .unwrap();
        assert_eq!(store.flavor("a", admin()).unwrap().updated_seq, None);
        store
            .set_description("a", admin(), Some("d".to_owned()))
            .unwrap();
        assert!(store.flavor("a", admin()).unwrap().updated_seq.is_some());
    }

    #[test]
    fn list_default_order_and_marker() {
        let store = store();
        assert_eq!(
            ids(&store.list(&query(), admin()).unwrap()),
            ["a", "b", "p"]
        );
        let after_a = ListQuery {
            marker: Some("a".to_owned()),
            limit: 1,
            ..query()
        };
        assert_eq!(ids(&store.list(&after_a, admin()).unwrap()), ["b"]);
    }

    #[test]
    fn list_sorted_descending_with_marker() {
        let store = store();
        let by_ram = ListQuery {
            sort_key: SortKey::MemoryMb,
            descending: true,
            ..query()
        };
        assert_eq!(ids(&store.list(&by_ram, admin()).unwrap()), ["b", "p", "a"]);
        let after_b = ListQuery {
            marker: Some("b".to_owned()),
            ..by_ram
        };
        assert_eq!(ids(&store.list(&after_b, admin()).unwrap()), ["p", "a"]);
    }

    #[test]
    fn list_marker_must_be_visible() {
        let store = store();
        let hidden = ListQuery {
            marker: Some("p".to_owned()),
            ..query()
        };
        let error = store.list(&hidden, member("m")).unwrap_err();
        assert_eq!(error.to_string(), "marker [p] not found");
    }

    #[test]
    fn list_filters_combine() {
        let store = store();
        let filtered = ListQuery {
            public: PublicFilter::PublicOrShared,
            min_memory_mb: Some(1000),
            ..query()
        };
        assert_eq!(ids(&store.list(&filtered, admin()).unwrap()), ["b"]);
        let private = ListQuery {
            public: PublicFilter::PrivateOnly,
            ..query()
        };
        assert_eq!(ids(&store.list(&private, admin()).unwrap()), ["p"]);
    }

    #[test]
    fn views_past_four_variants_are_rendered_each_time() {
        let views = RenderedViews::default();
        let renders = std::cell::Cell::new(0);
        let render = |text: &str| {
            renders.set(renders.get() + 1);
            text.to_owned()
        };
        assert_eq!(views.get(1, "http://a", ""), None);
        assert_eq!(
            &views.get_or_render(1, "http://a", "", || render("one"))[..],
            b"one"
        );
        assert_eq!(
            &views.get_or_render(1, "http://a", "", || render("x"))[..],
            b"one"
        );
        assert_eq!(views.get(1, "http://a", ""), Some(&b"one"[..]));
        // Shape, root and project each tell variants apart.
        views.get_or_render(2, "http://a", "", || render("two"));
        views.get_or_render(1, "http://b", "", || render("three"));
        views.get_or_render(1, "http://a", "p", || render("four"));
        assert_eq!(renders.get(), 4);
        assert_eq!(views.get(1, "http://a", "p"), Some(&b"four"[..]));

        // A variant past the limit is rendered on every request and not kept.
        let extra = views.get_or_render(3, "http://a", "", || render("five"));
        assert_eq!(&extra[..], b"five");
        views.get_or_render(3, "http://a", "", || render("five"));
        assert_eq!(renders.get(), 6);
        assert_eq!(views.get(3, "http://a", ""), None);
        assert_eq!(format!("{views:?}"), "4 rendered");
        assert_eq!(views.get(1, "http://a", ""), Some(&b"one"[..]));
    }
}
