//! Times on the hub's pages (issue 17), on both back ends: a stored RFC 3339 time is shown as UK
//! school time inside `<time datetime=…>`, with the exact value kept in the attribute and on
//! hover; the exports keep the exact value.

use schoolgate_hub::store::{EventFilter, EventStore};

use crate::events::{batch_body, search_alert, send};
use crate::on_both_backends;
use crate::support::{http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(pages_show_stored_times_as_school_time_in_a_time_element,);

const AT: &str = "2026-12-07T09:05:00.000Z";
const SHOWN: &str = r#"<time datetime="2026-12-07T09:05:00.000Z" title="2026-12-07T09:05:00.000Z">Mon 7 Dec 2026, 09:05</time>"#;

async fn pages_show_stored_times_as_school_time_in_a_time_element(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let batch = batch_body(
        "b-times-0001",
        "d-chromebook-17",
        Some("amelia.pupil@oak-hill.example"),
        vec![search_alert(
            "e-times-0001",
            AT,
            "prevent",
            "join the movement",
            None,
        )],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-times-0001", &batch)
            .await
            .status,
        201
    );
    let seq = hub
        .store
        .events(&EventFilter {
            kind: Some("search-alert".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("events")
        .first()
        .expect("the alert")
        .seq;

    for path in ["/alerts", &format!("/alerts/{seq}"), "/events"] {
        let page = http::get_with(hub.addr, path, &[("Cookie", &dsl)]).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            page.body.contains(SHOWN),
            "{path} shows the stored time as school time: {}",
            page.body
        );
        assert!(
            !page.body.contains(&format!(">{AT}<")),
            "{path} no longer prints the raw value as text"
        );
    }

    // Printed records are evidence: the exact value stays as text, with school time beside it.
    for path in [
        "/policy/history/print",
        "/filter-checks?print=1",
        "/reports/monthly/print",
    ] {
        let page = http::get_with(hub.addr, path, &[("Cookie", &dsl)]).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let printed = page.body.find("Printed").expect("a printed-at line");
        let rest = &page.body[printed..];
        assert!(rest.contains("<time datetime=\"20"), "{path}: {rest}");
        assert!(
            rest.contains("Z</time> ("),
            "{path} keeps the exact value: {rest}"
        );
    }
}
