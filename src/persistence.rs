//! Optional persistence of the state to a file (`state_file`).
//!
//! The file is loaded at start; a file that cannot be read or parsed stops the
//! start rather than being overwritten. After every change a background task
//! writes the whole state to a temporary file in the same directory, flushes it
//! to disk and renames it over the old file, so a crash at any moment leaves
//! either the old or the new file, never a torn one. Writes wait for the save
//! that covers them before they are acknowledged, and saves are batched: one
//! save covers every change made while the previous one ran.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::namespaces::{Namespaces, Snapshot};
use crate::store::ChangeCounter;

/// Version of the state file format.
const FORMAT_VERSION: u32 = 1;

/// The content of a state file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    /// Marks the file as mock-nova state and gives its format version.
    mock_nova_state: u32,
    /// The saved state.
    state: Snapshot,
}

/// Progress of the saves, as the waiting writers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Saved {
    /// Every change up to this count is on disk.
    UpTo(u64),
    /// The save of the changes up to `attempted` failed; those up to `saved`
    /// are on disk.
    Failed {
        saved: u64,
        attempted: u64,
        error: String,
    },
}

/// Handle to the state file: loading, and waiting for saves.
#[derive(Debug, Clone)]
pub struct Persistence {
    path: PathBuf,
    saved: watch::Receiver<Saved>,
    changes: Arc<ChangeCounter>,
}

/// Reads a state file into the namespaces, if the file exists.
///
/// # Errors
/// The file exists but cannot be read, is not a mock-nova state file, or holds
/// invalid flavors.
pub fn load(path: &Path, namespaces: &Namespaces) -> anyhow::Result<bool> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => {
            return Err(error)
                .with_context(|| format!("failed to read state file {}", path.display()));
        }
    };
    let file: StateFile = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "state file {} is not valid mock-nova state; fix or remove it",
            path.display()
        )
    })?;
    if file.mock_nova_state != FORMAT_VERSION {
        anyhow::bail!(
            "state file {} has format version {}, this server reads version {FORMAT_VERSION}",
            path.display(),
            file.mock_nova_state
        );
    }
    namespaces
        .restore(file.state)
        .with_context(|| format!("state file {} holds invalid state", path.display()))?;
    Ok(true)
}

/// Checks that the state file can be written by writing the current state
/// once, and removes temporary files that a killed server left behind.
///
/// # Errors
/// The file cannot be written, for example because its directory is missing
/// or read-only.
pub fn prepare(path: &Path, namespaces: &Namespaces) -> anyhow::Result<()> {
    remove_stale_temporaries(path);
    write_state(path, namespaces.snapshot())
        .with_context(|| format!("cannot save state to {}", path.display()))
}

/// Deletes `.{name}.{pid}.tmp` files next to the state file. A server killed
/// between writing one and renaming it leaves it behind; the state file itself
/// is always whole.
fn remove_stale_temporaries(path: &Path) {
    let (Some(directory), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let directory = if directory.as_os_str().is_empty() {
        Path::new(".")
    } else {
        directory
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&prefix) && file_name.ends_with(".tmp") {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => tracing::info!(file = file_name, "removed a stale temporary state file"),
                Err(error) => {
                    tracing::warn!(file = file_name, %error, "failed to remove a stale temporary state file")
                }
            }
        }
    }
}

impl Persistence {
    /// Starts the task that saves the namespaces to `path` after each change.
    /// Must be called inside a Tokio runtime.
    pub fn start(path: PathBuf, namespaces: Arc<Namespaces>) -> Self {
        let changes = namespaces.changes().clone();
        let (sender, saved) = watch::channel(Saved::UpTo(0));
        tokio::spawn(save_loop(path.clone(), namespaces, sender));
        Self {
            path,
            saved,
            changes,
        }
    }

    /// Returns the path of the state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits until every change made so far is on disk.
    ///
    /// # Errors
    /// The save that should have covered the changes failed; the message says why.
    pub async fn sync(&self) -> Result<(), String> {
        let target = self.changes.current();
        let mut saved = self.saved.clone();
        loop {
            match &*saved.borrow_and_update() {
                Saved::UpTo(count) | Saved::Failed { saved: count, .. } if *count >= target => {
                    return Ok(());
                }
                // Only a failed save that covered this change reports it; an
                // older failure is retried by the save that covers the change.
                Saved::Failed {
                    attempted, error, ..
                } if *attempted >= target => return Err(error.clone()),
                _ => {}
            }
            if saved.changed().await.is_err() {
                return Err("the state file writer stopped".to_owned());
            }
        }
    }
}

async fn save_loop(path: PathBuf, namespaces: Arc<Namespaces>, sender: watch::Sender<Saved>) {
    let changes = namespaces.changes().clone();
    let mut saved = 0;
    loop {
        let target = changes.current();
        if target > saved {
            // The snapshot is taken after reading the counter, so it holds at
            // least every change the counter includes.
            let snapshot = namespaces.snapshot();
            let destination = path.clone();
            let result = tokio::task::spawn_blocking(move || write_state(&destination, snapshot))
                .await
                .map_err(|error| anyhow::anyhow!("state writer panicked: {error}"))
                .and_then(|result| result);
            match result {
                Ok(()) => {
                    saved = target;
                    sender.send_replace(Saved::UpTo(saved));
                }
                Err(error) => {
                    let error = format!("{error:#}");
                    tracing::error!(path = %path.display(), error, "failed to save state");
                    sender.send_replace(Saved::Failed {
                        saved,
                        attempted: target,
                        error,
                    });
                    // Retry on the next change rather than spinning on a full disk.
                }
            }
        }
        if changes.current() == target {
            changes.changed().await;
        }
    }
}

/// Writes the state next to `path` and renames it into place, flushing the file
/// and then the directory so the rename itself survives a crash.
fn write_state(path: &Path, snapshot: Snapshot) -> anyhow::Result<()> {
    let file = StateFile {
        mock_nova_state: FORMAT_VERSION,
        state: snapshot,
    };
    let bytes = serde_json::to_vec_pretty(&file).context("failed to serialize the state")?;
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned());
    let temporary = directory.join(format!(".{name}.{}.tmp", std::process::id()));

    let mut handle = std::fs::File::create(&temporary)
        .with_context(|| format!("failed to create {}", temporary.display()))?;
    handle
        .write_all(&bytes)
        .and_then(|()| handle.write_all(b"\n"))
        .and_then(|()| handle.sync_all())
        .with_context(|| format!("failed to write {}", temporary.display()))?;
    drop(handle);
    std::fs::rename(&temporary, path).with_context(|| {
        format!(
            "failed to rename {} to {}",
            temporary.display(),
            path.display()
        )
    })?;
    std::fs::File::open(&directory)
        .and_then(|handle| handle.sync_all())
        .with_context(|| format!("failed to flush directory {}", directory.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespaces::SeedDocument;

    fn temp_path(name: &str) -> PathBuf {
        let directory = std::env::temp_dir().join(format!(
            "mock-nova-persistence-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&directory).unwrap();
        directory.join("state.json")
    }

    #[test]
    fn missing_file_loads_nothing() {
        let namespaces = Namespaces::new(SeedDocument::default(), 10).unwrap();
        let loaded = load(&temp_path("missing"), &namespaces).unwrap();
        assert!(!loaded);
    }

    #[test]
    fn corrupt_file_is_an_error() {
        let path = temp_path("corrupt");
        std::fs::write(&path, b"{not json").unwrap();
        let namespaces = Namespaces::new(SeedDocument::default(), 10).unwrap();
        let error = load(&path, &namespaces).unwrap_err();
        assert!(format!("{error:#}").contains("not valid mock-nova state"));
        assert_eq!(std::fs::read(&path).unwrap(), b"{not json");
    }

    #[test]
    fn written_state_loads_back() {
        let path = temp_path("roundtrip");
        let namespaces = Namespaces::new(SeedDocument::default(), 10).unwrap();
        namespaces.store(Some("team")).unwrap();
        write_state(&path, namespaces.snapshot()).unwrap();
        let copy = Namespaces::new(SeedDocument::default(), 10).unwrap();
        assert!(load(&path, &copy).unwrap());
        assert_eq!(copy.names(), ["default", "team"]);
    }

    #[tokio::test]
    async fn sync_waits_for_save() {
        let path = temp_path("sync");
        let namespaces = Arc::new(Namespaces::new(SeedDocument::default(), 10).unwrap());
        let persistence = Persistence::start(path.clone(), namespaces.clone());
        namespaces.store(Some("late")).unwrap();
        persistence.sync().await.unwrap();
        let copy = Namespaces::new(SeedDocument::default(), 10).unwrap();
        assert!(load(&path, &copy).unwrap());
        assert_eq!(copy.names(), ["default", "late"]);
    }
}
