//! Default reply deadlines: the one place where a notification's `ack_by`
//! and `reply_by` are filled in when the notifier names none.
//!
//! The rhythm follows NIS2 Art. 23 (Directive (EU) 2022/2555): an early
//! warning within 24 hours, the incident notification within 72 hours, a
//! final report within one month. countersign reads them as what a
//! notifier may expect of a counterpart: an acknowledgement within 24
//! hours (`ack_by`), a substantive reply within 72 hours (`reply_by`), the
//! matter settled (a final report) within a month (`final_by`, derived,
//! not signed). Notifications touching a *protected* sector (by default
//! the families energy, water, health, finance, transport and government,
//! the critical infrastructure the parties' statements want off limits)
//! get shorter defaults and are flagged. Everything is configurable per
//! node and per (notifier, recipient) pair; the policy is plain data so
//! the node keeps it in its configuration file.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::ids::PartyId;
use crate::sector::{Sector, SectorFamily};
use crate::time::Timestamp;

/// NIS2 early warning: 24 hours.
pub const NIS2_ACK_HOURS: i64 = 24;
/// NIS2 incident notification: 72 hours.
pub const NIS2_REPLY_HOURS: i64 = 72;
/// NIS2 final report: one month, counted as 30 days.
pub const NIS2_FINAL_DAYS: i64 = 30;
/// Protected sectors: acknowledgement within 4 hours (countersign's
/// default; NIS2 sets no shorter rhythm, the parties' agreements do).
pub const PROTECTED_ACK_HOURS: i64 = 4;
/// Protected sectors: substantive reply within 24 hours.
pub const PROTECTED_REPLY_HOURS: i64 = 24;

/// The sector families protected by default.
pub const DEFAULT_PROTECTED: [SectorFamily; 6] = [
    SectorFamily::Energy,
    SectorFamily::Water,
    SectorFamily::Health,
    SectorFamily::Finance,
    SectorFamily::Transport,
    SectorFamily::Government,
];

/// Hours to the acknowledgement and reply deadlines, and days to the
/// final report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rhythm {
    pub ack_hours: i64,
    pub reply_hours: i64,
    pub final_days: i64,
}

impl Rhythm {
    fn check(&self, what: &str) -> Result<()> {
        // The bound first, so `final_days * 24` cannot overflow.
        let ok = (1..=3660).contains(&self.final_days)
            && self.ack_hours > 0
            && self.reply_hours >= self.ack_hours
            && self.final_days * 24 >= self.reply_hours;
        if ok {
            Ok(())
        } else {
            Err(CoreError::invalid(format!(
                "{what}: deadlines must satisfy 0 < ack_hours <= reply_hours <= final_days * 24 \
                 (and final_days <= 3660); got {} h, {} h, {} d",
                self.ack_hours, self.reply_hours, self.final_days
            )))
        }
    }
}

/// A rhythm agreed between one notifier and one recipient (for example
/// in a bilateral arrangement), replacing the node's defaults for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRhythm {
    pub from: PartyId,
    pub to: PartyId,
    pub normal: Rhythm,
    /// For notifications touching a protected sector; the node's
    /// protected rhythm when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<Rhythm>,
}

/// The node's deadline defaults (configuration `deadlines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeadlinePolicy {
    pub normal: Rhythm,
    pub protected: Rhythm,
    /// Sector families whose notifications get the protected rhythm.
    pub protected_families: Vec<SectorFamily>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<PairRhythm>,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            normal: Rhythm {
                ack_hours: NIS2_ACK_HOURS,
                reply_hours: NIS2_REPLY_HOURS,
                final_days: NIS2_FINAL_DAYS,
            },
            protected: Rhythm {
                ack_hours: PROTECTED_ACK_HOURS,
                reply_hours: PROTECTED_REPLY_HOURS,
                final_days: NIS2_FINAL_DAYS,
            },
            protected_families: DEFAULT_PROTECTED.to_vec(),
            pairs: vec![],
        }
    }
}

/// The deadlines given to one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub ack_by: Timestamp,
    pub reply_by: Timestamp,
    /// The final report (not signed; derived for display).
    pub final_by: Timestamp,
    /// The notification touches a protected sector.
    pub protected: bool,
}

impl DeadlinePolicy {
    /// Checks every rhythm; a configuration that fails is refused at load.
    pub fn check(&self) -> Result<()> {
        self.normal.check("deadlines.normal")?;
        self.protected.check("deadlines.protected")?;
        for p in &self.pairs {
            p.normal
                .check(&format!("deadlines.pairs {} -> {}", p.from, p.to))?;
            if let Some(r) = &p.protected {
                r.check(&format!("deadlines.pairs {} -> {} protected", p.from, p.to))?;
            }
        }
        Ok(())
    }

    /// Whether any of the sectors is in a protected family.
    pub fn is_protected(&self, sectors: &[Sector]) -> bool {
        sectors
            .iter()
            .any(|s| self.protected_families.contains(&s.family()))
    }

    /// The rhythm for one notifier and recipient.
    pub fn rhythm(&self, from: &PartyId, to: &PartyId, protected: bool) -> Rhythm {
        let pair = self.pairs.iter().find(|p| p.from == *from && p.to == *to);
        match (pair, protected) {
            (Some(p), false) => p.normal,
            (Some(p), true) => p.protected.unwrap_or(self.protected),
            (None, false) => self.normal,
            (None, true) => self.protected,
        }
    }

    /// The default deadlines of a notification sent at `created`. One
    /// notification has one pair of deadlines, so with several
    /// recipients the strictest (shortest) rhythm among the pairs
    /// applies: the deadline is never later than any arrangement allows.
    /// A notifier who wants a recipient's longer agreed rhythm honoured
    /// sends it its own notification (or names the deadlines).
    pub fn deadlines(
        &self,
        from: &PartyId,
        to: &[PartyId],
        sectors: &[Sector],
        created: Timestamp,
    ) -> Deadlines {
        let protected = self.is_protected(sectors);
        let rhythms: Vec<Rhythm> = if to.is_empty() {
            vec![if protected {
                self.protected
            } else {
                self.normal
            }]
        } else {
            to.iter().map(|t| self.rhythm(from, t, protected)).collect()
        };
        let min = |f: fn(&Rhythm) -> i64| rhythms.iter().map(f).min().unwrap_or(0);
        Deadlines {
            ack_by: created.plus_hours(min(|r| r.ack_hours)),
            reply_by: created.plus_hours(min(|r| r.reply_hours)),
            final_by: created.plus_hours(24 * min(|r| r.final_days)),
            protected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(t: &str) -> Timestamp {
        Timestamp::parse(t).unwrap()
    }

    fn p(s: &str) -> PartyId {
        PartyId::parse(s).unwrap()
    }

    #[test]
    fn nis2_defaults_and_protected_sectors() {
        let policy = DeadlinePolicy::default();
        let t0 = ts("2026-03-02T10:00:00Z");
        let d = policy.deadlines(&p("cert-a"), &[p("cert-b")], &[Sector::UsChemical], t0);
        assert_eq!(d.ack_by, ts("2026-03-03T10:00:00Z"));
        assert_eq!(d.reply_by, ts("2026-03-05T10:00:00Z"));
        assert_eq!(d.final_by, ts("2026-04-01T10:00:00Z"));
        assert!(!d.protected);
        // nis2:drinking-water is in the water family: protected.
        let d = policy.deadlines(
            &p("cert-a"),
            &[p("cert-b")],
            &[Sector::UsChemical, Sector::Nis2DrinkingWater],
            t0,
        );
        assert!(d.protected);
        assert_eq!(d.ack_by, ts("2026-03-02T14:00:00Z"));
        assert_eq!(d.reply_by, ts("2026-03-03T10:00:00Z"));
    }

    #[test]
    fn pair_rhythm_overrides_and_the_strictest_recipient_wins() {
        let mut policy = DeadlinePolicy::default();
        policy.pairs.push(PairRhythm {
            from: p("cert-a"),
            to: p("cert-b"),
            normal: Rhythm {
                ack_hours: 48,
                reply_hours: 120,
                final_days: 60,
            },
            protected: None,
        });
        policy.check().unwrap();
        let t0 = ts("2026-03-02T10:00:00Z");
        let d = policy.deadlines(&p("cert-a"), &[p("cert-b")], &[], t0);
        assert_eq!(d.ack_by, ts("2026-03-04T10:00:00Z"));
        assert_eq!(d.reply_by, ts("2026-03-07T10:00:00Z"));
        // The other direction is not covered by the pair.
        let d = policy.deadlines(&p("cert-b"), &[p("cert-a")], &[], t0);
        assert_eq!(d.ack_by, ts("2026-03-03T10:00:00Z"));
        // With a second recipient at the defaults, the defaults bind.
        let d = policy.deadlines(&p("cert-a"), &[p("cert-b"), p("cert-c")], &[], t0);
        assert_eq!(d.ack_by, ts("2026-03-03T10:00:00Z"));
        // Protected sectors of the pair fall back to the node's protected rhythm.
        let d = policy.deadlines(&p("cert-a"), &[p("cert-b")], &[Sector::Nis2Health], t0);
        assert_eq!(d.ack_by, ts("2026-03-02T14:00:00Z"));
    }

    #[test]
    fn bad_rhythms_are_refused_and_config_round_trips() {
        let mut policy = DeadlinePolicy::default();
        policy.normal.reply_hours = 10;
        assert!(policy.check().is_err());
        policy.normal.reply_hours = 72;
        policy.protected.ack_hours = 0;
        assert!(policy.check().is_err());
        // A huge or negative final_days is refused before `* 24` overflows.
        for days in [i64::MAX / 2, i64::MIN, 0] {
            let mut policy = DeadlinePolicy::default();
            policy.normal.final_days = days;
            assert!(policy.check().is_err(), "{days}");
        }
        let default = DeadlinePolicy::default();
        let text = serde_json::to_string(&default).unwrap();
        assert_eq!(
            serde_json::from_str::<DeadlinePolicy>(&text).unwrap(),
            default
        );
        // An empty object is the default (older configuration files).
        assert_eq!(
            serde_json::from_str::<DeadlinePolicy>("{}").unwrap(),
            default
        );
    }
}
