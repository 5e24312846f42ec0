//! "Ask my teacher" (`docs/requests.md`): a pupil's request to open a blocked page, sent by the
//! device at once, and the teacher's answer, which the device fetches and applies through the
//! same guard a teacher's override code goes through (`extension/sw/overrides.js`).
//!
//! The rules, as plain functions: reading a request (`read_request`), what can never be asked
//! for (`refusal`: a locked category, decided by the core's own table), how long an approval
//! lasts (`approval_window`: default an hour, at most until the end of the school day and never
//! over 8 hours), and which answers a device is given (`answers_message` signs the question).
//!
//! Replays need no nonce for a request (a signed body can only ever be the request it names,
//! stored once by its id); the answers question is a signed GET with the device's time, like a
//! report's decision (`decisions`), so a recorded one cannot be replayed for long.

use serde_json::Value;

use crate::signing_keys::id_field;
use crate::signing_keys::SignatureError;
use crate::store::StoreError;

/// The schema the extension writes.
pub const REQUEST_SCHEMA: &str = "schoolgate-request/1";
/// The largest request body (bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// The longest text field (addresses; characters).
pub const MAX_FIELD_CHARS: usize = 2048;
/// How long an approval lasts when the teacher does not say (minutes).
pub const DEFAULT_MINUTES: u32 = 60;
/// The longest approval, whatever the school day (minutes): a school day.
pub const MAX_MINUTES: u32 = 8 * 60;
/// The end of the school day when the hub is not told (`serve --school-day-end`), Europe/London.
pub const DEFAULT_SCHOOL_DAY_END: &str = "15:30";
/// How far back a device is told about its own requests (hours).
pub const OWN_ANSWERS_HOURS: i64 = 12;

/// Why a request was refused, or could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Over `MAX_REQUEST_BYTES`.
    #[error("a request is at most {MAX_REQUEST_BYTES} bytes")]
    TooLarge,
    /// Not signed by an active key (`signing_keys::check`, the one check of every signed body).
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A body that is not a request this hub reads.
    #[error("{0}")]
    NotARequest(String),
    /// A page that nobody may open: refused whoever asks.
    #[error("{0}")]
    Locked(String),
    /// The store failed: nothing was stored, and the device should try again.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
}

/// A checked request, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// The device's id for it (a retry sends the same).
    pub id: String,
    /// The device.
    pub device: String,
    /// The managed account, when Chrome gave one.
    pub user: Option<String>,
    /// The age group or class the device reports.
    pub group: String,
    /// The organisational unit the device reports (the managed `orgUnit`), if any.
    pub org_unit: Option<String>,
    /// The page, cut to `scheme://host/path`.
    pub url: String,
    /// The site an approval opens (the registrable domain, as the device's core says).
    pub site: String,
    /// The category that blocked it.
    pub category: Option<String>,
    /// The rule that blocked it (`category`, `uncategorised`, …).
    pub rule: String,
    /// Why it is blocked, as the block page's staff view says it.
    pub reason: String,
    /// When the pupil asked (the device's clock, UTC).
    pub asked_at: String,
    /// When the hub received it.
    pub received_at: String,
    /// The label of the key that signed it.
    pub signing_key: String,
}

/// Who an approval is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The pupil who asked (their account; without one, the device that asked).
    Pupil,
    /// Every device of the group the asking device reported.
    Group,
    /// Every device of the organisational unit the asking device reported.
    OrgUnit,
}

impl Scope {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pupil => "pupil",
            Self::Group => "group",
            Self::OrgUnit => "org-unit",
        }
    }

    /// The scope a stored or posted name means.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pupil, Self::Group, Self::OrgUnit]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A request as stored, with its answer once it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRequest {
    /// The request as received.
    pub request: NewRequest,
    /// `open`, `approved` or `declined`.
    pub status: String,
    /// Who answered (a hub account).
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// An approval's scope.
    pub scope: Option<String>,
    /// When an approval starts (UTC).
    pub starts_at: Option<String>,
    /// When it ends (UTC).
    pub ends_at: Option<String>,
    /// The teacher's note (kept on the hub; never sent to the device).
    pub note: Option<String>,
    /// The connected staff device the answer came through (`None`: the hub's `/requests` page).
    pub decided_via: Option<String>,
}

/// A teacher's answer, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `approved` or `declined`.
    pub status: &'static str,
    /// Who.
    pub decided_by: String,
    /// When (UTC).
    pub decided_at: String,
    /// An approval's scope.
    pub scope: Option<Scope>,
    /// An approval's window (UTC).
    pub window: Option<(String, String)>,
    /// The teacher's note, if any.
    pub note: Option<String>,
    /// The connected staff device it came through (`staff_devices::via`), if not `/requests`.
    pub via: Option<String>,
}

/// A teacher's choices for one request, as the `/requests` form or a staff device sends them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnswerChoice<'a> {
    /// `approve` or `decline`.
    pub decision: &'a str,
    /// `pupil`, `group` or `org-unit` (an approval's).
    pub scope: &'a str,
    /// Whole minutes, or empty for `DEFAULT_MINUTES`.
    pub minutes: &'a str,
    /// The note (cut to 500 characters).
    pub note: &'a str,
}

/// Why a teacher's choices are not an answer: every route refuses the same things.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerRefusal {
    /// A page in a locked category: nobody may approve it, by any route.
    #[error("{0}. Nobody can approve it, by any route.")]
    Locked(String),
    /// An approval without a scope the hub knows.
    #[error("An approval is for this pupil, the group or the organisational unit.")]
    NoScope,
    /// For the organisational unit of a device that gave none.
    #[error("The pupil's device did not say its organisational unit: approve for the pupil or the group.")]
    NoOrgUnit,
    /// A length that is not whole minutes, or under a minute.
    #[error("{0}")]
    Minutes(String),
    /// Neither approve nor decline.
    #[error("Press Approve or Decline.")]
    NoDecision,
}

impl AnswerRefusal {
    /// The heading a page shows it under.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Locked(_) => "This page can never be unblocked",
            Self::NoScope => "Choose who it is for",
            Self::NoOrgUnit => "No organisational unit",
            Self::Minutes(_) => "How long?",
            Self::NoDecision => "Approve or decline",
        }
    }
}

/// The answer `by` gives `request` with `choice` at `now` (through `via`, a staff device, or the
/// `/requests` page): the same rules whichever route it comes by. A locked category is refused
/// whatever the request says; an approval's window is `approval_window`'s.
pub fn decide(
    request: &StoredRequest,
    choice: &AnswerChoice<'_>,
    by: &str,
    via: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
    day_end_minute: u32,
) -> Result<Answer, AnswerRefusal> {
    let note =
        Some(choice.note.trim().chars().take(500).collect::<String>()).filter(|n| !n.is_empty());
    let decided_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match choice.decision {
        "decline" => Ok(Answer {
            status: "declined",
            decided_by: by.to_owned(),
            decided_at,
            scope: None,
            window: None,
            note,
            via,
        }),
        "approve" => {
            if let Some(why) = refusal(request.request.category.as_deref()) {
                return Err(AnswerRefusal::Locked(why));
            }
            let scope = Scope::parse(choice.scope).ok_or(AnswerRefusal::NoScope)?;
            if scope == Scope::OrgUnit && request.request.org_unit.is_none() {
                return Err(AnswerRefusal::NoOrgUnit);
            }
            let minutes = match choice.minutes.trim() {
                "" => None,
                text => Some(text.parse::<u32>().map_err(|_| {
                    AnswerRefusal::Minutes("Give the length in whole minutes.".into())
                })?),
            };
            let (start, end) =
                approval_window(now, minutes, day_end_minute).map_err(AnswerRefusal::Minutes)?;
            Ok(Answer {
                status: "approved",
                decided_by: by.to_owned(),
                decided_at,
                scope: Some(scope),
                window: Some((at(start), at(end))),
                note,
                via,
            })
        }
        _ => Err(AnswerRefusal::NoDecision),
    }
}

fn invalid(reason: impl Into<String>) -> RequestError {
    RequestError::NotARequest(reason.into())
}

fn rfc3339(text: &str) -> Option<String> {
    if text.len() > 40 {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| {
        t.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    })
}

/// Why no one may open a page in these categories, if so: a locked illegal-content list (IWF,
/// CTIRU), decided by the core's own table, the same one the device's filter uses.
pub fn refusal<'a>(categories: impl IntoIterator<Item = &'a str>) -> Option<String> {
    categories
        .into_iter()
        .find(|c| schoolgate_core::category::is_locked(c))
        .map(|c| {
            format!("`{c}` is a locked illegal-content list (IWF, CTIRU): nobody can unblock it")
        })
}

/// A signed body read into a request to store, or the reason it cannot be one.
pub fn read_request(
    body: &[u8],
    signed_with: &str,
    received_at: &str,
) -> Result<NewRequest, RequestError> {
    let text = std::str::from_utf8(body).map_err(|_| invalid("the body is not UTF-8"))?;
    let json: Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("the body is not JSON: {e}")))?;
    let object = json
        .as_object()
        .ok_or_else(|| invalid("a request is a JSON object"))?;
    if object.get("schema").and_then(Value::as_str) != Some(REQUEST_SCHEMA) {
        return Err(invalid(format!("\"schema\" must be {REQUEST_SCHEMA}")));
    }
    let text_field = |field: &str, max: usize| -> Result<Option<String>, RequestError> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
            Some(_) => Err(invalid(format!(
                "\"{field}\" must be text of at most {max} characters"
            ))),
        }
    };
    let required = |field: &str, max: usize| {
        text_field(field, max)?.ok_or_else(|| invalid(format!("\"{field}\" is required")))
    };
    let owned_id = |field: &str| id_field(object, field).map(str::to_owned).map_err(invalid);
    let id = owned_id("id")?;
    let device = owned_id("device")?;
    let user = text_field("user", 254)?;
    if user
        .as_ref()
        .is_some_and(|u| u.len() < 3 || !u.contains('@'))
    {
        return Err(invalid("\"user\" must be an e-mail address or null"));
    }
    let group = required("group", 64)?;
    let org_unit = text_field("orgUnit", 256)?;
    let url = required("url", MAX_FIELD_CHARS)?;
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.contains('?')
        || url.contains('#')
    {
        return Err(invalid(
            "\"url\" must be a web address cut to scheme://host/path (no query, no fragment)",
        ));
    }
    let site = required("site", 253)?.to_ascii_lowercase();
    let site_ok = site
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !site_ok {
        return Err(invalid("\"site\" must be a host name"));
    }
    let category = text_field("category", 64)?;
    let rule = required("rule", 64)?;
    let reason = text_field("reason", 500)?.unwrap_or_default();
    let asked_at = object
        .get("at")
        .and_then(Value::as_str)
        .and_then(rfc3339)
        .ok_or_else(|| invalid("\"at\" must be an RFC 3339 time"))?;
    // Every category the page matched, not only the one that decided: a locked match anywhere
    // means no one may open it.
    let matched: Vec<&str> = match object.get("categories") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.len() <= 64 => items
            .iter()
            .map(|v| v.as_str().ok_or_else(|| invalid("\"categories\" are text")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("\"categories\" must be a list of at most 64")),
    };
    if let Some(why) = refusal(category.as_deref().into_iter().chain(matched)) {
        return Err(RequestError::Locked(why));
    }
    Ok(NewRequest {
        id,
        device,
        user,
        group,
        org_unit,
        url,
        site,
        category,
        rule,
        reason,
        asked_at,
        received_at: received_at.to_owned(),
        signing_key: signed_with.to_owned(),
    })
}

/// A school-day end (`HH:MM`, 24-hour) as minutes after midnight.
pub fn parse_day_end(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.trim().len() == 5).then_some(h * 60 + m)
}

/// When an approval given at `now` for `minutes` (default `DEFAULT_MINUTES`) starts and ends:
/// never over `MAX_MINUTES`, and never past the end of today's school day (`day_end_minute`
/// after midnight, Europe/London) while that end is still ahead. After it (an after-school
/// club) only the 8-hour cap applies. `Err` for a length under a minute.
pub fn approval_window(
    now: chrono::DateTime<chrono::Utc>,
    minutes: Option<u32>,
    day_end_minute: u32,
) -> Result<(i64, i64), String> {
    let minutes = minutes.unwrap_or(DEFAULT_MINUTES);
    if minutes == 0 {
        return Err("an approval lasts at least a minute".into());
    }
    let start = now.timestamp();
    let mut end = start + i64::from(minutes.min(MAX_MINUTES)) * 60;
    let local = schoolgate_core::policy::Tz::EuropeLondon.to_local(start);
    let to_day_end = i64::from(day_end_minute) * 60 - i64::from(local.second_of_day);
    if to_day_end > 0 {
        end = end.min(start + to_day_end);
    }
    Ok((start, end))
}

/// The groups `username` (with `role`) answers requests for: `None` for every group (the DSL
/// and deputies), else the groups the DSL set for the teacher. The one rule `/requests` and a
/// staff device both go by.
pub async fn groups_for<S: crate::store::Store>(
    store: &S,
    username: &str,
    role: crate::roles::Role,
) -> Result<Option<Vec<String>>, StoreError> {
    if crate::roles::allows(role, crate::roles::Permission::AnswerAllRequests) {
        return Ok(None);
    }
    store.teacher_groups(username).await.map(Some)
}

/// Whether someone answering for `groups` (`None`: every group) may see and answer `request`.
pub fn may_answer(groups: Option<&[String]>, request: &StoredRequest) -> bool {
    groups.is_none_or(|g| g.contains(&request.request.group))
}

/// A Unix time as the hub records times.
pub fn at(unix_secs: i64) -> String {
    chrono::DateTime::from_timestamp(unix_secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The bytes a device signs to ask for its answers: `schoolgate-answers/1`, then the device,
/// the account (or empty), the group, the organisational unit (or empty) and the time, one a line.
pub fn answers_message(
    device: &str,
    user: &str,
    group: &str,
    org_unit: &str,
    unix_secs: i64,
) -> String {
    format!("schoolgate-answers/1\n{device}\n{user}\n{group}\n{org_unit}\n{unix_secs}")
}

/// What a device is told about one request: its own requests' answers (open, approved or
/// declined), and the approvals in force for its pupil, group or organisational unit. Never
/// the note, and never who asked.
pub fn device_answer(request: &StoredRequest, own: bool) -> Value {
    serde_json::json!({
        "id": request.request.id,
        "own": own,
        "status": request.status,
        "url": request.request.url,
        "site": request.request.site,
        "scope": request.scope,
        "startsAt": request.starts_at,
        "endsAt": request.ends_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Value {
        serde_json::json!({
            "schema": REQUEST_SCHEMA, "id": "q-12345678", "device": "d-12345678",
            "user": "pupil@school.example", "group": "ks2", "orgUnit": null,
            "url": "https://games.example.org/play", "site": "example.org",
            "category": "games", "rule": "category", "reason": "Games are blocked in lessons",
            "at": "2026-12-07T10:13:58+01:00",
        })
    }

    fn read(v: &Value) -> Result<NewRequest, RequestError> {
        read_request(v.to_string().as_bytes(), "k", "2026-12-07T09:14:00.000Z")
    }

    #[test]
    fn reads_a_request_and_refuses_what_the_contract_does_not_allow() {
        let ok = read(&body()).expect("valid");
        assert_eq!(ok.asked_at, "2026-12-07T09:13:58.000Z");
        assert_eq!(ok.site, "example.org");
        let mut cases = Vec::new();
        for (field, value) in [
            ("schema", Value::from("schoolgate-request/2")),
            ("id", "short".into()),
            ("url", "https://x.example/?q=name".into()),
            ("url", "chrome://settings".into()),
            ("site", "a b".into()),
            ("at", "yesterday".into()),
            ("user", "not an address".into()),
            ("group", Value::Null),
            ("rule", 3.into()),
        ] {
            let mut case = body();
            case[field] = value;
            cases.push(case);
        }
        for case in cases {
            assert!(
                matches!(read(&case), Err(RequestError::NotARequest(_))),
                "{case}"
            );
        }
    }

    #[test]
    fn a_locked_category_can_never_be_asked_for() {
        use schoolgate_core::category::{CHILD_ABUSE, TERRORIST_CONTENT};
        for id in [CHILD_ABUSE, TERRORIST_CONTENT] {
            let mut case = body();
            case["category"] = id.into();
            assert!(matches!(read(&case), Err(RequestError::Locked(_))), "{id}");
            let mut matched = body();
            matched["categories"] = serde_json::json!(["games", id]);
            assert!(schoolgate_core::category::is_locked(id));
            assert!(
                matches!(read(&matched), Err(RequestError::Locked(_))),
                "{id}"
            );
        }
    }

    #[test]
    fn the_answers_question_is_signed_as_the_extension_signs_it() {
        // The same fixture tests/extension/requests-unit.test.mjs checks the extension against.
        let f: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/hub/answers-signature.json"
        ))
        .expect("fixture");
        let text = |k: &str| f[k].as_str().expect(k).to_owned();
        let message = answers_message(
            &text("device"),
            &text("user"),
            &text("group"),
            &text("orgUnit"),
            f["time"].as_i64().expect("time"),
        );
        assert_eq!(message, text("message"));
        assert_eq!(
            crate::signing_keys::sign(&text("key"), message.as_bytes()),
            text("signature")
        );
        let query: std::collections::HashMap<String, String> =
            serde_urlencoded::from_str(&text("query")).expect("query");
        for (field, key) in [
            ("device", "device"),
            ("user", "user"),
            ("group", "group"),
            ("orgUnit", "orgUnit"),
        ] {
            assert_eq!(query[field], text(key), "{field}");
        }
    }

    #[test]
    fn every_route_decides_an_answer_by_the_same_rules() {
        let request = StoredRequest {
            request: read(&body()).expect("valid"),
            status: "open".into(),
            decided_by: None,
            decided_at: None,
            scope: None,
            starts_at: None,
            ends_at: None,
            note: None,
            decided_via: None,
        };
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let choose = |decision, scope, minutes| AnswerChoice {
            decision,
            scope,
            minutes,
            note: "  ",
        };
        let decide_now = |choice: &AnswerChoice<'_>, r: &StoredRequest| {
            decide(
                r,
                choice,
                "mr-brown",
                Some("staff device sd-1 (x)".into()),
                now,
                15 * 60 + 30,
            )
        };
        let yes = decide_now(&choose("approve", "group", ""), &request).expect("approved");
        assert_eq!((yes.status, yes.scope), ("approved", Some(Scope::Group)));
        assert_eq!(yes.note, None, "a blank note is no note");
        assert_eq!(yes.via.as_deref(), Some("staff device sd-1 (x)"));
        let (s, e) = yes.window.expect("window");
        assert_eq!(
            (s.as_str(), e.as_str()),
            ("2026-12-07T09:00:00.000Z", "2026-12-07T10:00:00.000Z")
        );
        let no = decide_now(&choose("decline", "", "nonsense"), &request).expect("declined");
        assert_eq!((no.status, no.window), ("declined", None));
        for (choice, refusal) in [
            (choose("approve", "everyone", "60"), AnswerRefusal::NoScope),
            (
                choose("approve", "org-unit", "60"),
                AnswerRefusal::NoOrgUnit,
            ),
            (
                choose("approve", "pupil", "an hour"),
                AnswerRefusal::Minutes("Give the length in whole minutes.".into()),
            ),
            (
                choose("approve", "pupil", "0"),
                AnswerRefusal::Minutes("an approval lasts at least a minute".into()),
            ),
            (choose("open", "pupil", "60"), AnswerRefusal::NoDecision),
        ] {
            assert_eq!(decide_now(&choice, &request), Err(refusal));
        }
        let mut locked = request.clone();
        locked.request.category = Some(schoolgate_core::category::CHILD_ABUSE.into());
        assert!(matches!(
            decide_now(&choose("approve", "pupil", "60"), &locked),
            Err(AnswerRefusal::Locked(_))
        ));
    }

    #[test]
    fn approvals_last_an_hour_at_most_a_school_day() {
        let day_end = parse_day_end("15:30").expect("valid");
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .expect("time")
                .with_timezone(&chrono::Utc)
        };
        // December: Europe/London is UTC.
        let morning = at("2026-12-07T09:00:00Z");
        let (s, e) = approval_window(morning, None, day_end).expect("ok");
        assert_eq!(e - s, 3600);
        let (s, e) = approval_window(morning, Some(24 * 60), day_end).expect("ok");
        assert_eq!(e - s, (6 * 60 + 30) * 60, "to 15:30");
        // June: BST, 15:30 local is 14:30 UTC.
        let (s, e) = approval_window(at("2026-06-08T14:00:00Z"), Some(120), day_end).expect("ok");
        assert_eq!(e - s, 30 * 60);
        // After school: the 8-hour cap only.
        let (s, e) =
            approval_window(at("2026-12-07T16:00:00Z"), Some(24 * 60), day_end).expect("ok");
        assert_eq!(e - s, i64::from(MAX_MINUTES) * 60);
        assert!(approval_window(morning, Some(0), day_end).is_err());
        for bad in ["25:00", "9:30", "15:60", "x"] {
            assert_eq!(parse_day_end(bad), None, "{bad}");
        }
    }
}
