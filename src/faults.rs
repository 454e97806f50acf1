//! Fault injection: rules that make chosen requests fail with a chosen status,
//! slow down, or lose their connection.
//!
//! A rule matches on any of method, route, flavor id, extra-spec key, project,
//! microversion and namespace; every field it gives must match. It fires for
//! the next `count` matching requests, for `for_seconds` after it was added,
//! with a `probability`, or any combination of these. Probability draws come
//! from a counter-based generator keyed by the rule's `seed` (or the server's),
//! so the same rule over the same requests fires the same way every run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::Method;
use serde::{Deserialize, Serialize};

use crate::ids::IdGenerator;

/// What a rule does to a request it fires on.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with a Nova fault of this status instead of serving the request.
    Error {
        /// HTTP status, 400 to 599.
        status: u16,
        /// Message in the fault body; a default names the rule.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Value of a `Retry-After` header, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Wait this many milliseconds, then serve the request normally.
    Delay {
        /// Added latency in milliseconds, at most 60000.
        ms: u64,
    },
    /// Close the connection without an answer.
    Close,
}

/// A fault rule as written in the configuration or posted to the control API.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match, any case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Route template to match, such as
    /// `/v2.1/flavors/{flavor_id}/os-extra_specs/{key}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Flavor id in the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor_id: Option<String>,
    /// Extra-spec key in the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Project id of the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Negotiated microversion, such as `2.61`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microversion: Option<String>,
    /// Namespace; `default` for requests outside any namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// What the rule does.
    pub action: FaultAction,
    /// Number of firings after which the rule retires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Seconds after the rule was added during which it fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_seconds: Option<f64>,
    /// Chance that a matching request is hit, from 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Seed of the probability draws; the server's seed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Longest delay a rule may add, so that a typo cannot hang a test run.
pub const MAX_DELAY_MS: u64 = 60_000;

/// Longest time window of a rule: one year, far beyond any test run and well
/// within what a `Duration` can hold.
pub const MAX_WINDOW_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

impl FaultRule {
    /// Checks the rule's values.
    ///
    /// # Errors
    /// A message naming the invalid field.
    pub fn validate(&self) -> Result<(), String> {
        match &self.action {
            FaultAction::Error { status, .. } if !(400..=599).contains(status) => {
                return Err(format!(
                    "action.status {status} must be between 400 and 599"
                ));
            }
            FaultAction::Delay { ms } if *ms > MAX_DELAY_MS => {
                return Err(format!("action.ms {ms} must be at most {MAX_DELAY_MS}"));
            }
            _ => {}
        }
        // A rule limited to no firings would be listed nowhere and never
        // fire, which hides a mistake in the test that added it.
        if self.count == Some(0) {
            return Err("count 0 must be at least 1".to_owned());
        }
        if let Some(probability) = self.probability
            && !(0.0..=1.0).contains(&probability)
        {
            return Err(format!("probability {probability} must be between 0 and 1"));
        }
        if let Some(seconds) = self.for_seconds
            && !(seconds > 0.0 && seconds <= MAX_WINDOW_SECONDS)
        {
            return Err(format!(
                "for_seconds {seconds} must be a positive number of at most {MAX_WINDOW_SECONDS}"
            ));
        }
        // NOTE: `route` is not checked against the router's templates, so a
        // misspelt template is accepted and matches nothing.
        if let Some(method) = &self.method
            && method.parse::<Method>().is_err()
        {
            return Err(format!("method {method:?} is not an HTTP method"));
        }
        Ok(())
    }
}

/// What is known about a request when rules are checked.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// HTTP method.
    pub method: &'a Method,
    /// Matched route template.
    pub route: &'a str,
    /// Flavor id in the path.
    pub flavor_id: Option<&'a str>,
    /// Extra-spec key in the path.
    pub key: Option<&'a str>,
    /// Project id of the caller.
    pub project: Option<&'a str>,
    /// Negotiated microversion.
    pub microversion: Option<&'a str>,
    /// Namespace name; `None` for the default namespace.
    pub namespace: Option<&'a str>,
}

/// A rule that fired on a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    /// Id of the rule.
    pub rule_id: u64,
    /// What to do.
    pub action: FaultAction,
}

/// An installed rule and its progress.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveRule {
    /// Id assigned when the rule was added.
    pub id: u64,
    /// The rule.
    #[serde(flatten)]
    pub rule: FaultRule,
    /// Number of times it fired.
    pub fired: u64,
    /// Number of matching requests seen, fired or not.
    pub matched: u64,
    #[serde(skip)]
    added: Instant,
}

impl ActiveRule {
    fn is_expired(&self, now: Instant) -> bool {
        let spent = self.rule.count.is_some_and(|count| self.fired >= count);
        let late = self.rule.for_seconds.is_some_and(|seconds| {
            Duration::try_from_secs_f64(seconds)
                .is_ok_and(|window| now.duration_since(self.added) > window)
        });
        spent || late
    }

    fn matches(&self, facts: &RequestFacts<'_>) -> bool {
        let rule = &self.rule;
        let equal = |wanted: &Option<String>, actual: Option<&str>| {
            wanted
                .as_deref()
                .is_none_or(|wanted| Some(wanted) == actual)
        };
        let namespace = facts.namespace.unwrap_or(crate::DEFAULT_NAMESPACE);
        rule.method
            .as_deref()
            .is_none_or(|method| method.eq_ignore_ascii_case(facts.method.as_str()))
            && equal(&rule.route, Some(facts.route))
            && equal(&rule.flavor_id, facts.flavor_id)
            && equal(&rule.key, facts.key)
            && equal(&rule.project, facts.project)
            && equal(&rule.microversion, facts.microversion)
            && equal(&rule.namespace, Some(namespace))
    }
}

/// The installed rules.
#[derive(Debug, Default)]
pub struct FaultRules {
    rules: Mutex<Vec<ActiveRule>>,
    /// Number of installed rules, read without the lock on every request.
    installed: AtomicUsize,
    next_id: Mutex<u64>,
}

impl FaultRules {
    /// Builds the rules from the configuration.
    ///
    /// # Errors
    /// The first invalid rule, with its position.
    pub fn new(rules: &[FaultRule]) -> Result<Self, String> {
        let installed = Self::default();
        for (index, rule) in rules.iter().enumerate() {
            installed
                .add(rule.clone())
                .map_err(|error| format!("faults[{index}]: {error}"))?;
        }
        Ok(installed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ActiveRule>> {
        // Every operation leaves the list whole, so a poisoned lock is safe to use.
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Installs a rule and returns its id.
    ///
    /// # Errors
    /// The rule is invalid.
    pub fn add(&self, rule: FaultRule) -> Result<u64, String> {
        rule.validate()?;
        let id = {
            let mut next = self.next_id.lock().unwrap_or_else(PoisonError::into_inner);
            *next += 1;
            *next
        };
        let mut rules = self.lock();
        rules.push(ActiveRule {
            id,
            rule,
            fired: 0,
            matched: 0,
            added: Instant::now(),
        });
        self.installed.store(rules.len(), Ordering::Release);
        Ok(id)
    }

    /// Returns the installed rules, retired ones removed first.
    pub fn list(&self) -> Vec<ActiveRule> {
        let mut rules = self.lock();
        let now = Instant::now();
        rules.retain(|rule| !rule.is_expired(now));
        self.installed.store(rules.len(), Ordering::Release);
        rules.clone()
    }

    /// Removes one rule; tells whether it existed.
    pub fn remove(&self, id: u64) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|rule| rule.id != id);
        self.installed.store(rules.len(), Ordering::Release);
        rules.len() < before
    }

    /// Removes the rules that apply to one namespace only.
    pub fn clear_namespace(&self, namespace: &str) {
        let mut rules = self.lock();
        rules.retain(|rule| rule.rule.namespace.as_deref() != Some(namespace));
        self.installed.store(rules.len(), Ordering::Release);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.clear();
        self.installed.store(0, Ordering::Release);
    }

    /// Finds the first live rule that matches the request and fires, counting
    /// matches and firings.
    pub fn check(&self, facts: &RequestFacts<'_>, ids: &IdGenerator) -> Option<Firing> {
        if self.installed.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut rules = self.lock();
        let now = Instant::now();
        rules.retain(|rule| !rule.is_expired(now));
        self.installed.store(rules.len(), Ordering::Release);
        // Rules are tried in the order they were added; a rule whose probability
        // draw misses lets the next matching rule decide.
        for rule in rules.iter_mut().filter(|rule| rule.matches(facts)) {
            let draw = rule.matched;
            rule.matched += 1;
            if let Some(probability) = rule.rule.probability {
                let value = ids.unit_interval_with(rule.rule.seed, rule.id, draw);
                if value >= probability {
                    continue;
                }
            }
            rule.fired += 1;
            return Some(Firing {
                rule_id: rule.id,
                action: rule.rule.action.clone(),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(action: FaultAction) -> FaultRule {
        FaultRule {
            method: Some("PUT".to_owned()),
            route: None,
            flavor_id: Some("1".to_owned()),
            key: None,
            project: None,
            microversion: None,
            namespace: None,
            action,
            count: None,
            for_seconds: None,
            probability: None,
            seed: None,
        }
    }

    fn error() -> FaultAction {
        FaultAction::Error {
            status: 503,
            message: None,
            retry_after: None,
        }
    }

    fn facts(method: &Method) -> RequestFacts<'_> {
        RequestFacts {
            method,
            route: "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}",
            flavor_id: Some("1"),
            key: Some("k"),
            project: Some("p"),
            microversion: Some("2.61"),
            namespace: None,
        }
    }

    #[test]
    fn count_limits_firings() {
        let rules = FaultRules::default();
        rules
            .add(FaultRule {
                count: Some(2),
                ..rule(error())
            })
            .unwrap();
        let ids = IdGenerator::new(Some(1));
        let put = Method::PUT;
        assert!(rules.check(&facts(&put), &ids).is_some());
        assert!(rules.check(&facts(&put), &ids).is_some());
        assert!(rules.check(&facts(&put), &ids).is_none());
        assert!(rules.list().is_empty());
    }

    #[test]
    fn other_method_does_not_match() {
        let rules = FaultRules::default();
        rules.add(rule(error())).unwrap();
        let get = Method::GET;
        assert!(rules.check(&facts(&get), &IdGenerator::new(None)).is_none());
    }

    #[test]
    fn probability_is_reproducible() {
        let pattern = |seed| {
            let rules = FaultRules::default();
            rules
                .add(FaultRule {
                    probability: Some(0.5),
                    seed: Some(seed),
                    ..rule(error())
                })
                .unwrap();
            let ids = IdGenerator::new(None);
            let put = Method::PUT;
            (0..64)
                .map(|_| rules.check(&facts(&put), &ids).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(pattern(9), pattern(9));
        let hits = pattern(9).iter().filter(|hit| **hit).count();
        assert!((16..=48).contains(&hits), "{hits} of 64");
    }

    #[test]
    fn window_expires() {
        let rules = FaultRules::default();
        rules
            .add(FaultRule {
                for_seconds: Some(0.001),
                ..rule(error())
            })
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let put = Method::PUT;
        assert!(rules.check(&facts(&put), &IdGenerator::new(None)).is_none());
    }

    #[test]
    fn missed_draw_falls_through() {
        let rules = FaultRules::default();
        rules
            .add(FaultRule {
                probability: Some(0.0),
                ..rule(FaultAction::Close)
            })
            .unwrap();
        rules.add(rule(error())).unwrap();
        let put = Method::PUT;
        let firing = rules.check(&facts(&put), &IdGenerator::new(None)).unwrap();
        assert_eq!(firing.rule_id, 2);
    }

    #[test]
    fn huge_window_is_rejected() {
        for seconds in [1e300, f64::NAN, f64::INFINITY, -1.0] {
            let result = FaultRules::default().add(FaultRule {
                for_seconds: Some(seconds),
                ..rule(error())
            });
            assert!(result.is_err(), "{seconds}");
        }
    }

    #[test]
    fn invalid_status_is_rejected() {
        let result = FaultRules::default().add(rule(FaultAction::Error {
            status: 200,
            message: None,
            retry_after: None,
        }));
        assert!(result.unwrap_err().contains("between 400 and 599"));
    }

    #[test]
    fn remove_and_clear() {
        let rules = FaultRules::default();
        let id = rules.add(rule(error())).unwrap();
        assert!(rules.remove(id));
        assert!(!rules.remove(id));
        rules.add(rule(FaultAction::Close)).unwrap();
        rules.clear();
        assert!(rules.list().is_empty());
    }
}
