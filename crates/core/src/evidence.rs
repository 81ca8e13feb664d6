//! Evidence sufficiency: how much a notification proves on its own.
//!
//! The rule, from what a recipient can check without trusting the sender:
//!
//! | level | when | shown as |
//! |---|---|---|
//! | `none` | no STIX object that says anything and no attachment (identities, markings and relationships alone prove nothing) | **unsubstantiated** |
//! | `claims-only` | narrative objects only: reports, notes, opinions, threat actors, campaigns, malware, attack patterns… | claims only |
//! | `indicators` | technical data of one kind: indicators (patterns to look for), or observations and artifacts (observed-data, sightings, cyber observables, attached logs and captures), not both | technical data |
//! | `corroborated` | indicators **and** observations or artifacts: what to look for and where it was seen | corroborated |
//!
//! An attachment counts as an artifact: it is raw material (a log, a
//! packet capture, a sample) that the recipient can examine.

use countersign_stix::summary::EvidenceSummary;

use crate::vocab::vocabulary;

vocabulary! {
    /// Evidence sufficiency levels, weakest first.
    pub enum Sufficiency ("evidence sufficiency level") {
        None => "none",
        ClaimsOnly => "claims-only",
        Indicators => "indicators",
        Corroborated => "corroborated",
    }
}

impl Sufficiency {
    /// Applies the rule of the module documentation.
    pub fn assess(evidence: Option<&EvidenceSummary>, attachments: usize) -> Sufficiency {
        let empty = EvidenceSummary::default();
        let e = evidence.unwrap_or(&empty);
        let indicators = e.indicators > 0;
        let observations =
            e.observed_data + e.sightings + e.observables + e.artifacts + attachments > 0;
        match (indicators, observations) {
            (true, true) => Sufficiency::Corroborated,
            (true, false) | (false, true) => Sufficiency::Indicators,
            (false, false) if e.claims > 0 => Sufficiency::ClaimsOnly,
            (false, false) => Sufficiency::None,
        }
    }

    /// The words shown beside a notification.
    pub fn label(self) -> &'static str {
        match self {
            Sufficiency::None => "unsubstantiated",
            Sufficiency::ClaimsOnly => "claims only",
            Sufficiency::Indicators => "technical data",
            Sufficiency::Corroborated => "corroborated",
        }
    }

    /// One sentence explaining the level to a reader.
    pub fn explanation(self) -> &'static str {
        match self {
            Sufficiency::None => "carries no evidence: nothing the recipient can check",
            Sufficiency::ClaimsOnly => "carries narrative claims but no technical data",
            Sufficiency::Indicators => {
                "carries technical data of one kind: indicators, or observations and artifacts, not both"
            }
            Sufficiency::Corroborated => {
                "carries indicators together with observations or artifacts that show them"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(f: impl FnOnce(&mut EvidenceSummary)) -> EvidenceSummary {
        let mut s = EvidenceSummary::default();
        f(&mut s);
        s
    }

    #[test]
    fn the_rule_of_the_table() {
        use Sufficiency as S;
        assert_eq!(S::assess(None, 0), S::None);
        assert_eq!(S::assess(Some(&summary(|s| s.identities = 3)), 0), S::None);
        assert_eq!(
            S::assess(Some(&summary(|s| s.claims = 1)), 0),
            S::ClaimsOnly
        );
        assert_eq!(
            S::assess(Some(&summary(|s| s.indicators = 2)), 0),
            S::Indicators
        );
        assert_eq!(
            S::assess(Some(&summary(|s| s.observables = 2)), 0),
            S::Indicators
        );
        assert_eq!(S::assess(None, 1), S::Indicators);
        assert_eq!(
            S::assess(Some(&summary(|s| s.indicators = 1)), 1),
            S::Corroborated
        );
        let both = summary(|s| {
            s.indicators = 1;
            s.observed_data = 1;
            s.claims = 4;
        });
        assert_eq!(S::assess(Some(&both), 0), S::Corroborated);
        assert_eq!(S::None.label(), "unsubstantiated");
    }
}
