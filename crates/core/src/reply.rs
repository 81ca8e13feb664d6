//! Replies and ratings: the bodies of `reply` and `rating` envelopes.
//!
//! A reply answers one notification (its envelope's `refs[0]`). The
//! notifier rates every reply that is not a mere acknowledgement as
//! substantive or formal; the rating is itself a signed envelope, so "we
//! got 7 formal replies" can be shown, not just said.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, Result};
use crate::ids::EnvelopeId;
use crate::notification::check_evidence;
use crate::vocab::vocabulary;

const MAX_TEXT: usize = 20_000;

vocabulary! {
    /// What a reply does.
    pub enum ReplyKind ("reply kind") {
        /// "We received it": the acknowledgement deadline is met.
        Acknowledgement => "acknowledgement",
        /// The recipient needs more to act.
        RequestForInformation => "request-for-information",
        /// Work in progress.
        Interim => "interim",
        /// What the recipient found.
        Findings => "findings",
        /// What the recipient did.
        ActionTaken => "action-taken",
        /// The recipient will not act; a reason is required.
        Declined => "declined",
    }
}

/// The body of a reply envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub kind: ReplyKind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Why the recipient declined (required for `declined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A STIX 2.1 bundle: findings, sightings, actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Value>,
}

impl Reply {
    pub fn check(&self) -> Result<()> {
        if self.text.chars().count() > MAX_TEXT {
            return Err(CoreError::invalid(format!(
                "reply text must be at most {MAX_TEXT} characters"
            )));
        }
        if self.kind == ReplyKind::Declined
            && self.reason.as_deref().is_none_or(|r| r.trim().is_empty())
        {
            return Err(CoreError::invalid("a declined reply needs a reason"));
        }
        if let Some(bundle) = &self.evidence {
            check_evidence(bundle)?;
        }
        Ok(())
    }

    pub fn to_body(&self) -> Result<Value> {
        serde_json::to_value(self)
            .map_err(|e| CoreError::invalid(format!("cannot serialise reply: {e}")))
    }
}

vocabulary! {
    /// The notifier's judgement of a reply.
    pub enum ReplyQuality ("reply rating") {
        /// It answers the essence: findings, actions, evidence.
        Substantive => "substantive",
        /// It answers the form only.
        Formal => "formal",
    }
}

/// The body of a rating envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    pub reply: EnvelopeId,
    pub quality: ReplyQuality,
    pub reason: String,
}

impl Rating {
    pub fn check(&self) -> Result<()> {
        if self.reason.trim().is_empty() || self.reason.chars().count() > MAX_TEXT {
            return Err(CoreError::invalid("a rating needs a reason"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declined_needs_a_reason() {
        let mut r = Reply {
            kind: ReplyKind::Declined,
            text: String::new(),
            reason: None,
            evidence: None,
        };
        assert!(r.check().is_err());
        r.reason = Some("outside our constituency".into());
        r.check().unwrap();
        let bad = Reply {
            kind: ReplyKind::Findings,
            text: String::new(),
            reason: None,
            evidence: Some(serde_json::json!({"type": "bundle"})),
        };
        assert!(bad.check().is_err());
    }
}
