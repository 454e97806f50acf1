//! Shared application state handed to every handler and middleware.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::auth::Authenticator;
use crate::config::Config;
use crate::faults::FaultRules;
use crate::ids::IdGenerator;
use crate::journal::Journal;
use crate::keystone::Keystone;
use crate::namespaces::{Namespaces, SeedDocument};
use crate::persistence::{self, Persistence};

/// Cheap-to-clone handle on the application's shared state.
#[derive(Debug, Clone)]
pub struct AppState(Arc<App>);

/// The application's shared state.
#[derive(Debug)]
pub struct App {
    /// Effective configuration.
    pub config: Config,
    /// `config.public_url`, shared by every request's link root; `None` when
    /// links follow the request's host.
    pub public_url: Option<Arc<str>>,
    /// The flavor stores, one per namespace.
    pub namespaces: Arc<Namespaces>,
    /// The state file writer, when `state_file` is set and the server runs.
    pub persistence: OnceLock<Persistence>,
    /// Resolves tokens to identities.
    pub authenticator: Authenticator,
    /// The built-in Keystone: accounts and issued tokens.
    pub keystone: Keystone,
    /// Source of request ids, flavor ids and token values.
    pub ids: IdGenerator,
    /// Record of served requests.
    pub journal: Journal,
    /// Installed fault-injection rules.
    pub faults: FaultRules,
    /// Whether the server is listening and not shutting down.
    ready: AtomicBool,
}

impl AppState {
    /// Builds the state from a configuration, seeding the store or loading the
    /// state file.
    ///
    /// # Errors
    /// Fails when the seed flavors repeat an id or a name, the Keystone accounts
    /// are invalid, or the state file exists but cannot be loaded.
    pub fn new(mut config: Config) -> anyhow::Result<Self> {
        // The seed moves out of the configuration so that a large one is held
        // once as text and once in the store, not twice as text.
        let seed = SeedDocument {
            flavors: std::mem::take(&mut config.flavors),
        };
        let namespaces = Namespaces::new(seed, config.max_namespaces)
            .map_err(|error| anyhow::anyhow!("invalid seed flavors: {error}"))?;
        if let Some(path) = &config.state_file
            && persistence::load(path, &namespaces)?
        {
            tracing::info!(path = %path.display(), "state loaded from the state file");
        }
        let keystone = Keystone::new(&config.keystone, config.seed)?;
        let authenticator = Authenticator::new(&config, keystone.tokens.clone());
        let ids = IdGenerator::new(config.seed);
        let journal = Journal::new(config.journal_capacity);
        let faults = FaultRules::new(&config.faults).map_err(|error| anyhow::anyhow!(error))?;
        let public_url = (!config.public_url.is_empty()).then(|| Arc::from(&*config.public_url));
        Ok(Self(Arc::new(App {
            config,
            public_url,
            namespaces: Arc::new(namespaces),
            persistence: OnceLock::new(),
            authenticator,
            keystone,
            ids,
            journal,
            faults,
            ready: AtomicBool::new(false),
        })))
    }
}

impl App {
    /// Tells whether the server is listening and not shutting down.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Marks the server ready or not.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
