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

impl ReplyKind {
    /// Whether a reply of this kind *answers* the notification, i.e. meets
    /// its `reply_by` deadline: `findings`, `action-taken` and `declined`
    /// (a reasoned refusal is an answer, which the notifier may still rate
    /// formal). `request-for-information` and `interim` keep the
    /// conversation going but do not answer; `acknowledgement` only
    /// acknowledges. Every kind acknowledges (meets `ack_by`): whoever
    /// replies has evidently received the notification.
    pub fn answers(self) -> bool {
        matches!(
            self,
            ReplyKind::Findings | ReplyKind::ActionTaken | ReplyKind::Declined
        )
    }
}

/// Text at least this long (in characters, trimmed) counts as content in
/// the rating proposal rule ([`propose_rating`]).
pub const CONTENT_MIN_CHARS: usize = 40;

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

/// The body of a rating envelope: from the notifier to the replier,
/// `refs` = `[reply, notification]`, `reply` repeating `refs[0]`. A later
/// rating of the same reply supersedes an earlier one (both stay in the
/// log; the newest by `created` counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    pub reply: EnvelopeId,
    pub quality: ReplyQuality,
    pub reason: String,
    /// The notifier closes the matter with this rating (the final rating
    /// of the notification for this replier). Closing cannot be undone: a
    /// later rating may change the quality, not reopen the matter.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub close: bool,
}

/// What the rating rule proposes for a reply; the analyst confirms or
/// overrides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingProposal {
    /// `None`: the reply needs no rating (an acknowledgement).
    pub quality: Option<ReplyQuality>,
    /// Why, in words an analyst can keep as the rating's reason.
    pub reason: String,
}

/// The documented rule that proposes a rating. *Content* is an evidence
/// bundle, or text of at least [`CONTENT_MIN_CHARS`] characters.
///
/// | kind | with content | without |
/// |---|---|---|
/// | acknowledgement | no rating needed | no rating needed |
/// | findings, action-taken | substantive (text or evidence) | formal |
/// | interim, request-for-information, declined | substantive only with evidence | formal |
///
/// Interim replies, requests and refusals are formal unless they carry
/// technical evidence: words alone about work in progress, a question or a
/// refusal do not answer the essence. Findings and actions with a real
/// text or evidence do.
pub fn propose_rating(reply: &Reply) -> RatingProposal {
    let evidence = reply.evidence.is_some();
    let text = reply.text.trim().chars().count() >= CONTENT_MIN_CHARS;
    let (quality, reason) = match reply.kind {
        ReplyKind::Acknowledgement => (None, "an acknowledgement needs no rating".to_owned()),
        ReplyKind::Findings | ReplyKind::ActionTaken if evidence => (
            Some(ReplyQuality::Substantive),
            format!("{} with technical evidence", reply.kind),
        ),
        ReplyKind::Findings | ReplyKind::ActionTaken if text => (
            Some(ReplyQuality::Substantive),
            format!("{} with a substantive text", reply.kind),
        ),
        ReplyKind::Findings | ReplyKind::ActionTaken => (
            Some(ReplyQuality::Formal),
            format!(
                "{} without evidence and with less than {CONTENT_MIN_CHARS} characters of text",
                reply.kind
            ),
        ),
        kind if evidence => (
            Some(ReplyQuality::Substantive),
            format!("{kind} with technical evidence"),
        ),
        kind => (
            Some(ReplyQuality::Formal),
            format!("{kind} without technical evidence"),
        ),
    };
    RatingProposal { quality, reason }
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

    fn reply(kind: ReplyKind, text: &str, evidence: bool) -> Reply {
        Reply {
            kind,
            text: text.into(),
            reason: (kind == ReplyKind::Declined).then(|| "not ours".into()),
            evidence: evidence.then(|| serde_json::json!({"type": "bundle"})),
        }
    }

    #[test]
    fn the_rating_rule_proposes_per_kind_and_content() {
        use ReplyKind::*;
        use ReplyQuality::*;
        let long = "We found the C2 server on 192.0.2.7 and seized it today.";
        assert!(long.chars().count() >= CONTENT_MIN_CHARS);
        let short = "We took action.";
        let cases = [
            (Acknowledgement, long, true, None),
            (Findings, long, false, Some(Substantive)),
            (Findings, short, false, Some(Formal)),
            (Findings, "", true, Some(Substantive)),
            (ActionTaken, short, true, Some(Substantive)),
            (ActionTaken, "   ", false, Some(Formal)),
            (Interim, long, false, Some(Formal)),
            (Interim, "", true, Some(Substantive)),
            (RequestForInformation, long, false, Some(Formal)),
            (Declined, long, false, Some(Formal)),
            (Declined, "", true, Some(Substantive)),
        ];
        for (kind, text, evidence, want) in cases {
            let got = propose_rating(&reply(kind, text, evidence));
            assert_eq!(got.quality, want, "{kind} {text:?} evidence={evidence}");
            assert!(!got.reason.is_empty());
        }
    }

    #[test]
    fn answer_kinds_and_the_close_flag_on_the_wire() {
        let answering: Vec<_> = ReplyKind::ALL.iter().filter(|k| k.answers()).collect();
        assert_eq!(
            answering,
            [
                &ReplyKind::Findings,
                &ReplyKind::ActionTaken,
                &ReplyKind::Declined
            ]
        );
        let id = crate::ids::Sha256Hex::digest(b"r");
        let mut r = Rating {
            reply: id,
            quality: ReplyQuality::Formal,
            reason: "x".into(),
            close: false,
        };
        // `close: false` is omitted, so ratings signed before the flag
        // existed keep their ids.
        let v = serde_json::to_value(&r).unwrap();
        assert!(v.get("close").is_none(), "{v}");
        r.close = true;
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["close"], true);
        assert_eq!(serde_json::from_value::<Rating>(v).unwrap(), r);
    }

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
