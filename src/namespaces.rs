//! Namespaces: separate copies of the flavor state on one server, so parallel
//! test jobs do not see each other.
//!
//! A namespace is created from the seed on its first use and lives until a reset
//! of everything. The default namespace serves requests without a `/ns/{name}`
//! prefix (and `/ns/default/...`). The number of namespaces is bounded.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};

use crate::config::FlavorSeed;
use crate::store::{ChangeCounter, NewFlavor, Store, StoreError};

/// Name of the namespace that serves requests without a namespace prefix.
pub use crate::DEFAULT_NAMESPACE;

/// Longest accepted namespace name.
pub const MAX_NAME_LENGTH: usize = 64;

/// A document of flavors that can seed a namespace; the same shape as the
/// `flavors` list of the configuration file.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDocument {
    /// The flavors, in the order they get internal ids.
    #[serde(default)]
    pub flavors: Vec<FlavorSeed>,
}

impl SeedDocument {
    fn new_flavors(&self) -> Vec<NewFlavor> {
        self.flavors.iter().cloned().map(NewFlavor::from).collect()
    }

    fn of_store(store: &Store) -> Self {
        Self {
            flavors: store
                .all()
                .iter()
                .map(|flavor| FlavorSeed::from(&**flavor))
                .collect(),
        }
    }
}

/// The whole state of every namespace, as exported and persisted.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Seed of the default namespace and of namespaces without their own.
    pub seed: SeedDocument,
    /// State of each namespace, by name, the default one included.
    pub namespaces: BTreeMap<String, NamespaceSnapshot>,
}

/// The state of one namespace.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceSnapshot {
    /// Current flavors.
    pub flavors: Vec<FlavorSeed>,
    /// Seed loaded into this namespace alone, which its resets return to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<SeedDocument>,
}

/// A failed namespace operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamespaceError {
    /// The name is empty, too long, `.` or `..`, or has characters outside
    /// `[A-Za-z0-9_.-]`.
    #[error(
        "invalid namespace name {0:?}: use 1 to 64 letters, digits, '_', '.' or '-', other than '.' and '..'"
    )]
    InvalidName(String),
    /// A read named a namespace that was never used.
    #[error("namespace {0:?} does not exist")]
    NotFound(String),
    /// Creating the namespace would pass the configured maximum.
    #[error("namespace limit reached: {0} namespaces exist (max_namespaces); reset to remove them")]
    LimitReached(usize),
    /// The seed repeats a flavor id or name.
    #[error("invalid seed: {0}")]
    InvalidSeed(StoreError),
}

#[derive(Debug)]
struct Named {
    store: Store,
    seed: Option<Arc<SeedDocument>>,
}

/// Every namespace of the server.
#[derive(Debug)]
pub struct Namespaces {
    changes: Arc<ChangeCounter>,
    seed: RwLock<Arc<SeedDocument>>,
    default: Named,
    named: RwLock<BTreeMap<String, Named>>,
    max_namespaces: usize,
}

/// Tells whether a namespace name is acceptable.
pub fn is_valid_name(name: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    // `.` and `..` are path segments that clients and proxies rewrite.
    (1..=MAX_NAME_LENGTH).contains(&name.len())
        && name.bytes().all(allowed)
        && name != "."
        && name != ".."
}

impl Namespaces {
    /// Builds the namespaces with the default one seeded.
    ///
    /// # Errors
    /// Fails when the seed repeats a flavor id or name.
    pub fn new(seed: SeedDocument, max_namespaces: usize) -> Result<Self, NamespaceError> {
        let changes = Arc::new(ChangeCounter::default());
        let store = Store::with_changes(seed.new_flavors(), changes.clone())
            .map_err(NamespaceError::InvalidSeed)?;
        Ok(Self {
            changes,
            seed: RwLock::new(Arc::new(seed)),
            default: Named { store, seed: None },
            named: RwLock::default(),
            max_namespaces,
        })
    }

    /// Returns the counter of changes to any namespace.
    pub fn changes(&self) -> &Arc<ChangeCounter> {
        &self.changes
    }

    fn server_seed(&self) -> Arc<SeedDocument> {
        self.seed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Returns the store of a namespace, creating it from the seed on first use.
    /// `None` and `"default"` name the default namespace.
    ///
    /// # Errors
    /// An invalid name, or a new namespace past the maximum.
    pub fn store(&self, name: Option<&str>) -> Result<Store, NamespaceError> {
        let Some(name) = name.filter(|name| *name != DEFAULT_NAMESPACE) else {
            return Ok(self.default.store.clone());
        };
        if !is_valid_name(name) {
            return Err(NamespaceError::InvalidName(name.to_owned()));
        }
        if let Some(named) = self
            .named
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
        {
            return Ok(named.store.clone());
        }
        let mut named = self.named.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = named.get(name) {
            return Ok(existing.store.clone());
        }
        if named.len() >= self.max_namespaces {
            return Err(NamespaceError::LimitReached(named.len()));
        }
        let store = Store::with_changes(self.server_seed().new_flavors(), self.changes.clone())
            .map_err(NamespaceError::InvalidSeed)?;
        named.insert(
            name.to_owned(),
            Named {
                store: store.clone(),
                seed: None,
            },
        );
        tracing::info!(namespace = name, "namespace created");
        Ok(store)
    }

    /// Returns the store of a namespace that exists, without creating it.
    ///
    /// # Errors
    /// An invalid name, or a namespace that was never used.
    pub fn existing(&self, name: Option<&str>) -> Result<Store, NamespaceError> {
        let Some(name) = name.filter(|name| *name != DEFAULT_NAMESPACE) else {
            return Ok(self.default.store.clone());
        };
        if !is_valid_name(name) {
            return Err(NamespaceError::InvalidName(name.to_owned()));
        }
        self.named
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .map(|named| named.store.clone())
            .ok_or_else(|| NamespaceError::NotFound(name.to_owned()))
    }

    /// Returns the names of the namespaces that exist, the default one first.
    pub fn names(&self) -> Vec<String> {
        let named = self.named.read().unwrap_or_else(PoisonError::into_inner);
        std::iter::once(DEFAULT_NAMESPACE.to_owned())
            .chain(named.keys().cloned())
            .collect()
    }

    /// Resets every namespace: the default one returns to the server seed and the
    /// others are removed, to be created afresh on their next use.
    pub fn reset_all(&self) {
        self.named
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let seed = self.server_seed();
        // The server seed was validated when it was set, so this cannot fail.
        if let Err(error) = self.default.store.replace_all(seed.new_flavors()) {
            tracing::error!(%error, "failed to reset the default namespace");
        }
    }

    /// Resets one namespace to its own seed, or to the server seed. A namespace
    /// that was never used is already in its seeded state and stays uncreated.
    ///
    /// # Errors
    /// An invalid name.
    pub fn reset(&self, name: Option<&str>) -> Result<(), NamespaceError> {
        let store = match self.existing(name) {
            Ok(store) => store,
            Err(NamespaceError::NotFound(_)) => return Ok(()),
            Err(error) => return Err(error),
        };
        let own_seed = self.own_seed(name);
        let seed = own_seed.unwrap_or_else(|| self.server_seed());
        store
            .replace_all(seed.new_flavors())
            .map_err(NamespaceError::InvalidSeed)
    }

    fn own_seed(&self, name: Option<&str>) -> Option<Arc<SeedDocument>> {
        let name = name.filter(|name| *name != DEFAULT_NAMESPACE)?;
        let named = self.named.read().unwrap_or_else(PoisonError::into_inner);
        named.get(name).and_then(|named| named.seed.clone())
    }

    /// Loads a seed and resets to it. Without a name it becomes the server seed,
    /// which the default namespace and every namespace created later start from;
    /// with a name it seeds that namespace alone.
    ///
    /// # Errors
    /// As [`Self::store`], or a seed that repeats a flavor id or name; nothing
    /// changes then.
    pub fn load_seed(&self, name: Option<&str>, seed: SeedDocument) -> Result<(), NamespaceError> {
        // Validate before anything changes.
        Store::with_flavors(seed.new_flavors()).map_err(NamespaceError::InvalidSeed)?;
        let named = name.filter(|name| *name != DEFAULT_NAMESPACE);
        let store = self.store(named)?;
        store
            .replace_all(seed.new_flavors())
            .map_err(NamespaceError::InvalidSeed)?;
        let seed = Arc::new(seed);
        match named {
            None => *self.seed.write().unwrap_or_else(PoisonError::into_inner) = seed,
            Some(name) => {
                let mut all = self.named.write().unwrap_or_else(PoisonError::into_inner);
                if let Some(entry) = all.get_mut(name) {
                    entry.seed = Some(seed);
                }
            }
        }
        Ok(())
    }

    /// Exports one namespace as a seed document, sorted by flavor id.
    ///
    /// # Errors
    /// An invalid name, or a namespace that was never used.
    pub fn export(&self, name: Option<&str>) -> Result<SeedDocument, NamespaceError> {
        Ok(SeedDocument::of_store(&self.existing(name)?))
    }

    /// Takes a snapshot of every namespace and the seeds.
    pub fn snapshot(&self) -> Snapshot {
        let mut namespaces = BTreeMap::new();
        namespaces.insert(
            DEFAULT_NAMESPACE.to_owned(),
            NamespaceSnapshot {
                flavors: SeedDocument::of_store(&self.default.store).flavors,
                seed: None,
            },
        );
        let named = self.named.read().unwrap_or_else(PoisonError::into_inner);
        for (name, entry) in named.iter() {
            namespaces.insert(
                name.clone(),
                NamespaceSnapshot {
                    flavors: SeedDocument::of_store(&entry.store).flavors,
                    seed: entry.seed.as_deref().cloned(),
                },
            );
        }
        Snapshot {
            seed: (*self.server_seed()).clone(),
            namespaces,
        }
    }

    /// Replaces every namespace and the seeds with a snapshot.
    ///
    /// # Errors
    /// A namespace name or flavor list of the snapshot is invalid; nothing
    /// changes then.
    pub fn restore(&self, snapshot: Snapshot) -> Result<(), NamespaceError> {
        let mut restored = BTreeMap::new();
        let mut default_flavors = None;
        for (name, namespace) in snapshot.namespaces {
            let flavors: Vec<NewFlavor> =
                namespace.flavors.into_iter().map(NewFlavor::from).collect();
            if name == DEFAULT_NAMESPACE {
                Store::with_flavors(flavors.clone()).map_err(NamespaceError::InvalidSeed)?;
                default_flavors = Some(flavors);
                continue;
            }
            if !is_valid_name(&name) {
                return Err(NamespaceError::InvalidName(name));
            }
            let store = Store::with_changes(flavors, self.changes.clone())
                .map_err(NamespaceError::InvalidSeed)?;
            restored.insert(
                name,
                Named {
                    store,
                    seed: namespace.seed.map(Arc::new),
                },
            );
        }
        Store::with_flavors(snapshot.seed.new_flavors()).map_err(NamespaceError::InvalidSeed)?;

        *self.seed.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot.seed);
        *self.named.write().unwrap_or_else(PoisonError::into_inner) = restored;
        let default_flavors = default_flavors.unwrap_or_else(|| self.server_seed().new_flavors());
        self.default
            .store
            .replace_all(default_flavors)
            .map_err(NamespaceError::InvalidSeed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(ids: &[&str]) -> SeedDocument {
        let flavors = ids
            .iter()
            .map(|id| FlavorSeed {
                id: (*id).to_owned(),
                internal_id: None,
                name: format!("name-{id}"),
                ram: 512,
                disk: 1,
                vcpus: 1,
                swap: 0,
                ephemeral: 0,
                rxtx_factor: 1.0,
                is_public: true,
                disabled: false,
                description: None,
                extra_specs: BTreeMap::new(),
                projects: Vec::new(),
            })
            .collect();
        SeedDocument { flavors }
    }

    fn admin() -> crate::store::Viewer<'static> {
        crate::store::Viewer {
            project_id: "p",
            is_admin: true,
        }
    }

    #[test]
    fn namespaces_are_separate() {
        let namespaces = Namespaces::new(seed(&["1"]), 10).unwrap();
        let team = namespaces.store(Some("team")).unwrap();
        team.delete("1").unwrap();
        assert!(namespaces.store(None).unwrap().flavor("1", admin()).is_ok());
        assert!(team.flavor("1", admin()).is_err());
    }

    #[test]
    fn default_name_is_default_namespace() {
        let namespaces = Namespaces::new(seed(&["1"]), 0).unwrap();
        namespaces
            .store(Some("default"))
            .unwrap()
            .delete("1")
            .unwrap();
        assert!(
            namespaces
                .store(None)
                .unwrap()
                .flavor("1", admin())
                .is_err()
        );
    }

    #[test]
    fn reads_do_not_create() {
        let namespaces = Namespaces::new(seed(&["1"]), 10).unwrap();
        assert!(matches!(
            namespaces.export(Some("ghost")),
            Err(NamespaceError::NotFound(_))
        ));
        namespaces.reset(Some("ghost")).unwrap();
        assert_eq!(namespaces.names(), ["default"]);
    }

    #[test]
    fn dot_names_are_rejected() {
        assert!(!is_valid_name("."));
        assert!(!is_valid_name(".."));
        assert!(is_valid_name("a.b"));
    }

    #[test]
    fn limit_is_enforced() {
        let namespaces = Namespaces::new(seed(&[]), 1).unwrap();
        namespaces.store(Some("a")).unwrap();
        assert_eq!(
            namespaces.store(Some("b")).unwrap_err(),
            NamespaceError::LimitReached(1)
        );
    }

    #[test]
    fn invalid_name_is_rejected() {
        let namespaces = Namespaces::new(seed(&[]), 10).unwrap();
        assert!(matches!(
            namespaces.store(Some("a/b")),
            Err(NamespaceError::InvalidName(_))
        ));
    }

    #[test]
    fn reset_one_restores_seed() {
        let namespaces = Namespaces::new(seed(&["1"]), 10).unwrap();
        namespaces.store(Some("a")).unwrap().delete("1").unwrap();
        namespaces.reset(Some("a")).unwrap();
        assert!(
            namespaces
                .store(Some("a"))
                .unwrap()
                .flavor("1", admin())
                .is_ok()
        );
    }

    #[test]
    fn reset_all_removes_namespaces() {
        let namespaces = Namespaces::new(seed(&["1"]), 10).unwrap();
        namespaces.store(Some("a")).unwrap();
        namespaces.reset_all();
        assert_eq!(namespaces.names(), ["default"]);
    }

    #[test]
    fn loaded_seed_applies_to_new_namespaces() {
        let namespaces = Namespaces::new(seed(&["1"]), 10).unwrap();
        namespaces.load_seed(None, seed(&["2"])).unwrap();
        let fresh = namespaces.store(Some("new")).unwrap();
        assert!(fresh.flavor("2", admin()).is_ok());
        assert!(fresh.flavor("1", admin()).is_err());
    }

    #[test]
    fn duplicate_seed_is_rejected_unchanged() {
        let namespaces = Namespaces::new(seed(&["1"]), 10).unwrap();
        let result = namespaces.load_seed(None, seed(&["2", "2"]));
        assert!(matches!(result, Err(NamespaceError::InvalidSeed(_))));
        assert!(namespaces.store(None).unwrap().flavor("1", admin()).is_ok());
    }

    #[test]
    fn snapshot_round_trips() {
        let namespaces = Namespaces::new(seed(&["1"]), 10).unwrap();
        namespaces.store(Some("a")).unwrap().delete("1").unwrap();
        let snapshot = namespaces.snapshot();
        let copy = Namespaces::new(seed(&[]), 10).unwrap();
        copy.restore(snapshot.clone()).unwrap();
        assert_eq!(copy.snapshot(), snapshot);
    }
}
