//! Notifications: the body of a `notification` envelope.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::envelope::Envelope;
use crate::error::{CoreError, ErrorKind, Result};
use crate::evidence::Sufficiency;
use crate::net::NetworkScope;
use crate::sector::Sector;
use crate::taxonomy::Category;
use crate::time::Timestamp;
use crate::vocab::vocabulary;
use countersign_stix::summary::EvidenceSummary;

/// Hours from sending to the acknowledgement deadline when none is given
/// (NIS2 Art. 23: early warning within 24 hours).
pub const DEFAULT_ACK_HOURS: i64 = 24;
/// Hours from sending to the substantive-reply deadline when none is given
/// (NIS2 Art. 23: incident notification within 72 hours).
pub const DEFAULT_REPLY_HOURS: i64 = 72;

const MAX_TITLE: usize = 300;
const MAX_SUMMARY: usize = 20_000;

vocabulary! {
    pub enum Severity ("severity") {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

vocabulary! {
    /// What the notifier asks the recipient to do.
    pub enum RequestedAction ("requested action") {
        Investigate => "investigate",
        StopActivity => "stop-activity",
        PreserveEvidence => "preserve-evidence",
        ShareFindings => "share-findings",
        BlockIndicators => "block-indicators",
        TakeDown => "take-down",
        NotifyAffected => "notify-affected",
        ProvideLogs => "provide-logs",
    }
}

/// When the reported activity was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedWindow {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// The body of a notification envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    pub category: Category,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<Sector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<ObservedWindow>,
    /// Where the activity came from: what the recipient is asked to look at.
    #[serde(default, skip_serializing_if = "NetworkScope::is_empty")]
    pub origin: NetworkScope,
    /// What it hit.
    #[serde(default, skip_serializing_if = "NetworkScope::is_empty")]
    pub targets: NetworkScope,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested_actions: Vec<RequestedAction>,
    pub severity: Severity,
    pub ack_by: Timestamp,
    pub reply_by: Timestamp,
    /// A STIX 2.1 bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Value>,
}

/// A notification whose rules have been checked, with what was derived.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedNotification {
    pub notification: Notification,
    pub evidence: Option<EvidenceSummary>,
    pub sufficiency: Sufficiency,
}

impl Notification {
    /// Reads the body of a notification envelope and checks it.
    pub fn from_envelope(envelope: &Envelope) -> Result<CheckedNotification> {
        if envelope.kind != crate::envelope::EnvelopeType::Notification {
            return Err(CoreError::invalid(format!(
                "envelope is a {}, not a notification",
                envelope.kind
            )));
        }
        let n: Notification = Notification::deserialize(&envelope.body)
            .map_err(|e| CoreError::invalid(format!("malformed notification: {e}")))?;
        n.check(envelope.created, envelope.attachments.len())
    }

    /// Checks the rules against the send time and derives the evidence
    /// summary and sufficiency.
    pub fn check(self, created: Timestamp, attachments: usize) -> Result<CheckedNotification> {
        let title = self.title.trim();
        if title.is_empty() || self.title.chars().count() > MAX_TITLE {
            return Err(CoreError::invalid(format!(
                "title must be 1-{MAX_TITLE} characters"
            )));
        }
        if self.summary.chars().count() > MAX_SUMMARY {
            return Err(CoreError::invalid(format!(
                "summary must be at most {MAX_SUMMARY} characters"
            )));
        }
        if self.ack_by <= created {
            return Err(CoreError::invalid(format!(
                "ack_by {} must be after the send time {created}",
                self.ack_by
            )));
        }
        if self.reply_by < self.ack_by {
            return Err(CoreError::invalid(format!(
                "reply_by {} must not be before ack_by {}",
                self.reply_by, self.ack_by
            )));
        }
        if let Some(w) = &self.observed
            && w.end < w.start
        {
            return Err(CoreError::invalid("observed window ends before it starts"));
        }
        self.origin.validate().map_err(|e| e.context("origin"))?;
        self.targets.validate().map_err(|e| e.context("targets"))?;
        let evidence = match &self.evidence {
            None => None,
            Some(bundle) => Some(check_evidence(bundle)?),
        };
        let sufficiency = Sufficiency::assess(evidence.as_ref(), attachments);
        Ok(CheckedNotification {
            notification: self,
            evidence,
            sufficiency,
        })
    }

    /// The body as the JSON value placed in an envelope.
    pub fn to_body(&self) -> Result<Value> {
        serde_json::to_value(self)
            .map_err(|e| CoreError::invalid(format!("cannot serialise notification: {e}")))
    }
}

/// Checks a STIX 2.1 bundle and summarises it.
pub fn check_evidence(bundle: &Value) -> Result<EvidenceSummary> {
    let checked = countersign_stix::check_bundle(bundle).map_err(|e| {
        CoreError::new(
            ErrorKind::InvalidStix,
            format!("evidence is not valid STIX 2.1: {e}"),
        )
    })?;
    Ok(checked.summary())
}
