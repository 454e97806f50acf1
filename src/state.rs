//! Shared application state handed to every handler and middleware.

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::keystone::Keystone;
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
    /// The built-in Keystone: accounts and issued tokens.
    pub keystone: Keystone,
}

impl AppState {
    /// Builds the state from a configuration, seeding the store.
    ///
    /// # Errors
    /// Fails when the seed flavors repeat an id or a name, or the Keystone
    /// accounts are invalid.
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let store = Store::with_flavors(config.seed_flavors())
            .map_err(|error| anyhow::anyhow!("invalid seed flavors: {error}"))?;
        let keystone = Keystone::new(&config.keystone)?;
        let authenticator = Authenticator::new(&config, keystone.tokens.clone());
        Ok(Self(Arc::new(App {
            config,
            store,
            authenticator,
            keystone,
        })))
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
