//! Scorecards: per counterpart and direction, over a period, how
//! notifications were delivered, acknowledged and answered, and how well.
//!
//! Pure computation over lifecycle facts ([`Facts`]: one obligation, i.e.
//! one notification to one recipient, with its logged events); the node
//! gathers the facts from its store. The figures, for the obligations
//! whose notification was *created* in the period `[start, end)` (and not
//! after `now`), judged at `now` (events after `now` are not yet seen):
//!
//! - `sent`: obligations; `delivered`: with a receipt or a reply;
//!   `acknowledged`: with a reply of any kind; `answered`: with a reply
//!   of an answering kind (findings, action-taken, declined);
//!   `unanswered` = `sent` − `answered`;
//! - `substantive` / `formal` / `unrated`: answered or not, per
//!   obligation, the best current rating over its replies (a reply's
//!   newest rating counts; substantive beats formal); `unrated` counts the
//!   acknowledged obligations with no rated reply;
//! - `overdue`: obligations that missed a deadline (acknowledged or
//!   answered late, or not at all with the deadline passed);
//! - `replies`: replies of every kind;
//! - times to deliver (receipt's `received_at`), acknowledge (first
//!   reply) and answer (first answering reply), from the notification's
//!   `created`, in whole seconds (negative clock skew counts as 0): the
//!   median and the 90th percentile by the nearest-rank method (the
//!   value at 1-based rank ⌈p·n/100⌉ of the sorted values, so the median
//!   of an even count is the lower middle value);
//! - `weekly`: per week (Monday 00:00 UTC) overlapping the period, the
//!   notifications created that week and how many of them are answered
//!   by `now` (a cohort view: late answers count for their week).
//!
//! *Outbound* scorecards are how a counterpart answered us (we notified),
//! *inbound* ones how we answered it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::ids::{EnvelopeId, PartyId};
use crate::lifecycle::{Event, Lifecycle, Obligation, derive};
use crate::reply::ReplyQuality;
use crate::time::Timestamp;
use crate::vocab::vocabulary;

vocabulary! {
    /// Which way the notifications went.
    pub enum Direction ("direction") {
        /// We notified; the counterpart owes the answers.
        Outbound => "out",
        /// The counterpart notified us; we owe the answers.
        Inbound => "in",
    }
}

/// The longest period: about 100 years.
const MAX_DAYS: i64 = 36_600;

/// A period `[start, end)` of notification creation times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Period {
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// Parses `30d` or `12w` (that many days or weeks up to `now`) or
    /// `2026-01-01..2026-03-31` (whole days, both included).
    pub fn parse(text: &str, now: Timestamp) -> Result<Period> {
        let text = text.trim();
        let bad = || {
            CoreError::invalid(format!(
                "{text:?} is not a period; write 30d, 12w or 2026-01-01..2026-03-31"
            ))
        };
        if let Some((a, b)) = text.split_once("..") {
            let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad());
            let (a, b) = (day(a)?, day(b)?);
            // Whole days of the years a scorecard can be about; far
            // outside them the week arithmetic would leave chrono's range.
            for d in [a, b] {
                if !(1970..=9999).contains(&d.year()) {
                    return Err(CoreError::invalid(format!(
                        "period {text:?}: dates must be between 1970 and 9999"
                    )));
                }
            }
            if b < a {
                return Err(CoreError::invalid(format!(
                    "period {text:?} ends before it starts"
                )));
            }
            if (b - a).num_days() > MAX_DAYS {
                return Err(CoreError::invalid(format!(
                    "period {text:?} is longer than 100 years"
                )));
            }
            let at = |d: NaiveDate| {
                d.and_hms_opt(0, 0, 0)
                    .map(|n| Timestamp::from_datetime(Utc.from_utc_datetime(&n)))
                    .ok_or_else(bad)
            };
            return Ok(Period {
                start: at(a)?,
                end: at(b.succ_opt().ok_or_else(bad)?)?,
            });
        }
        // `strip_suffix`, not a byte split: the text is anyone's input and
        // may end in a multi-byte character.
        let days = if let Some(n) = text.strip_suffix('d') {
            n.parse::<i64>().map_err(|_| bad())?
        } else if let Some(n) = text.strip_suffix('w') {
            n.parse::<i64>().map_err(|_| bad())?.saturating_mul(7)
        } else {
            return Err(bad());
        };
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(CoreError::invalid(format!(
                "period {text:?} must be between 1 day and 100 years"
            )));
        }
        Ok(Period {
            start: now.plus_hours(-24 * days),
            end: now,
        })
    }
}

/// One obligation and what was logged about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub notification: EnvelopeId,
    /// Our party: the notifier (outbound) or the recipient (inbound).
    pub party: PartyId,
    pub counterpart: PartyId,
    pub direction: Direction,
    pub obligation: Obligation,
    pub events: Vec<Event>,
}

/// The median and 90th percentile of some durations (nearest rank).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    pub count: u32,
    pub median_s: Option<i64>,
    pub p90_s: Option<i64>,
}

impl Percentiles {
    pub fn of(mut values: Vec<i64>) -> Self {
        values.sort_unstable();
        let n = values.len();
        let rank = |p: usize| {
            // 1-based nearest rank ⌈p·n/100⌉, at least 1.
            let r = (p * n).div_ceil(100).max(1);
            values.get(r - 1).copied()
        };
        Percentiles {
            count: u32::try_from(n).unwrap_or(u32::MAX),
            median_s: rank(50),
            p90_s: rank(90),
        }
    }
}

/// Notifications created in one week, and how many are answered by now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    pub week_start: Timestamp,
    pub sent: u32,
    pub answered: u32,
}

/// The figures for one (our party, counterpart, direction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scorecard {
    pub party: PartyId,
    pub counterpart: PartyId,
    pub direction: Direction,
    pub sent: u32,
    pub delivered: u32,
    pub acknowledged: u32,
    pub answered: u32,
    pub substantive: u32,
    pub formal: u32,
    pub unrated: u32,
    pub unanswered: u32,
    pub overdue: u32,
    pub replies: u32,
    pub to_deliver: Percentiles,
    pub to_acknowledge: Percentiles,
    pub to_answer: Percentiles,
    pub weekly: Vec<WeekCount>,
}

/// Most weeks a series holds (ten years); longer periods show the last ones.
const MAX_WEEKS: i64 = 520;

/// The Monday 00:00 UTC starting the week of `t`.
pub fn week_start(t: Timestamp) -> Timestamp {
    let d = t.datetime().date_naive();
    let back = chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
    // Before chrono's first Monday there is no week start: use the day.
    let monday = d.checked_sub_days(back).unwrap_or(d);
    let midnight = monday.and_hms_opt(0, 0, 0).unwrap_or_default();
    Timestamp::from_datetime(Utc.from_utc_datetime(&midnight))
}

/// The weeks overlapping the period, or its last [`MAX_WEEKS`] × 7 days.
fn weeks(period: &Period) -> Vec<Timestamp> {
    let earliest = period.end.plus_hours(-24 * 7 * MAX_WEEKS);
    let mut out = Vec::new();
    let mut w = week_start(period.start.max(earliest));
    while w < period.end {
        out.push(w);
        w = w.plus_hours(24 * 7);
    }
    out
}

fn seconds(from: Timestamp, to: Timestamp) -> i64 {
    (to.datetime() - from.datetime()).num_seconds().max(0)
}

/// The scorecards of the facts created in `period` (up to `now`), judged at `now`,
/// ordered by party, counterpart and direction. Facts outside the period
/// are ignored; a group with no facts has no scorecard.
pub fn scorecards(facts: &[Facts], period: &Period, now: Timestamp) -> Vec<Scorecard> {
    type Key<'f> = (&'f PartyId, &'f PartyId, Direction);
    let mut groups: BTreeMap<Key<'_>, Vec<(&Facts, Lifecycle)>> = BTreeMap::new();
    for f in facts
        .iter()
        .filter(|f| period.contains(f.obligation.created) && f.obligation.created <= now)
    {
        let l = derive(&f.obligation, &f.events, now);
        groups
            .entry((&f.party, &f.counterpart, f.direction))
            .or_default()
            .push((f, l));
    }
    let week_list = weeks(period);
    groups
        .into_iter()
        .map(|((party, counterpart, direction), items)| {
            let count = |p: &dyn Fn(&Lifecycle) -> bool| {
                u32::try_from(items.iter().filter(|(_, l)| p(l)).count()).unwrap_or(u32::MAX)
            };
            let times = |pick: fn(&Lifecycle) -> Option<Timestamp>| {
                Percentiles::of(
                    items
                        .iter()
                        .filter_map(|(f, l)| pick(l).map(|t| seconds(f.obligation.created, t)))
                        .collect(),
                )
            };
            let sent = u32::try_from(items.len()).unwrap_or(u32::MAX);
            let answered = count(&|l| l.answered_at.is_some());
            let weekly = week_list
                .iter()
                .map(|w| {
                    let end = w.plus_hours(24 * 7);
                    let in_week: Vec<_> = items
                        .iter()
                        .filter(|(f, _)| *w <= f.obligation.created && f.obligation.created < end)
                        .collect();
                    WeekCount {
                        week_start: *w,
                        sent: u32::try_from(in_week.len()).unwrap_or(u32::MAX),
                        answered: u32::try_from(
                            in_week
                                .iter()
                                .filter(|(_, l)| l.answered_at.is_some())
                                .count(),
                        )
                        .unwrap_or(u32::MAX),
                    }
                })
                .collect();
            Scorecard {
                party: party.clone(),
                counterpart: counterpart.clone(),
                direction,
                sent,
                delivered: count(&|l| l.delivered_at.is_some() || l.acknowledged_at.is_some()),
                acknowledged: count(&|l| l.acknowledged_at.is_some()),
                answered,
                substantive: count(&|l| l.quality() == Some(ReplyQuality::Substantive)),
                formal: count(&|l| l.quality() == Some(ReplyQuality::Formal)),
                unrated: count(&|l| l.acknowledged_at.is_some() && l.quality().is_none()),
                unanswered: sent - answered,
                overdue: count(&|l| l.missed_deadline()),
                replies: items.iter().map(|(_, l)| l.replies).sum(),
                to_deliver: times(|l| l.delivered_at),
                to_acknowledge: times(|l| l.acknowledged_at),
                to_answer: times(|l| l.answered_at),
                weekly,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(t: &str) -> Timestamp {
        Timestamp::parse(t).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn nearest_rank_percentiles_by_hand() {
        assert_eq!(
            Percentiles::of(vec![]),
            Percentiles {
                count: 0,
                median_s: None,
                p90_s: None
            }
        );
        // n = 1: both ranks are 1.
        let p = Percentiles::of(vec![7]);
        assert_eq!((p.median_s, p.p90_s), (Some(7), Some(7)));
        // n = 4, sorted 1 2 3 10: median rank ⌈2⌉ = 2 → 2; p90 rank ⌈3.6⌉ = 4 → 10.
        let p = Percentiles::of(vec![10, 3, 1, 2]);
        assert_eq!((p.median_s, p.p90_s), (Some(2), Some(10)));
        // n = 10, 1..=10: median rank 5 → 5; p90 rank 9 → 9.
        let p = Percentiles::of((1..=10).rev().collect());
        assert_eq!((p.count, p.median_s, p.p90_s), (10, Some(5), Some(9)));
    }

    #[test]
    fn periods_parse() {
        let now = ts("2026-03-31T12:00:00Z");
        let p = Period::parse("30d", now).unwrap();
        assert_eq!(p.start, ts("2026-03-01T12:00:00Z"));
        assert_eq!(p.end, now);
        assert_eq!(
            Period::parse("2w", now).unwrap().start,
            ts("2026-03-17T12:00:00Z")
        );
        let p = Period::parse("2026-01-01..2026-03-31", now).unwrap();
        assert_eq!(p.start, ts("2026-01-01T00:00:00Z"));
        assert_eq!(p.end, ts("2026-04-01T00:00:00Z"));
        assert!(p.contains(ts("2026-03-31T23:59:59Z")));
        assert!(!p.contains(ts("2026-04-01T00:00:00Z")));
        let long = Period::parse("1900-01-01..2026-01-01", now);
        assert!(long.is_err(), "{long:?}");
        // Ten years of weeks at most in a series, the last ones.
        let p = Period::parse("2000-01-01..2025-12-31", now).unwrap();
        let w = weeks(&p);
        assert_eq!(
            w.len(),
            521,
            "520 weeks back from the end, and the partial first"
        );
        assert_eq!(w.last(), Some(&week_start(ts("2025-12-31T00:00:00Z"))));
        for bad in [
            "",
            "30",
            "d",
            "0d",
            "-3d",
            "30y",
            "2026-03-31..2026-01-01",
            "2026-13-01..2026-12-01",
            // Anyone's input: a multi-byte last character, and dates so
            // far out that week arithmetic would leave chrono's range.
            "5é",
            "é",
            "-262143-01-01..-262143-01-02",
            "9999-12-25..9999-12-31x",
            "+262142-12-01..+262142-12-31",
        ] {
            assert!(Period::parse(bad, now).is_err(), "{bad:?} accepted");
        }
    }

    /// The ends of the accepted range, and of chrono's, do not panic.
    #[test]
    fn extreme_periods_do_not_panic() {
        let now = ts("2026-01-20T00:00:00Z");
        let p = Period::parse("9999-12-01..9999-12-31", now).unwrap();
        assert_eq!(weeks(&p).len(), 5);
        let p = Period::parse("1970-01-01..1970-01-31", now).unwrap();
        assert!(!weeks(&p).is_empty());
        let far = Timestamp::from_datetime(chrono::DateTime::<Utc>::MIN_UTC);
        let _ = week_start(far);
        assert_eq!(far.plus_hours(-1), far, "saturates");
        let end = Timestamp::from_datetime(chrono::DateTime::<Utc>::MAX_UTC);
        let _ = weeks(&Period { start: far, end });
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-01-07 is a Wednesday.
        assert_eq!(
            week_start(ts("2026-01-07T15:00:00Z")),
            ts("2026-01-05T00:00:00Z")
        );
        assert_eq!(
            week_start(ts("2026-01-05T00:00:00Z")),
            ts("2026-01-05T00:00:00Z")
        );
        let p = Period {
            start: ts("2026-01-07T00:00:00Z"),
            end: ts("2026-01-19T00:00:00Z"),
        };
        assert_eq!(
            weeks(&p),
            vec![ts("2026-01-05T00:00:00Z"), ts("2026-01-12T00:00:00Z")]
        );
    }
}
