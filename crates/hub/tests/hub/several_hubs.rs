//! Several hubs behave as one (hubops): wrong sign-ins and OpenID Connect sign-ins under way are
//! kept in the database. Two `serve` processes on one PostgreSQL count the same wrong sign-ins
//! and enforce the same lockout, and a sign-in started on one completes on the other, once.
//! On both back ends, with a moved clock: the lockout rules, expiry, and the caps that keep
//! anyone who cannot sign in from growing the database without bound.

use std::net::SocketAddr;

use schoolgate_hub::accounts;
use schoolgate_hub::config::DatabaseLocation;
use schoolgate_hub::oidc::{Pending, MAX_PENDING, PENDING_SECS};
use schoolgate_hub::store::{AccountAdmin, AnyStore, OidcSettings, SignInState, Store};
use schoolgate_hub::throttle::{
    self, ThrottleKey, ACCOUNT_FREE_FAILURES, ADDRESS_FREE_FAILURES, FIRST_LOCKOUT, FORGET_AFTER,
    MAX_ENTRIES,
};

use crate::oidc::{account_in, sign_in_across, start_provider, Tamper, CLIENT_ID, CLIENT_SECRET};
use crate::on_both_backends;
use crate::support::{forms, http, HubProcess, TestDb};
use crate::web::{code_now, dsl_account, raw_sql, PASSWORD};

on_both_backends!(
    lockouts_with_a_moved_clock,
    wrong_sign_ins_cannot_grow_the_database_without_bound,
    a_pending_sign_in_is_taken_once_and_expires,
);

const MINUTE: i64 = 60_000;

fn account(name: &str) -> ThrottleKey {
    ThrottleKey::Account(name.into())
}

async fn locked_for(store: &AnyStore, keys: &[ThrottleKey], now: i64) -> Option<i64> {
    store
        .throttle_locked_until(keys, now)
        .await
        .expect("read")
        .map(|until| until - now)
}

async fn lockouts_with_a_moved_clock(db: TestDb) {
    let store = db.open().await;
    let start = 1_800_000_000_000_i64;
    let keys = [account("dsl")];
    for n in 0..i64::from(ACCOUNT_FREE_FAILURES) - 1 {
        store
            .throttle_failed(&keys, start + n)
            .await
            .expect("count");
        assert_eq!(locked_for(&store, &keys, start + n).await, None);
    }
    let fifth = start + 10_000;
    store.throttle_failed(&keys, fifth).await.expect("count");
    assert_eq!(locked_for(&store, &keys, fifth).await, Some(MINUTE));
    // Past the lockout: one more wrong try locks for twice as long.
    let later = fifth + MINUTE + 1_000;
    assert_eq!(locked_for(&store, &keys, later).await, None);
    store.throttle_failed(&keys, later).await.expect("count");
    assert_eq!(locked_for(&store, &keys, later).await, Some(2 * MINUTE));
    // Another account is not affected; a right sign-in clears this one.
    assert_eq!(locked_for(&store, &[account("deputy")], later).await, None);
    store.throttle_clear(&keys[0]).await.expect("clear");
    assert_eq!(locked_for(&store, &keys, later).await, None);

    // An address guessing many names is locked as a whole.
    let address = ThrottleKey::Address("192.0.2.7".into());
    for n in 0..ADDRESS_FREE_FAILURES {
        let guess = [account(&format!("guess{n}")), address.clone()];
        store.throttle_failed(&guess, later).await.expect("count");
    }
    assert_eq!(
        locked_for(&store, &[account("anyone"), address.clone()], later).await,
        Some(throttle::millis(FIRST_LOCKOUT))
    );
    let other = ThrottleKey::Address("192.0.2.8".into());
    assert_eq!(locked_for(&store, &[other], later).await, None);

    // Failures a day old are forgotten: four, then one a day later, is not a lockout.
    let keys = [account("teacher")];
    for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
        store.throttle_failed(&keys, start).await.expect("count");
    }
    let next_day = start + throttle::millis(FORGET_AFTER);
    store.throttle_failed(&keys, next_day).await.expect("count");
    assert_eq!(locked_for(&store, &keys, next_day).await, None);
}

async fn rows(db: &TestDb, table: &str) -> i64 {
    count_rows(&db.location(), table).await
}

/// A table's row count, read with SQL of the test's own.
pub(crate) async fn count_rows(location: &DatabaseLocation, table: &str) -> i64 {
    use sqlx::Connection;
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match location {
        DatabaseLocation::Sqlite(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect");
            sqlx::query_scalar(&sql)
                .fetch_one(&mut conn)
                .await
                .expect("count")
        }
        DatabaseLocation::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar(&sql)
                .fetch_one(&mut conn)
                .await
                .expect("count")
        }
    }
}

/// `n` rows made at once (a recursive count, the same SQL on both back ends).
fn fill_sql(n: i64, insert: &str, select: &str) -> String {
    format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) INSERT INTO {insert} SELECT {select} FROM n")
}

async fn wrong_sign_ins_cannot_grow_the_database_without_bound(db: TestDb) {
    let store = db.open().await;
    let now = 1_800_000_000_000_i64;
    // Counts from a day ago, no longer locked, go at the next wrong sign-in.
    let day_ago = now - throttle::millis(FORGET_AFTER) - 1;
    for n in 0..3 {
        let keys = [account(&format!("old{n}"))];
        store.throttle_failed(&keys, day_ago).await.expect("count");
    }
    assert_eq!(rows(&db, "login_throttle").await, 3);
    store
        .throttle_failed(&[account("new")], now)
        .await
        .expect("count");
    assert_eq!(
        rows(&db, "login_throttle").await,
        1,
        "forgotten counts deleted"
    );

    // A flood of made-up names: the table is full (filled at once here, one locked row among
    // them), and the next wrong sign-in keeps it at the cap, dropping the oldest unlocked.
    let location = db.location();
    raw_sql(&location, "DELETE FROM login_throttle")
        .await
        .expect("empty");
    let fill = fill_sql(
        MAX_ENTRIES,
        "login_throttle (key_hash, failures, last_failure, locked_until)",
        &format!("'flood' || i, 1, {now} - 100000 + i, NULL"),
    );
    raw_sql(&location, &fill).await.expect("fill");
    let locked = format!(
        "UPDATE login_throttle SET locked_until = {} WHERE key_hash = 'flood1'",
        now + MINUTE
    );
    raw_sql(&location, &locked).await.expect("lock one");
    let newest = account("the-newest");
    store
        .throttle_failed(std::slice::from_ref(&newest), now)
        .await
        .expect("count");
    assert_eq!(rows(&db, "login_throttle").await, MAX_ENTRIES);
    let kept = format!("login_throttle WHERE key_hash = '{}'", newest.stored_hash());
    assert_eq!(rows(&db, &kept).await, 1, "the newest count is kept");
    assert_eq!(
        rows(&db, "login_throttle WHERE key_hash = 'flood2'").await,
        0,
        "the oldest unlocked count went first"
    );
    assert_eq!(
        rows(&db, "login_throttle WHERE key_hash = 'flood1'").await,
        1,
        "a lockout in force is kept"
    );

    // Sign-ins under way: started by anyone, capped the same way.
    raw_sql(
        &location,
        &fill_sql(
            MAX_PENDING,
            "oidc_pending (key_hash, state, nonce, pkce_verifier, redirect_uri, expires_at)",
            &format!("'pending' || i, 's', 'n', 'v', 'http://hub/cb', {now} + i"),
        ),
    )
    .await
    .expect("fill");
    store
        .put_oidc_pending(&"f".repeat(64), &pending(), now, now + 600_000)
        .await
        .expect("put");
    assert_eq!(rows(&db, "oidc_pending").await, MAX_PENDING);
    assert_eq!(
        rows(&db, "oidc_pending WHERE key_hash = 'pending1'").await,
        0,
        "the oldest went"
    );
    // …and expired ones go whenever one starts.
    store
        .put_oidc_pending(
            &"e".repeat(64),
            &pending(),
            now + 700_000_000,
            now + 700_600_000,
        )
        .await
        .expect("put");
    assert_eq!(rows(&db, "oidc_pending").await, 1);

    // The sweep every hub runs every 10 minutes deletes what expired, with no new sign-in.
    store
        .throttle_failed(&[account("late")], now)
        .await
        .expect("count");
    let much_later = now + 700_600_000 + throttle::millis(FORGET_AFTER);
    assert!(store.purge_sign_in_state(much_later).await.expect("purge") >= 2);
    assert_eq!(rows(&db, "oidc_pending").await, 0);
    assert_eq!(rows(&db, "login_throttle").await, 0);
}

fn pending() -> Pending {
    Pending {
        state: "state-0123".into(),
        nonce: "nonce-0123".into(),
        pkce_verifier: "verifier-0123".into(),
        redirect_uri: "http://127.0.0.1:1/login/oidc/callback".into(),
    }
}

async fn a_pending_sign_in_is_taken_once_and_expires(db: TestDb) {
    let store = db.open().await;
    let now = 1_800_000_000_000_i64;
    let expires = now + i64::try_from(PENDING_SECS).expect("secs") * 1000;
    let key = accounts::token_hash("a-cookie-key");
    store
        .put_oidc_pending(&key, &pending(), now, expires)
        .await
        .expect("put");
    assert_eq!(
        store.take_oidc_pending(&key, now + 1).await.expect("take"),
        Some(pending())
    );
    assert_eq!(
        store.take_oidc_pending(&key, now + 2).await.expect("take"),
        None,
        "used once"
    );
    store
        .put_oidc_pending(&key, &pending(), now, expires)
        .await
        .expect("put");
    assert_eq!(
        store.take_oidc_pending(&key, expires).await.expect("take"),
        None,
        "too late"
    );
    assert_eq!(rows(&db, "oidc_pending").await, 0, "and gone");
}

async fn sign_in_at(addr: SocketAddr, password: &str, code: &str) -> http::Reply {
    let auth = forms::open_form(addr, "/login", None).await;
    forms::post(
        addr,
        "/login",
        &auth,
        &[("username", "dsl"), ("password", password), ("code", code)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hubs_count_the_same_wrong_sign_ins() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.open().await;
    let secret = dsl_account(&store).await;
    let (a, b) = (HubProcess::start(&db), HubProcess::start(&db));
    // Five wrong sign-ins, spread over both hubs: neither saw five, together they did.
    for hub in [&a, &b, &a, &b, &a] {
        let reply = sign_in_at(hub.addr, "not the password", "000000").await;
        assert_eq!(reply.status, 401, "{}", reply.body);
    }
    // The right password and a fresh code are refused on both, before the password is checked.
    for hub in [&b, &a] {
        let reply = sign_in_at(hub.addr, PASSWORD, &code_now(&secret)).await;
        assert_eq!(reply.status, 429, "the limit holds across both hubs");
        assert!(reply.header("retry-after").is_some());
    }
    assert!(
        store
            .account("dsl")
            .await
            .expect("read")
            .expect("dsl")
            .totp_last_step
            == 0,
        "no locked-out try used the code"
    );
    // A hub started now knows too (nothing is in one process's memory).
    let c = HubProcess::start(&db);
    let reply = sign_in_at(c.addr, PASSWORD, &code_now(&secret)).await;
    assert_eq!(reply.status, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oidc_sign_in_started_on_one_hub_completes_on_another_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.open().await;
    let (a, b) = (HubProcess::start(&db), HubProcess::start(&db));
    let provider = start_provider(&format!("http://{}/login/oidc/callback", a.addr));
    let settings = OidcSettings {
        issuer: provider.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        restriction_kind: "google-hd".into(),
        restriction_value: "oakhill.example".into(),
    };
    store
        .set_oidc_settings(&settings, "it-lead")
        .await
        .expect("settings");
    account_in(&store, "alice@oakhill.example", "deputy-dsl").await;

    // Started on A (the provider sends the browser back to A's address), answered by B.
    let (reply, callback, cookies) =
        sign_in_across(a.addr, b.addr, &provider, "alice", Tamper::Nothing).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let session = forms::set_cookie(&reply, accounts::SESSION_COOKIE).expect("a session");
    for hub in [&a, &b] {
        let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &session)]).await;
        assert_eq!(inbox.status, 200, "signed in on every hub");
    }
    // The same answer again, on either hub, is refused: the sign-in was used.
    for hub in [&b, &a] {
        let again = http::get_with(hub.addr, &callback, &[("Cookie", &cookies)]).await;
        assert_eq!(again.status, 403, "{}", again.body);
        assert!(again.body.contains("did not start here"), "{}", again.body);
        assert!(forms::set_cookie(&again, accounts::SESSION_COOKIE).is_none());
    }
    assert_eq!(rows(&db, "oidc_pending").await, 0, "nothing left pending");
}
