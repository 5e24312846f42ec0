//! The governors' summary per term (evhub), on both back ends: counts by KCSIE area and UKSIC
//! category against the term before, any count under 5 shown as "fewer than 5" with no trend,
//! nothing that names a pupil; a governor sees this and none of the events behind it.

use serde_json::Value;

use crate::events::{batch_body, blocked, search_alert, send};
use crate::on_both_backends;
use crate::roles::invited_session;
use crate::support::{http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(the_summary_hides_small_numbers_and_every_pupil);

const PUPIL: &str = "amelia.pupil@oak-hill.example";

fn circumvention(id: &str, at: &str) -> Value {
    serde_json::json!({ "id": id, "at": at, "kind": "circumvention", "url": "https://proxy-site.example/",
                        "host": "proxy-site.example", "method": "proxy", "category": "proxy-vpn" })
}

/// A row: this term, last term, the change and the trend (the change and the trend only
/// between counts that may be shown).
fn row(label: &str, cells: [&str; 3]) -> String {
    let hidden = "not shown (small numbers)";
    let change = match (cells[0], cells[1], cells[2]) {
        (_, _, trend) if trend == hidden => hidden.to_owned(),
        (this, last, _) => {
            let d = this.parse::<i64>().expect("shown") - last.parse::<i64>().expect("shown");
            match d {
                0 => "no change".to_owned(),
                d if d > 0 => format!("+{d}"),
                d => d.to_string(),
            }
        }
    };
    format!(
        "<tr><th scope=\"row\">{label}</th><td>{}</td><td>{}</td><td>{change}</td><td>{}</td></tr>",
        cells[0], cells[1], cells[2]
    )
}

async fn the_summary_hides_small_numbers_and_every_pupil(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let governor = invited_session(&hub, &dsl, "governor", "governor").await;

    // Autumn 2026: 12 gambling, 3 chat, 6 attempts through a proxy, 1 Prevent alert.
    // Summer 2026: 7 gambling, 9 chat.
    let mut events = Vec::new();
    let mut n = 0;
    let mut add = |make: &dyn Fn(&str) -> Value, count: usize| {
        for _ in 0..count {
            n += 1;
            events.push(make(&format!("e-gov-{n:05}")));
        }
    };
    add(
        &|id| blocked(id, "2026-10-05T10:00:00.000Z", "casino.example", "gambling"),
        12,
    );
    add(
        &|id| blocked(id, "2026-10-06T10:00:00.000Z", "chat-room.example", "chat"),
        3,
    );
    add(&|id| circumvention(id, "2026-11-02T10:00:00.000Z"), 6);
    add(
        &|id| {
            search_alert(
                id,
                "2026-11-03T10:00:00.000Z",
                "prevent",
                "secret words",
                None,
            )
        },
        1,
    );
    add(
        &|id| blocked(id, "2026-05-05T10:00:00.000Z", "casino.example", "gambling"),
        7,
    );
    add(
        &|id| blocked(id, "2026-06-06T10:00:00.000Z", "chat-room.example", "chat"),
        9,
    );
    let body = batch_body("b-gov-00001", "d-chromebook-17", Some(PUPIL), events);
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-gov-00001", &body).await.status,
        201
    );

    let page = http::get_with(
        hub.addr,
        "/figures/term?term=2026-autumn",
        &[("Cookie", &governor)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = page.body;
    assert!(body.contains("Autumn term 2026") && body.contains("Summer term 2026"));
    let hidden = "not shown (small numbers)";
    for expected in [
        // Counts of 5 or more rounded to the nearest 5: 12 → 10, 7 → 5, 9 → 10, 6 → 5.
        row("Gambling (UKSIC)", ["10", "5", "up"]),
        // 3 this term: hidden, and so is the trend that would say it fell.
        row(
            "Chat and video chat with strangers",
            ["fewer than 5", "10", hidden],
        ),
        row("Commerce", ["10", "5", "up"]),
        row("Contact", ["fewer than 5", "10", hidden]),
        row("Conduct", ["5", "fewer than 5", hidden]),
        row(
            "Attempts to get round the filter",
            ["5", "fewer than 5", hidden],
        ),
        // 15 against 16: no small number can be had by subtracting the rows above.
        row("Blocked pages", ["15", "15", "the same"]),
        row(
            "Prevent (radicalisation) search alerts",
            ["fewer than 5", "fewer than 5", hidden],
        ),
        row(
            "Pornography (UKSIC)",
            ["fewer than 5", "fewer than 5", hidden],
        ),
    ] {
        assert!(body.contains(&expected), "{expected} missing from {body}");
    }
    for small in [
        "<td>3</td>",
        "<td>1</td>",
        "<td>0</td>",
        "<td>12</td>",
        "<td>16</td>",
    ] {
        assert!(!body.contains(small), "{small} shown: {body}");
    }
    for pupil_data in [
        PUPIL,
        "amelia",
        "d-chromebook-17",
        "casino.example",
        "secret words",
        "ks2",
    ] {
        assert!(!body.contains(pupil_data), "a governor saw {pupil_data}");
    }
    // The events behind it are not a governor's.
    for path in ["/events", "/alerts", "/devices", "/inbox"] {
        let reply = http::get_with(hub.addr, path, &[("Cookie", &governor)]).await;
        assert_eq!(reply.status, 403, "{path}");
    }
    let figures = http::get_with(hub.addr, "/figures", &[("Cookie", &governor)]).await;
    assert!(
        figures.body.contains("/figures/term"),
        "linked from the governors' page"
    );
    let bad = http::get_with(
        hub.addr,
        "/figures/term?term=2026-winter",
        &[("Cookie", &governor)],
    )
    .await;
    assert_eq!(bad.status, 400);
    hub.stop().await;
}
