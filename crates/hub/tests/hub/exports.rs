//! Exports, on both back ends: the printable record, CSV safe from spreadsheet formulas, JSON,
//! and the subject-access export for one pupil; each written to the audit log.

use schoolgate_hub::store::Store;

use crate::on_both_backends;
use crate::support::{http, post_signed, report_body, report_id, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    reports_export_as_print_csv_and_json,
    subject_access_finds_every_report_naming_the_pupil,
);

fn body(id: &str, email: Option<&str>, asset: Option<&str>, title: &str) -> String {
    let mut body: serde_json::Value = serde_json::from_str(&report_body(id, 1)).expect("json");
    body["pupil"]["email"] = email.into();
    body["pupil"]["deviceAssetId"] = asset.into();
    body["page"]["title"] = title.into();
    body.to_string()
}

async fn post(hub: &InProcessHub, id: &str, body: &str) {
    let reply = post_signed(hub.addr, TEST_KEY, id, 1, body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn reports_export_as_print_csv_and_json(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    let (first, second) = (report_id(1), report_id(2));
    post(
        &hub,
        &first,
        &body(&first, None, None, "=HYPERLINK(\"http://x\",\"click\")"),
    )
    .await;
    post(&hub, &second, &body(&second, None, None, "@SUM(1+1)")).await;
    hub.store
        .add_case_entry(&first, "dsl", "outcome", "pupil-supported")
        .await
        .expect("outcome");
    let get = |path: String| {
        let cookie = cookie.clone();
        async move { http::get_with(hub.addr, &path, &[("Cookie", &cookie)]).await }
    };

    let csv = get("/exports/reports.csv".into()).await;
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/csv")));
    let mut lines = csv.body.split("\r\n");
    assert!(lines
        .next()
        .is_some_and(|h| h.starts_with("report_id,revision,pressed_at,")));
    assert!(
        csv.body
            .contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\","),
        "{}",
        csv.body
    );
    assert!(csv.body.contains(",'@SUM(1+1),"), "{}", csv.body);
    assert!(csv.body.contains("Pupil supported in school"));

    let json = get("/exports/reports.json".into()).await.json();
    let reports = json["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 2);
    let one = get(format!("/reports/{first}/export.json")).await.json();
    assert_eq!(one["case"]["outcomes"][0], "pupil-supported");
    assert_eq!(
        one["report"]["page"]["title"],
        "=HYPERLINK(\"http://x\",\"click\")"
    );

    let print = get(format!("/reports/{first}/print")).await;
    assert_eq!(print.status, 200);
    // The print rules are in the hub's one stylesheet (the CSP allows no inline style).
    assert!(print.body.contains("href=\"/hub.css\""), "{}", print.body);
    assert!(!print.body.contains("<script") && !print.body.contains("<style"));
    assert!(http::get(hub.addr, "/hub.css")
        .await
        .body
        .contains("@media print"));
    assert!(!print.body.contains("<form"), "nothing to press on paper");
    assert!(print.body.contains("Pupil supported in school"));
    assert_eq!(
        get("/reports/r-nosuchreport-1/print".into()).await.status,
        404
    );
    assert_eq!(
        http::get(hub.addr, "/exports/reports.csv")
            .await
            .header("location"),
        Some("/login")
    );

    let log = hub.store.audit_log().await.expect("audit");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "exported-reports-csv",
        "exported-reports-json",
        "exported-report-json",
        "printed-report",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    hub.stop().await;
}

async fn subject_access_finds_every_report_naming_the_pupil(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    let [a1, a2, other, device] = [1, 2, 3, 4].map(report_id);
    post(
        &hub,
        &a1,
        &body(&a1, Some("ada.l@oakhill.example"), None, "one"),
    )
    .await;
    post(
        &hub,
        &a2,
        &body(&a2, Some("Ada.L@OakHill.example"), Some("CB-12"), "two"),
    )
    .await;
    post(
        &hub,
        &other,
        &body(&other, Some("bo@oakhill.example"), None, "three"),
    )
    .await;
    post(&hub, &device, &body(&device, None, Some("CB-7"), "four")).await;
    let get = |path: &'static str| {
        let cookie = cookie.clone();
        async move { http::get_with(hub.addr, path, &[("Cookie", &cookie)]).await }
    };
    let form = get("/exports/pupil").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("<label") && form.body.contains("name=\"who\""));

    let ids = |reply: http::Reply| {
        let mut ids: Vec<String> = reply.json()["reports"]
            .as_array()
            .expect("reports")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(get("/exports/pupil?who=ada.l%40oakhill.example").await),
        [a1.clone(), a2.clone()]
    );
    assert_eq!(ids(get("/exports/pupil?who=CB-7").await), [device]);
    assert!(ids(get("/exports/pupil?who=nobody%40oakhill.example").await).is_empty());

    let log = hub.store.audit_log().await.expect("audit");
    let exports: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "subject-access-export")
        .map(|e| e.subject.as_str())
        .collect();
    assert_eq!(exports.len(), 3);
    assert!(exports[0].contains(&a1) && exports[0].contains(&a2));
    assert!(
        !exports.iter().any(|s| s.contains('@')),
        "no pupil in the log"
    );
    hub.stop().await;
}
