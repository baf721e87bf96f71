//! Choose one of the client's models for a sampling request, following the spec's model
//! preferences: name hints first, then priorities, then a default.

use std::fmt;

use crate::protocol::ModelPreferences;

/// A model the client can use, with optional scores in `0..=1` used by the priorities.
///
/// `cost` is how expensive the model is (low is cheap), `speed` how fast and `intelligence` how
/// capable it is (high is better). A model without any score is only chosen by a hint or as the
/// default.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The model's name, matched against hints.
    pub name: String,
    /// Relative cost, `0..=1` (lower is cheaper).
    pub cost: Option<f64>,
    /// Relative speed, `0..=1` (higher is faster).
    pub speed: Option<f64>,
    /// Relative capability, `0..=1` (higher is more capable).
    pub intelligence: Option<f64>,
}

impl ModelInfo {
    /// A model with no scores.
    pub fn new(name: impl Into<String>) -> Self {
        ModelInfo {
            name: name.into(),
            cost: None,
            speed: None,
            intelligence: None,
        }
    }

    /// Set the cost score (clamped to `0..=1`).
    pub fn cost(mut self, cost: f64) -> Self {
        self.cost = Some(unit(cost));
        self
    }

    /// Set the speed score (clamped to `0..=1`).
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = Some(unit(speed));
        self
    }

    /// Set the intelligence score (clamped to `0..=1`).
    pub fn intelligence(mut self, intelligence: f64) -> Self {
        self.intelligence = Some(unit(intelligence));
        self
    }
}

impl From<&str> for ModelInfo {
    fn from(name: &str) -> Self {
        ModelInfo::new(name)
    }
}

impl From<String> for ModelInfo {
    fn from(name: String) -> Self {
        ModelInfo::new(name)
    }
}

/// Clamp to `0..=1`; anything not a number counts as 0.
fn unit(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(0.0, 1.0)
    }
}

/// The model chosen for a request, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The model's name.
    pub model: String,
    /// The rule that chose it.
    pub reason: RouteReason,
}

/// Which rule of [`ModelRouter::route`] chose the model.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteReason {
    /// A name hint matched.
    Hint {
        /// The hint, as the server sent it.
        hint: String,
        /// Its position in the server's hint list, counting from 1.
        position: usize,
        /// How many of the client's models it matched.
        matches: usize,
        /// True when it matched several models and the priorities chose among them (false: the
        /// first matching model in the catalogue was taken).
        by_priorities: bool,
    },
    /// No hint matched; the priorities chose among every model with scores.
    Priorities {
        /// The hints that matched nothing, in order.
        tried: Vec<String>,
    },
    /// Neither hints nor priorities chose a model: the router's default.
    Default {
        /// The hints that matched nothing, in order.
        tried: Vec<String>,
    },
}

impl fmt::Display for RouteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unmatched = |f: &mut fmt::Formatter<'_>, tried: &[String]| {
            write!(f, "no hint matched ({})", tried.join(", "))
        };
        match self {
            RouteReason::Hint {
                hint,
                position,
                matches,
                by_priorities,
            } => {
                write!(f, "hint #{position} `{hint}`")?;
                match (matches, by_priorities) {
                    (0 | 1, _) => Ok(()),
                    (n, true) => write!(f, " ({n} models matched; priorities chose)"),
                    (n, false) => write!(f, " ({n} models matched; first listed)"),
                }
            }
            RouteReason::Priorities { tried } if tried.is_empty() => f.write_str("priorities"),
            RouteReason::Priorities { tried } => {
                unmatched(f, tried)?;
                f.write_str(": priorities")
            }
            RouteReason::Default { tried } if tried.is_empty() => f.write_str("no hints: default"),
            RouteReason::Default { tried } => {
                unmatched(f, tried)?;
                f.write_str(": default")
            }
        }
    }
}

/// Picks a model for each sampling request from the models the client has.
///
/// [`route`](ModelRouter::route) follows the spec's model preferences:
/// 1. **Hints**, in the server's order: each is a case-insensitive substring of model names; the
///    first hint that matches any model wins. When it matches several, the priorities choose
///    among them (or, without priorities, the first in the catalogue).
/// 2. **Priorities**, when no hint matched: `costPriority` favours low `cost`, `speedPriority`
///    high `speed`, `intelligencePriority` high `intelligence`. Each model is scored
///    `Σ priority × score` (a cost score counts as `1 − cost`; a score the model lacks counts as
///    0.5) over the models that have a score for some requested priority; the highest wins, the
///    first listed on a tie.
/// 3. Otherwise the **default** model.
///
/// ```
/// use toolsmith::client::{ModelInfo, ModelRouter, RouteReason};
/// use toolsmith::ModelPreferences;
///
/// let router = ModelRouter::new(
///     [
///         ModelInfo::new("gpt-4o-mini").cost(0.1).intelligence(0.5),
///         ModelInfo::new("gpt-4o").cost(0.6).intelligence(0.8),
///         ModelInfo::new("claude-sonnet").cost(0.5).intelligence(0.9),
///     ],
///     "gpt-4o-mini",
/// );
/// let prefs = ModelPreferences::new().hint("sonnet").hint("gpt");
/// assert_eq!(router.route(Some(&prefs)).model, "claude-sonnet");
/// let prefs = ModelPreferences::new().hint("llama").intelligence(1.0);
/// let route = router.route(Some(&prefs));
/// assert_eq!(route.model, "claude-sonnet");
/// assert_eq!(route.reason.to_string(), "no hint matched (llama): priorities");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRouter {
    models: Vec<ModelInfo>,
    default: String,
}

impl ModelRouter {
    /// A router over `models` (names or [`ModelInfo`]s, in order of preference for ties) that
    /// falls back to `default`. The default is added to the catalogue, without scores, when it
    /// is not in it.
    pub fn new<M: Into<ModelInfo>>(
        models: impl IntoIterator<Item = M>,
        default: impl Into<String>,
    ) -> Self {
        let default = default.into();
        let mut models: Vec<ModelInfo> = models.into_iter().map(Into::into).collect();
        if !models.iter().any(|m| m.name == default) {
            models.push(ModelInfo::new(default.clone()));
        }
        ModelRouter { models, default }
    }

    /// The catalogue, in order.
    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    /// The model used when nothing else chooses.
    pub fn default_model(&self) -> &str {
        &self.default
    }

    /// Choose a model for a request with these preferences (see the type's documentation).
    pub fn route(&self, preferences: Option<&ModelPreferences>) -> Route {
        let weights = preferences.map(Weights::of).unwrap_or_default();
        let mut tried = Vec::new();
        let hints = preferences.and_then(|p| p.hints.as_deref()).unwrap_or(&[]);
        for (index, hint) in hints.iter().enumerate() {
            let Some(name) = hint.name.as_deref().filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            let needle = name.trim().to_lowercase();
            let matching: Vec<&ModelInfo> = self
                .models
                .iter()
                .filter(|m| m.name.to_lowercase().contains(&needle))
                .collect();
            let Some(first) = matching.first() else {
                tried.push(name.to_owned());
                continue;
            };
            let best = if matching.len() > 1 {
                weights.best(matching.iter().copied())
            } else {
                None
            };
            return Route {
                model: best.unwrap_or(first).name.clone(),
                reason: RouteReason::Hint {
                    hint: name.to_owned(),
                    position: index + 1,
                    matches: matching.len(),
                    by_priorities: best.is_some(),
                },
            };
        }
        if let Some(best) = weights.best(self.models.iter()) {
            return Route {
                model: best.name.clone(),
                reason: RouteReason::Priorities { tried },
            };
        }
        Route {
            model: self.default.clone(),
            reason: RouteReason::Default { tried },
        }
    }
}

/// The server's priorities, each in `0..=1` (absent = 0).
#[derive(Debug, Default, Clone, Copy)]
struct Weights {
    cost: f64,
    speed: f64,
    intelligence: f64,
}

impl Weights {
    fn of(p: &ModelPreferences) -> Self {
        let w = |v: Option<f64>| v.map_or(0.0, unit);
        Weights {
            cost: w(p.cost_priority),
            speed: w(p.speed_priority),
            intelligence: w(p.intelligence_priority),
        }
    }

    /// The score of a model, or `None` when it has no score for any priority asked for.
    fn score(&self, m: &ModelInfo) -> Option<f64> {
        let dims = [
            (self.cost, m.cost.map(|c| 1.0 - c)),
            (self.speed, m.speed),
            (self.intelligence, m.intelligence),
        ];
        if !dims.iter().any(|(w, s)| *w > 0.0 && s.is_some()) {
            return None;
        }
        Some(dims.iter().map(|(w, s)| w * s.unwrap_or(0.5)).sum())
    }

    /// The highest-scoring model (the first on a tie), or `None` when none can be scored.
    fn best<'m>(&self, models: impl Iterator<Item = &'m ModelInfo>) -> Option<&'m ModelInfo> {
        let mut best: Option<(&ModelInfo, f64)> = None;
        for m in models {
            if let Some(s) = self.score(m) {
                if best.is_none_or(|(_, b)| s > b) {
                    best = Some((m, s));
                }
            }
        }
        best.map(|(m, _)| m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> ModelRouter {
        ModelRouter::new(
            [
                ModelInfo::new("gpt-4o-mini")
                    .cost(0.1)
                    .speed(0.9)
                    .intelligence(0.5),
                ModelInfo::new("GPT-4o")
                    .cost(0.6)
                    .speed(0.6)
                    .intelligence(0.8),
                ModelInfo::new("claude-sonnet")
                    .cost(0.5)
                    .speed(0.5)
                    .intelligence(0.9),
                ModelInfo::new("local-llama"),
            ],
            "local-llama",
        )
    }

    fn hints(names: &[&str]) -> ModelPreferences {
        names
            .iter()
            .fold(ModelPreferences::new(), |p, n| p.hint(*n))
    }

    #[test]
    fn first_hint_that_matches_wins() {
        let r = catalogue().route(Some(&hints(&["custom_model", "sonnet", "gpt"])));
        assert_eq!(r.model, "claude-sonnet");
        assert_eq!(
            r.reason,
            RouteReason::Hint {
                hint: "sonnet".into(),
                position: 2,
                matches: 1,
                by_priorities: false
            }
        );
        assert_eq!(r.reason.to_string(), "hint #2 `sonnet`");
    }

    #[test]
    fn hints_are_case_insensitive_substrings() {
        let r = catalogue().route(Some(&hints(&["gpt-4O-"])));
        assert_eq!(r.model, "gpt-4o-mini");
        // "gpt-4o" is a substring of both names; the catalogue's case does not matter.
        let r = catalogue().route(Some(&hints(&["Gpt-4o"])));
        assert!(matches!(r.reason, RouteReason::Hint { matches: 2, .. }));
    }

    #[test]
    fn priorities_break_a_tie_between_hint_matches() {
        let router = catalogue();
        let r = router.route(Some(&hints(&["gpt"]).cost(1.0)));
        assert_eq!(r.model, "gpt-4o-mini", "cheapest");
        let r = router.route(Some(&hints(&["gpt"]).intelligence(1.0)));
        assert_eq!(r.model, "GPT-4o", "smartest");
        assert_eq!(
            r.reason.to_string(),
            "hint #1 `gpt` (2 models matched; priorities chose)"
        );
        let r = router.route(Some(&hints(&["gpt"]).speed(1.0)));
        assert_eq!(r.model, "gpt-4o-mini", "fastest");
        // Without priorities the first listed match is taken, and the reason says so.
        let r = router.route(Some(&hints(&["gpt"])));
        assert_eq!(r.model, "gpt-4o-mini");
        assert_eq!(
            r.reason.to_string(),
            "hint #1 `gpt` (2 models matched; first listed)"
        );
    }

    #[test]
    fn priorities_choose_when_no_hint_matches() {
        let router = catalogue();
        let r = router.route(Some(&hints(&["custom_model"]).intelligence(1.0)));
        assert_eq!(r.model, "claude-sonnet");
        assert_eq!(
            r.reason,
            RouteReason::Priorities {
                tried: vec!["custom_model".into()]
            }
        );
        assert_eq!(
            r.reason.to_string(),
            "no hint matched (custom_model): priorities"
        );
        // A weighted sum: with cost weighing most, the cheapest model wins.
        let r = router.route(Some(&ModelPreferences::new().cost(0.8).intelligence(0.2)));
        assert_eq!(r.model, "gpt-4o-mini");
        assert_eq!(r.reason.to_string(), "priorities");
    }

    #[test]
    fn default_when_nothing_matches_and_lists_what_was_tried() {
        let router = ModelRouter::new(["lexicon-sentiment-v1"], "lexicon-sentiment-v1");
        let r = router.route(Some(&hints(&["custom_model", "gpt-4o"])));
        assert_eq!(r.model, "lexicon-sentiment-v1");
        assert_eq!(
            r.reason,
            RouteReason::Default {
                tried: vec!["custom_model".into(), "gpt-4o".into()]
            }
        );
        assert_eq!(
            r.reason.to_string(),
            "no hint matched (custom_model, gpt-4o): default"
        );
        let r = router.route(None);
        assert_eq!(r.model, "lexicon-sentiment-v1");
        assert_eq!(r.reason.to_string(), "no hints: default");
    }

    #[test]
    fn priorities_without_scores_fall_back_to_the_default() {
        let router = ModelRouter::new(["a", "b"], "b");
        let r = router.route(Some(&ModelPreferences::new().speed(1.0)));
        assert_eq!(r.model, "b");
        assert!(matches!(r.reason, RouteReason::Default { .. }));
        // Zero priorities choose nothing either.
        let r = catalogue().route(Some(&ModelPreferences::new().cost(0.0)));
        assert_eq!(r.model, "local-llama");
        // Only scores for the requested priority count: intelligence scores don't answer speed.
        let router = ModelRouter::new([ModelInfo::new("smart").intelligence(1.0)], "plain");
        let r = router.route(Some(&ModelPreferences::new().speed(1.0)));
        assert_eq!(r.model, "plain");
    }

    #[test]
    fn empty_and_nameless_hints_are_skipped() {
        let mut prefs = hints(&["", "  ", "sonnet"]);
        prefs
            .hints
            .as_mut()
            .unwrap()
            .insert(0, crate::protocol::ModelHint { name: None });
        let r = catalogue().route(Some(&prefs));
        assert_eq!(r.model, "claude-sonnet");
        assert!(matches!(r.reason, RouteReason::Hint { position: 4, .. }));
    }

    #[test]
    fn the_default_joins_the_catalogue_and_can_be_hinted() {
        let router = ModelRouter::new(Vec::<ModelInfo>::new(), "claude-haiku");
        assert_eq!(router.models().len(), 1);
        assert_eq!(router.default_model(), "claude-haiku");
        let r = router.route(Some(&hints(&["haiku"])));
        assert!(matches!(r.reason, RouteReason::Hint { position: 1, .. }));
    }

    #[test]
    fn out_of_range_priorities_and_scores_are_clamped() {
        let router = ModelRouter::new(
            [
                ModelInfo::new("cheap").cost(-3.0),
                ModelInfo::new("dear").cost(7.0),
            ],
            "dear",
        );
        assert_eq!(router.models()[0].cost, Some(0.0));
        let r = router.route(Some(&ModelPreferences::new().cost(f64::INFINITY)));
        assert_eq!(r.model, "cheap");
        let r = router.route(Some(&ModelPreferences::new().cost(f64::NAN)));
        assert_eq!(r.model, "dear", "NaN is no priority: default");
    }
}
