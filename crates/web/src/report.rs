//! The scorecard report (issue 5): one self-contained HTML file a head of
//! CERT can forward to a ministry — `countersign report --html FILE` and
//! `GET /v1/scorecards/report`.
//!
//! Self-contained means: one file, CSS in one `<style>` element, charts as
//! inline SVG with presentation attributes (colours in `fill`/`stroke`),
//! no script, no external URL, so it renders the same from a mail
//! attachment, a file share or a browser with scripts off. Every figure
//! of a chart is also in a table. The chart functions ([`quality_bars`],
//! [`weekly_series`]) return SVG markup usable inside any page (the
//! dashboard can embed them: they need no style sheet). When served over
//! HTTP the page's CSP admits exactly this style element by its SHA-256
//! ([`content_security_policy`]).

use base64::Engine;
use countersign_core::scorecard::{Direction, Percentiles, Period, Scorecard};
use countersign_core::time::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

/// The report's only CSS.
pub const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;\
margin:2rem auto;max-width:64rem;color:#1d1d1f;line-height:1.4;padding:0 1rem}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;font-size:.8rem;margin:.5rem 0}th,td{padding:.25rem .5rem;\
border-bottom:1px solid #e3e3e3;text-align:right}th:first-child,td:first-child,th.l,td.l{text-align:left}\
.meta{color:#555;font-size:.9rem}.note{color:#555;font-size:.8rem}figure{margin:1rem 0}\
figcaption{font-size:.85rem;color:#333}pre{font-size:.75rem;background:#f6f6f6;padding:.5rem;overflow-x:auto}\
.wide{overflow-x:auto}td:first-child{white-space:nowrap}svg{max-width:100%;height:auto}";

/// Segment colours of the answer-quality bars, also used in the legend.
const SUBSTANTIVE: &str = "#1b7837";
const FORMAL: &str = "#e0a800";
const UNRATED: &str = "#8c8c8c";
const NO_REPLY: &str = "#c0392b";
const SENT: &str = "#2c5d8f";
const ANSWERED: &str = "#1b7837";

/// What a report shows.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// Who the report is about (the node's parties), for the heading.
    pub parties: Vec<String>,
    pub generated: Timestamp,
    pub period: Period,
    pub scorecards: &'a [Scorecard],
    /// The node's latest signed checkpoint, so a reader can pin the
    /// figures to a state of the transparency log.
    pub checkpoint: Option<String>,
}

/// The CSP under which the served report may use its one style element.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; form-action 'none'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

/// A duration in seconds as people read it: `45 min`, `5 h 20 min`, `3 d 4 h`.
pub fn human_duration(s: i64) -> String {
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn pct(p: &Percentiles) -> String {
    match (p.median_s, p.p90_s) {
        (Some(m), Some(n)) => format!("{} / {}", human_duration(m), human_duration(n)),
        _ => "–".to_owned(),
    }
}

fn direction_words(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "they answered us",
        Direction::Inbound => "we answered them",
    }
}

fn label(c: &Scorecard) -> String {
    let arrow = match c.direction {
        Direction::Outbound => "→",
        Direction::Inbound => "←",
    };
    format!("{} {arrow} {}", c.party, c.counterpart)
}

const LEGEND: [(&str, &str); 4] = [
    ("substantive", SUBSTANTIVE),
    ("formal", FORMAL),
    ("acknowledged, unrated", UNRATED),
    ("no reply", NO_REPLY),
];

/// One segment of a bar: x, width, count, colour, name.
type Segment = (f64, f64, u32, &'static str, &'static str);

/// The non-empty segments of one bar and where the bar ends. The four
/// counts add up to `sent`: substantive, formal and unrated partition the
/// acknowledged notifications.
fn segments(c: &Scorecard, left: f64, unit: f64) -> (Vec<Segment>, f64) {
    let counts = [
        (c.substantive, SUBSTANTIVE, "substantive"),
        (c.formal, FORMAL, "formal"),
        (c.unrated, UNRATED, "unrated"),
        (c.sent.saturating_sub(c.acknowledged), NO_REPLY, "no reply"),
    ];
    let mut x = left;
    let mut out = Vec::new();
    for (n, colour, what) in counts {
        if n > 0 {
            let w = unit * f64::from(n);
            out.push((x, w, n, colour, what));
            x += w;
        }
    }
    (out, x)
}

/// Stacked horizontal bars, one per scorecard: of the notifications sent,
/// how many were answered substantively, formally, are acknowledged but
/// unrated, or got no reply at all. Widths are proportional to `sent`.
pub fn quality_bars(cards: &[Scorecard]) -> String {
    let (left, width, row) = (230.0_f64, 460.0_f64, 28.0_f64);
    let height = 40.0 + row * cards.len() as f64;
    let max = cards.iter().map(|c| c.sent).max().unwrap_or(0).max(1);
    let svg = html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(left + width + 60.0) height=(height)
            viewBox=(format!("0 0 {} {height}", left + width + 60.0)) role="img"
            aria-label="Answers by quality per counterpart" class="chart quality-bars" {
            @for (i, (name, colour)) in LEGEND.iter().enumerate() {
                rect x=(10.0 + 170.0 * i as f64) y="4" width="12" height="12" fill=(colour) {}
                text x=(26.0 + 170.0 * i as f64) y="14" font-size="12" fill="#333" { (name) }
            }
            @for (i, c) in cards.iter().enumerate() {
                @let y = 28.0 + row * i as f64;
                text x=(left - 8.0) y=(y + 15.0) font-size="12" text-anchor="end" fill="#1d1d1f" {
                    (label(c))
                }
                @let (segments, end) = segments(c, left, width / f64::from(max));
                @for (x, w, n, colour, what) in segments {
                    rect x=(x) y=(y) width=(w) height=(row - 8.0) fill=(colour) data-segment=(what) {
                        title { (format!("{}: {n} {what}", label(c))) }
                    }
                }
                text x=(end + 6.0) y=(y + 15.0) font-size="12" fill="#333" { (c.sent) " sent" }
            }
        }
    };
    svg.into_string()
}

/// A weekly time series for one scorecard: notifications sent (bars) and
/// how many of them are answered by now (darker bars in front).
pub fn weekly_series(card: &Scorecard) -> String {
    let weeks = &card.weekly;
    let (left, top, w, h) = (36.0_f64, 12.0_f64, 520.0_f64, 120.0_f64);
    let max = weeks.iter().map(|w| w.sent).max().unwrap_or(0).max(1);
    let step = if weeks.is_empty() {
        w
    } else {
        w / weeks.len() as f64
    };
    let bar = (step * 0.8).max(1.0);
    let y_of = |n: u32| top + h - h * f64::from(n) / f64::from(max);
    let svg = html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(left + w + 10.0) height=(top + h + 34.0)
            viewBox=(format!("0 0 {} {}", left + w + 10.0, top + h + 34.0)) role="img"
            aria-label=(format!("Notifications per week, {}", label(card))) class="chart weekly" {
            line x1=(left) y1=(top + h) x2=(left + w) y2=(top + h) stroke="#999" stroke-width="1" {}
            text x=(left - 4.0) y=(top + 8.0) font-size="10" text-anchor="end" fill="#555" { (max) }
            text x=(left - 4.0) y=(top + h) font-size="10" text-anchor="end" fill="#555" { "0" }
            @for (i, wk) in weeks.iter().enumerate() {
                @let x = left + step * i as f64 + (step - bar) / 2.0;
                @if wk.sent > 0 {
                    rect x=(x) y=(y_of(wk.sent)) width=(bar) height=(top + h - y_of(wk.sent))
                        fill=(SENT) fill-opacity="0.35" data-series="sent" {
                        title { (format!("week of {}: {} sent, {} answered",
                            &wk.week_start.to_string()[..10], wk.sent, wk.answered)) }
                    }
                }
                @if wk.answered > 0 {
                    rect x=(x) y=(y_of(wk.answered)) width=(bar) height=(top + h - y_of(wk.answered))
                        fill=(ANSWERED) data-series="answered" {}
                }
            }
            @if let (Some(first), Some(last)) = (weeks.first(), weeks.last()) {
                text x=(left) y=(top + h + 14.0) font-size="10" fill="#555" {
                    (&first.week_start.to_string()[..10])
                }
                text x=(left + w) y=(top + h + 14.0) font-size="10" text-anchor="end" fill="#555" {
                    (&last.week_start.to_string()[..10])
                }
            }
            rect x=(left) y=(top + h + 22.0) width="10" height="10" fill=(SENT) fill-opacity="0.35" {}
            text x=(left + 14.0) y=(top + h + 31.0) font-size="11" fill="#333" { "sent" }
            rect x=(left + 60.0) y=(top + h + 22.0) width="10" height="10" fill=(ANSWERED) {}
            text x=(left + 74.0) y=(top + h + 31.0) font-size="11" fill="#333" { "answered (by now)" }
        }
    };
    svg.into_string()
}

fn table(cards: &[Scorecard]) -> Markup {
    html! {
        table class="scorecards" {
            thead { tr {
                th { "party → counterpart" }
                th { "sent" } th { "delivered" } th { "acknowledged" } th { "answered" }
                th { "substantive" } th { "formal" } th { "unrated" } th { "unanswered" }
                th { "overdue" }
                th { "deliver (median / p90)" } th { "acknowledge" } th { "answer" }
            } }
            tbody {
                @for c in cards {
                    tr {
                        td title=(direction_words(c.direction)) { (label(c)) }
                        td { (c.sent) } td { (c.delivered) } td { (c.acknowledged) }
                        td { (c.answered) } td { (c.substantive) } td { (c.formal) }
                        td { (c.unrated) } td { (c.unanswered) } td { (c.overdue) }
                        td { (pct(&c.to_deliver)) } td { (pct(&c.to_acknowledge)) }
                        td { (pct(&c.to_answer)) }
                    }
                }
            }
        }
    }
}

/// The whole report as one HTML document (see the module documentation).
pub fn render_report(input: &ReportInput<'_>) -> String {
    let period_end_day =
        Timestamp::from_datetime(input.period.end.datetime() - chrono::Duration::milliseconds(1));
    let period_text = format!(
        "{} to {}",
        &input.period.start.to_string()[..10],
        &period_end_day.to_string()[..10]
    );
    let who = if input.parties.is_empty() {
        "this node".to_owned()
    } else {
        input.parties.join(", ")
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Notification scorecards: " (who) ", " (period_text) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Notification scorecards" }
                p class="meta" {
                    "For " strong { (who) } ". Notifications created " (period_text)
                    " (UTC); figures as of " (input.generated) "."
                }
                @if input.scorecards.is_empty() {
                    p { "No notifications were sent or received in this period." }
                } @else {
                    h2 { "How notifications were answered" }
                    figure {
                        (PreEscaped(quality_bars(input.scorecards)))
                        figcaption {
                            "Per counterpart and direction (→ we notified them, ← they notified us): "
                            "answered in substance, formally, acknowledged but not yet rated, or no reply at all."
                        }
                    }
                    h2 { "Figures" }
                    div class="wide" { (table(input.scorecards)) }
                    p class="note" {
                        "→: we notified them (they answer us); ←: they notified us (we answer them). "
                        "Delivered: a signed receipt from the recipient (or a reply). Acknowledged: any reply. "
                        "Answered: findings, action taken or a reasoned refusal. Substantive / formal: the notifier's "
                        "signed rating of the replies (the newest rating of each reply counts; one substantive reply "
                        "makes the notification substantive). Overdue: a deadline missed, whether met late or not at all. "
                        "Times from sending, median / 90th percentile (nearest rank)."
                    }
                    h2 { "Per week" }
                    @for c in input.scorecards {
                        figure {
                            (PreEscaped(weekly_series(c)))
                            figcaption { (label(c)) " (" (direction_words(c.direction)) ")" }
                        }
                    }
                }
                @if let Some(cp) = &input.checkpoint {
                    h2 { "Proof" }
                    p class="note" {
                        "Every notification, receipt, reply and rating counted here is a signed envelope in this "
                        "node's transparency log. The log's signed checkpoint when this report was made:"
                    }
                    pre { (cp) }
                }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::ids::PartyId;
    use countersign_core::scorecard::WeekCount;

    fn card(direction: Direction) -> Scorecard {
        let t = Timestamp::parse("2026-01-05T00:00:00Z").unwrap_or_else(|e| panic!("{e}"));
        Scorecard {
            party: PartyId::parse("cert-a").unwrap_or_else(|e| panic!("{e}")),
            counterpart: PartyId::parse("cert-b").unwrap_or_else(|e| panic!("{e}")),
            direction,
            sent: 10,
            delivered: 10,
            acknowledged: 6,
            answered: 4,
            substantive: 2,
            formal: 3,
            unrated: 1,
            unanswered: 6,
            overdue: 5,
            replies: 8,
            to_deliver: Percentiles::of(vec![60, 120]),
            to_acknowledge: Percentiles::of(vec![3600 * 5 + 60 * 20]),
            to_answer: Percentiles::of(vec![86_400 * 3 + 3600 * 4]),
            weekly: vec![
                WeekCount {
                    week_start: t,
                    sent: 6,
                    answered: 3,
                },
                WeekCount {
                    week_start: t.plus_hours(24 * 7),
                    sent: 4,
                    answered: 1,
                },
            ],
        }
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(45 * 60), "45 min");
        assert_eq!(human_duration(5 * 3600), "5 h");
        assert_eq!(human_duration(5 * 3600 + 20 * 60), "5 h 20 min");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3600), "3 d 4 h");
        assert_eq!(human_duration(2 * 86_400 + 59), "2 d");
    }

    #[test]
    fn the_report_is_self_contained() {
        let cards = [card(Direction::Outbound), card(Direction::Inbound)];
        let html = render_report(&ReportInput {
            parties: vec!["cert-a".into()],
            generated: Timestamp::parse("2026-02-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}")),
            period: Period {
                start: Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}")),
                end: Timestamp::parse("2026-02-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}")),
            },
            scorecards: &cards,
            checkpoint: Some("countersign/cert-a\n3\nabc=\n".into()),
        });
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script"), "no script");
        assert!(!html.contains("src="), "nothing loaded from anywhere");
        assert!(!html.contains("href="), "no links out");
        assert!(!html.contains("url("), "no CSS fetches");
        assert!(
            html.contains("2026-01-01 to 2026-01-31"),
            "period shown inclusively"
        );
        // One bar chart, one weekly chart per card, and the figures.
        assert_eq!(html.matches("class=\"chart quality-bars\"").count(), 1);
        assert_eq!(html.matches("class=\"chart weekly\"").count(), 2);
        // Segments: 2 substantive, 3 formal, 1 unrated, 4 no reply (10 - 6).
        for seg in ["substantive", "formal", "unrated", "no reply"] {
            assert_eq!(
                html.matches(&format!("data-segment=\"{seg}\"")).count(),
                2,
                "{seg}"
            );
        }
        assert!(html.contains("cert-a → cert-b: 4 no reply"));
        assert!(html.contains("5 h 20 min / 5 h 20 min"));
        assert!(html.contains("countersign/cert-a"));
        // The served CSP admits exactly this style element.
        let csp = content_security_policy();
        assert!(csp.contains("style-src 'sha256-"), "{csp}");
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
    }

    #[test]
    fn bar_widths_are_proportional_to_the_counts() {
        let svg = quality_bars(&[card(Direction::Outbound)]);
        // max sent = 10 over 460 px: 46 px per notification.
        assert!(
            svg.contains("width=\"92\" height=\"20\" fill=\"#1b7837\""),
            "{svg}"
        );
        assert!(
            svg.contains("width=\"138\" height=\"20\" fill=\"#e0a800\""),
            "{svg}"
        );
        assert!(
            svg.contains("width=\"184\" height=\"20\" fill=\"#c0392b\""),
            "{svg}"
        );
    }
}
