//! Shared application state handed to every handler and middleware.

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::ids::IdGenerator;
use crate::journal::Journal;
use crate::store::Store;

/// Cheap-to-clone handle on the application's shared state.
#[derive(Debug, Clone)]
pub struct AppState(Arc<App>);

/// The application's shared state.
#[derive(Debug)]
pub struct App {
    /// Effective configuration.
    pub config: Config,
    /// The flavor store.
    pub store: Store,
    /// Resolves tokens to identities.
    pub authenticator: Authenticator,
    /// Source of request ids, flavor ids and token values.
    pub ids: IdGenerator,
    /// Record of served requests.
    pub journal: Journal,
}

impl AppState {
    /// Builds the state from a configuration, seeding the store.
    ///
    /// # Errors
    /// Fails when the seed flavors repeat an id or a name.
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let store = Store::with_flavors(config.seed_flavors())
            .map_err(|error| anyhow::anyhow!("invalid seed flavors: {error}"))?;
        let authenticator = Authenticator::new(&config);
        let ids = IdGenerator::new(config.seed);
        let journal = Journal::new(config.journal_capacity);
        Ok(Self(Arc::new(App {
            config,
            store,
            authenticator,
            ids,
            journal,
        })))
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
