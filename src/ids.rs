//! Generation of the ids the server hands out: request ids, generated flavor ids
//! and token values.
//!
//! Without a seed the ids are random UUID4s. With a seed each kind of id comes
//! from its own reproducible stream, so a test run that sends the same requests
//! gets the same ids every time, and extra reads do not shift the flavor ids.

use std::sync::atomic::{AtomicU64, Ordering};

use uuid::Uuid;

/// The kinds of generated ids, each with its own stream in seeded mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// `req-<uuid>` request ids.
    Request = 0,
    /// Flavor ids of flavors created without one.
    Flavor = 1,
    /// Keystone token values.
    Token = 2,
}

/// Source of generated ids.
#[derive(Debug)]
pub struct IdGenerator {
    seed: Option<u64>,
    counters: [AtomicU64; 3],
}

impl IdGenerator {
    /// Builds a generator: random when `seed` is `None`, reproducible otherwise.
    pub fn new(seed: Option<u64>) -> Self {
        Self {
            seed,
            counters: Default::default(),
        }
    }

    /// Returns the next UUID4 of the given kind.
    pub fn uuid(&self, kind: IdKind) -> Uuid {
        let Some(seed) = self.seed else {
            return Uuid::new_v4();
        };
        let index = self.counters[kind as usize].fetch_add(1, Ordering::Relaxed);
        let stream = seed ^ (kind as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F);
        let high = splitmix64(stream.wrapping_add(index.wrapping_mul(2)));
        let low = splitmix64(stream.wrapping_add(index.wrapping_mul(2) + 1));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// Returns a number in `[0, 1)` for probabilistic fault rules, reproducible
    /// when the generator is seeded.
    pub fn unit_interval(&self, stream: u64, index: u64) -> f64 {
        self.unit_interval_with(None, stream, index)
    }

    /// Like [`Self::unit_interval`], but with `seed` taking the place of the
    /// generator's own seed when given.
    pub fn unit_interval_with(&self, seed: Option<u64>, stream: u64, index: u64) -> f64 {
        let seed = seed.or(self.seed).unwrap_or_else(rand_seed);
        let value = splitmix64(seed ^ splitmix64(stream) ^ index.wrapping_mul(0x9E37_79B9));
        // The top 53 bits fill an f64 mantissa exactly.
        (value >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A random seed for unseeded probability draws.
fn rand_seed() -> u64 {
    Uuid::new_v4().as_u64_pair().0
}

/// SplitMix64, a small, well-mixed 64-bit hash used as a counter-based generator.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_repeat() {
        let first = IdGenerator::new(Some(7));
        let second = IdGenerator::new(Some(7));
        assert_eq!(first.uuid(IdKind::Flavor), second.uuid(IdKind::Flavor));
        assert_eq!(first.uuid(IdKind::Flavor), second.uuid(IdKind::Flavor));
    }

    #[test]
    fn seeded_ids_are_version_4() {
        let ids = IdGenerator::new(Some(7));
        assert_eq!(ids.uuid(IdKind::Token).get_version_num(), 4);
    }

    #[test]
    fn kinds_do_not_share_a_stream() {
        let ids = IdGenerator::new(Some(7));
        let request = ids.uuid(IdKind::Request);
        let other = IdGenerator::new(Some(7));
        assert_ne!(request, other.uuid(IdKind::Flavor));
        assert_eq!(request, other.uuid(IdKind::Request));
    }

    #[test]
    fn different_seeds_differ() {
        let a = IdGenerator::new(Some(1)).uuid(IdKind::Flavor);
        let b = IdGenerator::new(Some(2)).uuid(IdKind::Flavor);
        assert_ne!(a, b);
    }

    #[test]
    fn unseeded_ids_differ() {
        let ids = IdGenerator::new(None);
        assert_ne!(ids.uuid(IdKind::Flavor), ids.uuid(IdKind::Flavor));
    }

    #[test]
    fn unit_interval_is_in_range() {
        let ids = IdGenerator::new(Some(3));
        for index in 0..1000 {
            let value = ids.unit_interval(9, index);
            assert!((0.0..1.0).contains(&value), "{value}");
        }
    }
}
