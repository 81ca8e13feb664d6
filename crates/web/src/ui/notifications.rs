//! Notification pages: the list with filters, the detail with evidence
//! tables, and the form to file one. The detail's answer side (reply and
//! rate forms, obligations, timeline) is rendered by `replies.rs`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use countersign_core::access::Role;
use countersign_core::evidence::Sufficiency;
use countersign_core::ids::EnvelopeId;
use countersign_core::notification::{RequestedAction, Severity};
use countersign_core::sector::Sector;
use countersign_core::taxonomy::RSIT;
use countersign_core::tlp::Tlp;
use countersign_node::Node;
use countersign_node::notify::{AttachmentInput, NotificationDetail};
use countersign_node::obligations::Timeline;
use countersign_store::StoredParty;
use maud::{Markup, html};

use super::replies::{
    PageForms, current_rating, lifecycle_table, may_rate, may_reply, rate_form, reply_form,
    timeline_section,
};
use super::{deadline, severity_badge, sufficiency_badge, time, tlp_badge};
use crate::api::notifications::default_party;
use crate::auth::UiSession;
use crate::error::{ApiError, ApiPath};
use crate::wire::{ListQuery, NotificationIn, scope_items};

// ---------------------------------------------------------------------------
// The list.

fn select(
    name: &str,
    label: &str,
    any: &str,
    options: &[(String, String)],
    chosen: &str,
) -> Markup {
    html! {
        div.field {
            label for=(name) { (label) }
            select id=(name) name=(name) {
                option value="" { (any) }
                @for (value, text) in options {
                    option value=(value) selected[value.as_str() == chosen] { (text) }
                }
            }
        }
    }
}

fn vocab<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (text(*v).to_owned(), text(*v).to_owned()))
        .collect()
}

fn filters(q: &ListQuery, parties: &[StoredParty]) -> Markup {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let party_options: Vec<(String, String)> = parties
        .iter()
        .map(|p| {
            (
                p.party.id.to_string(),
                format!("{} ({})", p.party.name, p.party.id),
            )
        })
        .collect();
    let classes: Vec<(String, String)> = RSIT
        .iter()
        .map(|(c, _)| ((*c).to_owned(), (*c).to_owned()))
        .collect();
    html! {
        form.filters method="get" action="/" role="search" aria-label="Filter notifications" {
            div.field {
                label for="q" { "Title contains" }
                input id="q" name="q" type="search" value=(v(&q.q));
            }
            (select("party", "Party (from or to)", "any", &party_options, &v(&q.party)))
            (select("from", "From", "any", &party_options, &v(&q.from)))
            (select("to", "To", "any", &party_options, &v(&q.to)))
            (select("category", "Category", "any", &classes, &v(&q.category)))
            (select("severity", "Severity", "any", &vocab(Severity::ALL, Severity::as_str), &v(&q.severity)))
            (select("sufficiency", "Evidence", "any",
                &Sufficiency::ALL.iter().map(|s| (s.as_str().to_owned(), s.label().to_owned())).collect::<Vec<_>>(),
                &v(&q.sufficiency)))
            (select("tlp", "TLP at most", "any", &vocab(Tlp::ALL, Tlp::as_str), &v(&q.tlp)))
            div.field {
                label for="since" { "Since" }
                input id="since" name="since" type="date" value=(v(&q.since));
            }
            div.field {
                label for="until" { "Until" }
                input id="until" name="until" type="date" value=(v(&q.until));
            }
            div.actions {
                button type="submit" { "Filter" }
                " " a href="/" { "Clear" }
            }
        }
    }
}

/// `GET /`: notifications the user may see, newest first.
pub async fn list(
    State(node): State<Node>,
    session: UiSession,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return super::error_page(Some(&session), &ApiError::from(e)),
    };
    let parties = match node.list_parties().await {
        Ok(p) => p,
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    let result = match q.to_filter() {
        Ok((filter, page)) => node.list_notifications(&session.viewer, filter, page).await,
        Err(e) => Err(e),
    };
    let page = match result {
        Ok(p) => p,
        Err(e) => {
            let err = ApiError::from(e);
            let content = html! {
                h1 { "Notifications" }
                (filters(&q, &parties))
                p.error role="alert" { (err.public_message()) }
            };
            err.log();
            return super::page(err.status, "Notifications", Some(&session), content);
        }
    };
    let next = page.next_cursor.as_ref().map(|cursor| {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        let limit = q.limit.map(|l| l.to_string()).unwrap_or_default();
        let (qq, party, from, to, category, severity, sufficiency, tlp, since, until) = (
            v(&q.q),
            v(&q.party),
            v(&q.from),
            v(&q.to),
            v(&q.category),
            v(&q.severity),
            v(&q.sufficiency),
            v(&q.tlp),
            v(&q.since),
            v(&q.until),
        );
        let pairs = [
            ("q", qq.as_str()),
            ("party", &party),
            ("from", &from),
            ("to", &to),
            ("category", &category),
            ("severity", &severity),
            ("sufficiency", &sufficiency),
            ("tlp", &tlp),
            ("since", &since),
            ("until", &until),
            ("limit", &limit),
            ("cursor", cursor),
        ];
        format!("/?{}", super::query_string(pairs))
    });
    let content = html! {
        h1 { "Notifications" }
        (filters(&q, &parties))
        @if page.items.is_empty() {
            p.empty { "No notifications match." }
        } @else {
            table.list {
                caption.visually-hidden { "Notifications, newest first" }
                thead {
                    tr {
                        th scope="col" { "Created" }
                        th scope="col" { "Title" }
                        th scope="col" { "From → to" }
                        th scope="col" { "Category" }
                        th scope="col" { "Severity" }
                        th scope="col" { "TLP" }
                        th scope="col" { "Evidence" }
                        th scope="col" { "Ack by" }
                        th scope="col" { "Reply by" }
                    }
                }
                tbody {
                    @for n in &page.items {
                        tr {
                            td { (time(n.created)) }
                            th scope="row" {
                                a href={ "/notifications/" (n.id.to_string()) } { (n.title) }
                                @if n.attachments > 0 {
                                    " " span.muted title="attachments" { "(" (n.attachments) " attached)" }
                                }
                            }
                            td {
                                (n.from.as_str()) " → "
                                (n.to.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "))
                            }
                            td { (n.category) }
                            td { (severity_badge(n.severity)) }
                            td { (tlp_badge(n.tlp)) }
                            td { (sufficiency_badge(n.sufficiency)) }
                            td { (deadline(n.ack_by)) }
                            td { (deadline(n.reply_by)) }
                        }
                    }
                }
            }
        }
        @if let Some(href) = next {
            nav.pager aria-label="Pages" { a href=(href) rel="next" { "Older notifications →" } }
        }
    };
    super::page(StatusCode::OK, "Notifications", Some(&session), content)
}

// ---------------------------------------------------------------------------
// The detail.

/// `GET /notifications/{id}`.
pub async fn detail(
    State(node): State<Node>,
    session: UiSession,
    path: Result<ApiPath<String>, ApiError>,
) -> Response {
    match path.and_then(|ApiPath(id)| EnvelopeId::parse(&id).map_err(ApiError::from)) {
        Ok(id) => detail_view(&node, &session, &id, &PageForms::default())
            .await
            .unwrap_or_else(|e| super::error_page(Some(&session), &e)),
        Err(e) => super::error_page(Some(&session), &e),
    }
}

/// The detail page, with the forms' values and errors after a failed
/// post; an error if the notification cannot be shown to this viewer.
pub(super) async fn detail_view(
    node: &Node,
    session: &UiSession,
    id: &EnvelopeId,
    forms: &PageForms,
) -> Result<Response, ApiError> {
    let d = node.get_notification(&session.viewer, id).await?;
    let timeline = node.timeline(&session.viewer, id).await?;
    let status = forms.error().map_or(StatusCode::OK, |e| {
        e.log();
        e.status
    });
    let title = d.row.title.clone();
    Ok(super::page(
        status,
        &title,
        Some(session),
        detail_page(&d, &timeline, session, forms),
    ))
}

fn scope_list(items: &[String]) -> Markup {
    html! {
        @if items.is_empty() { span.muted { "none given" } }
        @else { ul.plain { @for i in items { li { code { (i) } } } } }
    }
}

fn detail_page(
    d: &NotificationDetail,
    timeline: &Timeline,
    session: &UiSession,
    forms: &PageForms,
) -> Markup {
    let row = &d.row;
    let n = &d.checked.notification;
    let env = d.envelope.envelope();
    let id = d.envelope.id().to_string();
    let envelope_text = d
        .envelope
        .to_json_pretty()
        .unwrap_or_else(|e| format!("cannot show the envelope: {e}"));
    html! {
        article.notification {
            header {
                h1 { (row.title) }
                p.badges {
                    (sufficiency_badge(row.sufficiency)) " "
                    (tlp_badge(row.tlp)) " "
                    (severity_badge(row.severity))
                }
            }
            dl.meta {
                dt { "From" } dd { (row.from.as_str()) }
                dt { "To" } dd { (row.to.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")) }
                dt { "Created" } dd { (time(row.created)) }
                dt { "Category" } dd { (row.category) }
                dt { "Sectors" } dd {
                    @if n.sectors.is_empty() { span.muted { "none given" } }
                    @else { (n.sectors.iter().map(|s| s.describe()).collect::<Vec<_>>().join(", ")) }
                }
                dt { "Direction" } dd { (row.direction.as_str()) }
                dt { "Envelope id" } dd { code.wrap { (id) } }
            }
            section aria-labelledby="deadlines" {
                h2 id="deadlines" { "Deadlines" }
                dl.meta {
                    dt { "Acknowledge by" } dd { (deadline(n.ack_by)) }
                    dt { "Substantive reply by" } dd { (deadline(n.reply_by)) }
                    dt { "Final report by" } dd { (time(timeline.final_by)) " " small.muted { "(this node's policy; not signed)" } }
                    @if timeline.protected {
                        dt { "Protected sector" } dd { span.badge.protected { "protected sector" } " shorter deadlines apply" }
                    }
                    @if let Some(w) = &n.observed {
                        dt { "Activity observed" } dd { (time(w.start)) " to " (time(w.end)) }
                    }
                }
            }
            section aria-labelledby="delivery" {
                h2 id="delivery" { "Delivery and receipts" }
                table {
                    thead { tr { th { "Recipient" } th { "State" } th { "Attempts" } th { "Receipt" } } }
                    tbody {
                        @for r in &d.recipients {
                            tr {
                                td { (r.party.as_str()) }
                                td {
                                    @match r.state {
                                        Some(s) => { (s.as_str()) }
                                        None => { span.muted { "not tracked here" } }
                                    }
                                    @if let Some(e) = r.last_error.as_ref().filter(|_| r.receipt.is_none()) {
                                        br; small.muted { (e) }
                                    }
                                }
                                td { (r.attempts) }
                                td {
                                    @if r.receipt.is_some() {
                                        a href={ "/v1/notifications/" (id) "/receipts/" (r.party.as_str()) } { "download" }
                                    } @else { span.muted { "none yet" } }
                                }
                            }
                        }
                    }
                }
            }
            (lifecycle_table(timeline))
            (timeline_section(timeline))
            section id="replies" aria-labelledby="replies-h" {
                h2 id="replies-h" { "Replies" }
                @if d.replies.is_empty() { p.muted { "No reply yet." } }
                @for r in &d.replies {
                    article.reply {
                        p {
                            strong { (r.reply.kind.as_str()) } " from " (r.envelope.envelope().from.as_str())
                            " at " (time(r.envelope.envelope().created)) " (" (r.direction.as_str()) ")"
                        }
                        @if !r.reply.text.is_empty() { p.prose { (r.reply.text) } }
                        @if let Some(reason) = &r.reply.reason { p { "Reason: " (reason) } }
                        @if let Some(bundle) = &r.reply.evidence {
                            details {
                                summary { "Evidence with this reply" }
                                (evidence_tables(bundle))
                            }
                        }
                        @let reply_id = r.envelope.id();
                        @if let Some(q) = current_rating(timeline, &reply_id) {
                            p { "Rated " span class={ "badge q-badge-" (q.as_str()) } { (q.as_str()) } }
                        }
                        @if may_rate(session, d) {
                            (rate_form(&id, &reply_id, &r.reply, session, forms))
                        }
                    }
                }
                @if may_reply(session, d) { (reply_form(&id, session, forms)) }
            }
            @if !n.summary.is_empty() {
                section aria-labelledby="summary" {
                    h2 id="summary" { "Summary" }
                    p.prose { (n.summary) }
                }
            }
            section aria-labelledby="networks" {
                h2 id="networks" { "Networks" }
                div.columns {
                    div { h3 { "Origin" } (scope_list(&scope_items(&n.origin))) }
                    div { h3 { "Targets" } (scope_list(&scope_items(&n.targets))) }
                }
            }
            section aria-labelledby="actions" {
                h2 id="actions" { "Requested actions" }
                @if n.requested_actions.is_empty() { p.muted { "None requested." } }
                @else { ul { @for a in &n.requested_actions { li { (a.as_str()) } } } }
            }
            section aria-labelledby="evidence" {
                h2 id="evidence" { "Evidence" }
                p { (sufficiency_badge(row.sufficiency)) " This notification " (row.sufficiency.explanation()) "." }
                @if let Some(bundle) = &n.evidence { (evidence_tables(bundle)) }
                @else { p.muted { "No STIX evidence." } }
            }
            section aria-labelledby="attachments" {
                h2 id="attachments" { "Attachments" }
                @if env.attachments.is_empty() { p.muted { "No attachments." } }
                @else {
                    table {
                        thead { tr {
                            th scope="col" { "Name" } th scope="col" { "Type" }
                            th scope="col" { "Size" } th scope="col" { "SHA-256" }
                        } }
                        tbody {
                            @for a in &env.attachments {
                                tr {
                                    th scope="row" {
                                        a href={ "/v1/notifications/" (id) "/attachments/" (a.sha256.to_string()) } download=(a.name) { (a.name) }
                                    }
                                    td { (a.media_type) }
                                    td { (super::bytes(a.size)) }
                                    td { code.wrap { (a.sha256.to_string()) } }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="signed" {
                h2 id="signed" { "Signed envelope" }
                p {
                    "Verify it offline with " code { "countersign verify" } ": "
                    a href={ "/v1/notifications/" (id) "/envelope" } { "download the envelope" } "."
                }
                details {
                    summary { "Show the signed envelope" }
                    pre.raw { (envelope_text) }
                }
            }
        }
    }
}

fn evidence_tables(bundle: &serde_json::Value) -> Markup {
    let checked = match countersign_stix::check_bundle(bundle) {
        Ok(b) => b,
        Err(e) => {
            return html! {
                p.error { "The evidence does not check as STIX 2.1: " (e.to_string()) }
                pre.raw { (serde_json::to_string_pretty(bundle).unwrap_or_default()) }
            };
        }
    };
    let indicators = checked.indicators();
    let observables = checked.observables();
    let observed = checked.observed_data();
    let others = checked.others();
    html! {
        p { "STIX bundle " code { (checked.id()) } " with " (checked.len()) " objects." }
        @if !indicators.is_empty() {
            table.evidence {
                caption { "Indicators" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Pattern" }
                    th scope="col" { "Type" } th scope="col" { "Valid from" }
                } }
                tbody { @for i in &indicators { tr {
                    th scope="row" { (i.name.clone().unwrap_or_else(|| i.id.clone())) }
                    td { code.wrap { (i.pattern) } }
                    td { (i.pattern_type) @if !i.indicator_types.is_empty() { " (" (i.indicator_types.join(", ")) ")" } }
                    td { (i.valid_from) @if let Some(u) = &i.valid_until { " until " (u) } }
                } } }
            }
        }
        @if !observables.is_empty() {
            table.evidence {
                caption { "Observables" }
                thead { tr { th scope="col" { "Type" } th scope="col" { "Value" } } }
                tbody { @for o in &observables { tr {
                    th scope="row" { (o.r#type) }
                    td { code.wrap { (o.value) } }
                } } }
            }
        }
        @if !observed.is_empty() {
            table.evidence {
                caption { "Observed data" }
                thead { tr {
                    th scope="col" { "First seen" } th scope="col" { "Last seen" }
                    th scope="col" { "Count" } th scope="col" { "Objects" }
                } }
                tbody { @for o in &observed { tr {
                    th scope="row" { (o.first_observed) }
                    td { (o.last_observed) }
                    td { (o.number_observed) }
                    td { ul.plain { @for r in &o.object_refs { li { code.wrap { (r) } } } } }
                } } }
            }
        }
        @if !others.is_empty() {
            table.evidence {
                caption { "Other objects" }
                thead { tr { th scope="col" { "Type" } th scope="col" { "Name or summary" } } }
                tbody { @for o in &others { tr {
                    th scope="row" { (o.r#type) }
                    td { (o.name_or_summary) }
                } } }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Filing.

/// What the form sent, kept to show it again after an error.
#[derive(Debug, Clone, Default)]
struct NewForm {
    csrf: String,
    to: Vec<String>,
    title: String,
    summary: String,
    category: String,
    sectors: Vec<String>,
    severity: String,
    tlp: String,
    ack_by: String,
    reply_by: String,
    origin: String,
    targets: String,
    requested_actions: Vec<String>,
    evidence: String,
    /// A STIX bundle given as a file instead of pasted: its name and bytes.
    evidence_file: Option<(String, Vec<u8>)>,
    upload: Option<AttachmentInput>,
}

impl NewForm {
    fn defaults() -> Self {
        NewForm {
            severity: Severity::Medium.as_str().to_owned(),
            tlp: Tlp::Amber.as_str().to_owned(),
            ..Default::default()
        }
    }

    /// The wire input the REST API would get for this form.
    fn to_input(&self) -> Result<NotificationIn, ApiError> {
        let lines = |text: &str| -> Vec<String> {
            text.split(['\n', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let evidence = match (self.evidence.trim(), &self.evidence_file) {
            ("", None) => None,
            ("", Some((name, bytes))) => Some(serde_json::from_slice(bytes).map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_stix",
                    format!("evidence file {name:?} is not JSON ({e}); choose a STIX 2.1 bundle"),
                )
            })?),
            (text, None) => Some(serde_json::from_str(text).map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_stix",
                    format!("evidence: not JSON ({e}); paste a STIX 2.1 bundle"),
                )
            })?),
            (_, Some(_)) => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    "evidence: paste a bundle or choose a file, not both",
                ));
            }
        };
        Ok(NotificationIn {
            from: None,
            to: self.to.clone(),
            title: self.title.clone(),
            summary: Some(self.summary.clone()),
            category: self.category.clone(),
            sectors: self.sectors.clone(),
            severity: self.severity.clone(),
            tlp: self.tlp.clone(),
            ack_by: Some(self.ack_by.clone()),
            reply_by: Some(self.reply_by.clone()),
            observed: None,
            origin: lines(&self.origin),
            targets: lines(&self.targets),
            requested_actions: self.requested_actions.clone(),
            evidence,
            attachments: vec![],
        })
    }

    async fn read(mut multipart: Multipart) -> Result<NewForm, ApiError> {
        let mut form = NewForm::default();
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "attachment" {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let media_type = field
                    .content_type()
                    .filter(|t| !t.is_empty())
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let bytes = field.bytes().await?;
                if !file_name.is_empty() || !bytes.is_empty() {
                    form.upload = Some(AttachmentInput::Bytes {
                        name: file_name,
                        media_type,
                        bytes: bytes.to_vec(),
                    });
                }
                continue;
            }
            if name == "evidence_file" {
                form.evidence_file = super::file_field(field).await?;
                continue;
            }
            let value = field.text().await?;
            match name.as_str() {
                "csrf" => form.csrf = value,
                "to" => form.to.push(value),
                "title" => form.title = value,
                "summary" => form.summary = value,
                "category" => form.category = value,
                "sectors" => form.sectors.push(value),
                "severity" => form.severity = value,
                "tlp" => form.tlp = value,
                "ack_by" => form.ack_by = value,
                "reply_by" => form.reply_by = value,
                "origin" => form.origin = value,
                "targets" => form.targets = value,
                "requested_actions" => form.requested_actions.push(value),
                "evidence" => form.evidence = value,
                other => {
                    return Err(ApiError::invalid(format!("unknown form field {other:?}")));
                }
            }
        }
        Ok(form)
    }
}

fn new_form(
    session: &UiSession,
    parties: &[StoredParty],
    f: &NewForm,
    error: Option<&ApiError>,
) -> Markup {
    let own = session.viewer.party();
    html! {
        h1 { "File a notification" }
        @if let Some(e) = error {
            p.error role="alert" {
                (e.public_message())
                @if f.upload.is_some() || f.evidence_file.is_some() { " Choose the files again before sending." }
            }
        }
        form.notify method="post" action="/notifications/new" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(session.csrf);
            @if let Some(p) = own { p { "Sent as " strong { (p.as_str()) } ", signed with its key." } }
            fieldset {
                legend { "Recipients" }
                @for p in parties.iter().filter(|p| Some(&p.party.id) != own) {
                    div.check {
                        input type="checkbox" name="to" id={ "to-" (p.party.id.as_str()) }
                            value=(p.party.id.as_str()) checked[f.to.iter().any(|t| t == p.party.id.as_str())];
                        label for={ "to-" (p.party.id.as_str()) } { (p.party.name) " (" (p.party.id.as_str()) ")" }
                    }
                }
            }
            div.field {
                label for="title" { "Title" }
                input id="title" name="title" type="text" required maxlength="300" value=(f.title);
            }
            div.field {
                label for="summary" { "Summary" }
                textarea id="summary" name="summary" rows="6" { (f.summary) }
            }
            div.field {
                label for="category" { "Category (RSIT)" }
                select id="category" name="category" required {
                    option value="" { "choose…" }
                    @for (class, kinds) in RSIT {
                        optgroup label=(class) {
                            @for kind in kinds.iter() {
                                @let value = format!("{class}/{kind}");
                                option value=(value) selected[f.category == value] { (kind) }
                            }
                        }
                    }
                }
            }
            div.field {
                label for="severity" { "Severity" }
                select id="severity" name="severity" {
                    @for s in Severity::ALL { option value=(s.as_str()) selected[f.severity == s.as_str()] { (s.as_str()) } }
                }
            }
            div.field {
                label for="tlp" { "TLP" }
                select id="tlp" name="tlp" {
                    @for t in Tlp::ALL { option value=(t.as_str()) selected[f.tlp == t.as_str()] { (t.label()) } }
                }
            }
            div.field {
                label for="sectors" { "Sectors hit" }
                select id="sectors" name="sectors" multiple size="6" {
                    @for s in Sector::ALL { option value=(s.as_str()) selected[f.sectors.iter().any(|x| x == s.as_str())] { (s.describe()) } }
                }
            }
            div.field {
                label for="ack_by" { "Acknowledge by (UTC)" }
                input id="ack_by" name="ack_by" type="datetime-local" value=(f.ack_by) aria-describedby="ack-hint";
                small id="ack-hint" { "Empty: 24 hours after sending." }
            }
            div.field {
                label for="reply_by" { "Substantive reply by (UTC)" }
                input id="reply_by" name="reply_by" type="datetime-local" value=(f.reply_by) aria-describedby="reply-hint";
                small id="reply-hint" { "Empty: 72 hours after sending." }
            }
            div.field {
                label for="origin" { "Origin: where the activity came from" }
                textarea id="origin" name="origin" rows="3" aria-describedby="net-hint" { (f.origin) }
            }
            div.field {
                label for="targets" { "Targets: what it hit" }
                textarea id="targets" name="targets" rows="3" aria-describedby="net-hint" { (f.targets) }
                small id="net-hint" { "One per line: IP address, CIDR prefix, AS64500, or domain." }
            }
            fieldset {
                legend { "Requested actions" }
                @for a in RequestedAction::ALL {
                    div.check {
                        input type="checkbox" name="requested_actions" id={ "act-" (a.as_str()) }
                            value=(a.as_str()) checked[f.requested_actions.iter().any(|x| x == a.as_str())];
                        label for={ "act-" (a.as_str()) } { (a.as_str()) }
                    }
                }
            }
            div.field {
                label for="evidence" { "Evidence: a STIX 2.1 bundle (JSON)" }
                textarea.mono id="evidence" name="evidence" rows="10" aria-describedby="evidence-hint" { (f.evidence) }
                small id="evidence-hint" { "Without evidence or attachment the notification is marked unsubstantiated." }
            }
            div.field {
                label for="evidence_file" { "…or the STIX 2.1 bundle as a file" }
                input id="evidence_file" name="evidence_file" type="file" accept=".json,application/json,application/stix+json";
            }
            div.field {
                label for="attachment" { "Attachment (log, capture, sample)" }
                input id="attachment" name="attachment" type="file";
            }
            div.actions { button type="submit" { "Sign and file" } }
        }
    }
}

async fn form_page(
    node: &Node,
    session: &UiSession,
    form: &NewForm,
    error: Option<&ApiError>,
) -> Response {
    let parties = match node.list_parties().await {
        Ok(p) => p,
        Err(e) => return super::error_page(Some(session), &e.into()),
    };
    let status = error.map_or(StatusCode::OK, |e| e.status);
    if let Some(e) = error {
        e.log();
    }
    super::page(
        status,
        "File a notification",
        Some(session),
        new_form(session, &parties, form, error),
    )
}

/// `GET /notifications/new`.
pub async fn new(State(node): State<Node>, session: UiSession) -> Response {
    if let Err(e) = session.viewer.require(Role::Analyst) {
        return super::error_page(Some(&session), &e.into());
    }
    form_page(&node, &session, &NewForm::defaults(), None).await
}

/// `POST /notifications/new`: signs and files, then shows the result.
pub async fn create(
    State(node): State<Node>,
    session: UiSession,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if let Err(e) = session.viewer.require(Role::Analyst) {
        return super::error_page(Some(&session), &e.into());
    }
    let form = match multipart {
        Ok(m) => NewForm::read(m).await,
        Err(e) => Err(e.into()),
    };
    let form = match form {
        Ok(f) => f,
        Err(e) => return super::error_page(Some(&session), &e),
    };
    if let Err(e) = session.check_form(&headers, &form.csrf) {
        return super::error_page(Some(&session), &e);
    }
    let from = default_party(&node, &session.viewer);
    let result = match form.to_input() {
        Ok(input) => match input.into_request(&from, form.upload.iter().cloned().collect()) {
            Ok(request) => node
                .notify(&session.viewer, request)
                .await
                .map_err(ApiError::from),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(d) => Redirect::to(&format!("/notifications/{}", d.envelope.id())).into_response(),
        Err(e) => form_page(&node, &session, &form, Some(&e)).await,
    }
}
