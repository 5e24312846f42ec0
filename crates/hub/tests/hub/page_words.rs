//! What a person reads on the hub's pages (the `looks` review, scripts/hub-screenshots.mjs), on
//! both back ends: a report's flags come before its page's address and the adult's record is in
//! words, not only in the raw JSON; a policy proposal tells each person what their approval would
//! do, or why they cannot give one, and shows a change with a little context rather than the
//! whole policy; groups, alerts and the audit log's actions read as the school says them; the
//! filter check log says which clock its times are in; the DSL is offered no button that can only
//! be refused.

use serde_json::json;

use crate::events::{batch_body, send};
use crate::on_both_backends;
use crate::roles::{invite, join, session};
use crate::support::{self, forms, http, post_signed, report_body, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    a_reports_page_puts_its_flags_first_and_the_adults_record_in_words,
    a_proposal_tells_each_person_what_their_approval_would_do,
    groups_alerts_and_the_filter_check_clock_read_as_the_school_says_them,
);

const PASSWORD: &str = "a long pass phrase for looking";

async fn account(hub: &InProcessHub, dsl: &str, name: &str, role: &str) -> String {
    let link = invite(hub, dsl, name, role).await;
    let (status, secret) = join(hub, &link, PASSWORD).await;
    assert_eq!(status, 303, "{name} joins");
    session(hub, name, PASSWORD, &secret).await
}

async fn get(hub: &InProcessHub, path: &str, cookie: &str) -> String {
    let reply = http::get_with(hub.addr, path, &[("Cookie", cookie)]).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.body
}

fn at(page: &str, text: &str) -> usize {
    page.find(text)
        .unwrap_or_else(|| panic!("{text:?} on the page: {page}"))
}

async fn a_reports_page_puts_its_flags_first_and_the_adults_record_in_words(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let id = support::report_id(1);
    let mut body: serde_json::Value = serde_json::from_str(&report_body(&id, 1)).expect("json");
    body["page"]["url"] = json!("https://unknown-host.example/a-page");
    body["adult"] = json!({
        "at": "2026-11-25T12:32:00.000Z", "areas": ["content", "contact"], "categories": ["scary-content"],
        "suspectedCsam": true, "feeling": "worried", "pupilWords": "It had a scary face",
        "actionTaken": "Closed the lid, told the DSL", "escalateToDsl": true, "staffVerified": true,
    });
    let reply = post_signed(hub.addr, TEST_KEY, &id, 1, &body.to_string()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);

    let page = get(&hub, &format!("/reports/{id}"), &dsl).await;
    // "Do not open the page" is read before the page's address.
    assert!(at(&page, "Do not open the page") < at(&page, "https://unknown-host.example/a-page"));
    assert!(at(&page, "Escalated.") < at(&page, "https://unknown-host.example/a-page"));
    // The pupil's account first, the group beside it; a pupil without one is said so.
    assert!(
        page.contains("<th>Pupil</th><td>(no managed account) (Years 3 to 6)</td>"),
        "{page}"
    );
    // The adult's record, in words, before the case's forms (and not only in the raw JSON).
    let record = at(&page, "What the adult recorded");
    assert!(record < at(&page, "Add to the record"));
    for row in [
        "<th scope=\"row\">Area of risk</th><td>Content, Contact</td>",
        "<th scope=\"row\">What it was about</th><td>Scary content</td>",
        "<th scope=\"row\">How the pupil felt</th><td>Worried</td>",
        "<th scope=\"row\">The pupil's words</th><td>It had a scary face</td>",
        "<th scope=\"row\">What the adult did</th><td>Closed the lid, told the DSL</td>",
        "<th scope=\"row\">Asked for the DSL</th><td>yes</td>",
        "<th scope=\"row\">Staff code checked</th><td>yes</td>",
    ] {
        assert!(at(&page, row) > record, "{row}");
    }
    assert!(at(&page, "It had a scary face") < at(&page, "The record as received"));

    // The governors' figures name each month as people say it ("December 2026", not "2026-12").
    let figures = get(&hub, "/figures", &dsl).await;
    let month = chrono::Utc::now().format("%B %Y").to_string();
    assert!(figures.contains(&format!("<td>{month}</td>")), "{figures}");

    // Before an adult records: said so, in words.
    let bare = support::report_id(2);
    let reply = post_signed(hub.addr, TEST_KEY, &bare, 1, &report_body(&bare, 1)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let page = get(&hub, &format!("/reports/{bare}"), &dsl).await;
    assert!(page.contains("No adult has recorded anything on the device yet"));
    assert!(!page.contains("Do not open the page"));
    hub.stop().await;
}

async fn a_proposal_tells_each_person_what_their_approval_would_do(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let deputy = account(&hub, &dsl, "deputy", "deputy-dsl").await;
    let other = account(&hub, &dsl, "deputy.two", "deputy-dsl").await;
    let it_lead = account(&hub, &dsl, "it.lead", "it-lead").await;

    // A one-line change at the end of the built-in policy.
    let text = format!(
        "{}\n[groups.ks1.categories]\ngames = \"allow\"\n",
        schoolgate_core::policy::BUILTIN_TOML
    );
    let auth = forms::open_form(hub.addr, "/policy/edit", Some(&dsl)).await;
    let proposed = forms::post(
        hub.addr,
        "/policy/edit",
        &auth,
        &[
            ("op", "propose"),
            ("policy", &text),
            ("reason", "Maths games for Year 2"),
        ],
    )
    .await;
    assert_eq!(proposed.status, 303, "{}", proposed.body);
    let path = proposed
        .header("location")
        .expect("the proposal")
        .to_owned();
    let approve_form = format!("action=\"{path}/approve\"");

    let page = get(&hub, &path, &dsl).await;
    assert!(
        page.contains("waiting for approval"),
        "the state in words: {page}"
    );
    assert!(
        page.contains("0 of 2 approvals given; 2 more needed."),
        "{page}"
    );
    assert!(
        page.contains("Approve (the first of two approvals)"),
        "{page}"
    );
    // The change with its context, not the whole policy.
    assert!(page.contains("unchanged lines …"), "{page}");
    assert!(page.contains("+ [groups.ks1.categories]"));
    // No pupil tried anything this week: the preview says "no change", not "unblock 0 page(s)".
    assert!(
        page.contains("No change to the pages pupils tried or visited this week."),
        "{page}"
    );
    assert!(!page.contains("This would unblock 0 "));
    assert!(
        !page.contains("Schoolgate&#39;s built-in policy")
            && !page.contains("Schoolgate's built-in policy")
    );

    // The deputy gives the first approval; the proposer may no longer give the second.
    let auth = forms::open_form(hub.addr, &path, Some(&deputy)).await;
    let approved = forms::post(hub.addr, &format!("{path}/approve"), &auth, &[]).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let page = get(&hub, &path, &deputy).await;
    assert!(page.contains("1 of 2 approvals given; 1 more needed. The approval that publishes it must come from someone other than dsl and deputy."), "{page}");
    assert!(
        page.contains("You cannot approve it: you have already approved this proposal"),
        "{page}"
    );
    assert!(
        !page.contains(&approve_form),
        "no Approve button for someone who has approved"
    );
    let page = get(&hub, &path, &dsl).await;
    assert!(page.contains("You cannot approve it: the person who proposed a change cannot give its second approval"), "{page}");
    assert!(!page.contains(&approve_form));
    let page = get(&hub, &path, &it_lead).await;
    assert!(
        page.contains("Your account cannot approve policy changes"),
        "{page}"
    );
    assert!(!page.contains(&approve_form));
    let page = get(&hub, &path, &other).await;
    assert!(
        page.contains(&approve_form) && page.contains("Approve and publish"),
        "{page}"
    );
    hub.stop().await;
}

async fn groups_alerts_and_the_filter_check_clock_read_as_the_school_says_them(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let now = schoolgate_hub::now();
    let events = vec![
        json!({ "id": "e-looks-001", "at": now, "kind": "search-alert", "engine": "google",
                "terms": "made up words", "alert": "self-harm", "reportId": null }),
        json!({ "id": "e-looks-002", "at": now, "kind": "filter-check", "trigger": "daily", "passed": "true",
                "results": "pass canary gambling: bet365.com goes to the block page", "staffAccount": null,
                "groups": "ks2", "listsVersion": "engine 0.4.0" }),
    ];
    let body = batch_body(
        "b-looks-1",
        "d-looks-0001",
        Some("pupil.one@oak-hill.example"),
        events,
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-looks-1", &body).await.status,
        201
    );

    // The inbox's open alert: its kind as a label, its group as the school says it.
    let inbox = get(&hub, "/inbox", &dsl).await;
    assert!(
        inbox.contains("<strong class=\"flag\">Self-harm</strong>"),
        "{inbox}"
    );
    assert!(
        inbox.contains("<td data-label=\"Group\">Years 3 to 6 (ks2)</td>"),
        "{inbox}"
    );
    // On a phone each row stands as a labelled card (hub.css).
    assert!(inbox.contains("<table class=\"cards\">"));
    let css = http::get(hub.addr, "/hub.css").await.body;
    assert!(css.contains("table.cards td[data-label]::before{content:attr(data-label)"));

    // The filter check log: on screen, school time, and says so; printed, UTC with school time.
    let log = get(&hub, "/filter-checks", &dsl).await;
    assert!(
        log.contains("Filter checks, newest first (UK school time)"),
        "{log}"
    );
    assert!(
        log.contains("<td data-label=\"Group(s)\">Years 3 to 6 (ks2)</td>"),
        "{log}"
    );
    assert!(
        log.contains("<table class=\"cards\">"),
        "a card per check on a phone"
    );
    let printed = get(&hub, "/filter-checks?print=1", &dsl).await;
    assert!(
        printed.contains("(times in UTC, UK school time in brackets)"),
        "{printed}"
    );

    // The DSL's own row on /accounts: no "Disable" or "Change role" that can only be refused.
    let accounts = get(&hub, "/accounts", &dsl).await;
    assert!(
        !accounts.contains("action=\"/accounts/dsl/disable\""),
        "{accounts}"
    );
    assert!(!accounts.contains("action=\"/accounts/dsl/role\""));
    assert!(accounts.contains("Your own account: another DSL can change its role or disable it."));

    // The inbox links only where each role may go: the DSL everywhere, a reader never to a 403.
    for link in [
        "/audit",
        "/exports/pupil",
        "/alerts",
        "/policy",
        "/accounts",
        "/keys",
        "/figures",
        "/reports/monthly",
        "/filter-checks",
        "/requests",
    ] {
        assert!(
            inbox.contains(&format!("href=\"{link}\"")),
            "the DSL's inbox links {link}"
        );
    }
    let reader = account(&hub, &dsl, "reader", "safeguarding-reader").await;
    let theirs = get(&hub, "/inbox", &reader).await;
    for link in [
        "/audit",
        "/exports/pupil",
        "/alerts",
        "/policy",
        "/accounts",
        "/keys",
        "/figures",
    ] {
        assert!(
            !theirs.contains(&format!("href=\"{link}\"")),
            "a reader's inbox does not link {link}: {theirs}"
        );
    }
    assert!(theirs.contains("href=\"/exports/reports.csv\""));

    // The IT lead's start page leads to every page they read, first.
    let keys = get(&hub, "/keys", &dsl).await;
    let nav = at(&keys, "<nav aria-label=\"The IT lead's pages\">");
    assert!(nav < at(&keys, "The policy key"));
    for link in ["/devices", "/filter-checks", "/reports/monthly", "/policy"] {
        assert!(at(&keys, &format!("href=\"{link}\"")) > nav, "{link}");
    }

    // The audit log's actions in words, the stored name (as the exports have it) on hover.
    let audit = get(&hub, "/audit", &dsl).await;
    assert!(
        audit.contains("<span title=\"viewed-audit-log\">Viewed audit log</span>"),
        "{audit}"
    );

    // The requests page with nothing answered says so.
    let requests = get(&hub, "/requests", &dsl).await;
    assert!(requests.contains("Nothing answered lately."), "{requests}");
    hub.stop().await;
}
