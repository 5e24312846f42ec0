//! A synthetic school term of monitoring events (`docs/events.md`) for the events benchmark
//! (BENCHMARKS.md, "The hub: monitoring events at a trust's scale"). No real pupil data: the
//! accounts are `pupil00001@example.school` and the devices `d-bench-00001`.
//!
//! Deterministic: every device-day is generated from `(seed, device, day)` alone, so any part of
//! the term can be made on its own, in any order, and is the same every run.
//!
//! The model of a primary-school Chromebook (stated in BENCHMARKS.md with the volume it makes):
//! on each school day a device is used in 1–3 lessons of 30–60 minutes between 08:30 and 15:00
//! UTC; while in use it sends a heartbeat at the start and every 5 minutes (now and then `idle`);
//! a lesson has on average 0.7 blocked navigations, in the categories' realistic mix (most are
//! games, video and social media; the UKSIC categories are rare); 15 % of blocked navigations are
//! tried again 2–5 times within minutes (the digest's repeated attempts); 4 % are attempts to get
//! round the filter (a `circumvention` event as well); one device-day in 2,000 has a search alert
//! and one in 800 a search for help. Visits are off (the default).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{json, Value};

/// The term's shape.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// The generator's seed.
    pub seed: u64,
    /// How many devices (each with its own pupil account).
    pub devices: u32,
    /// The Monday the term starts.
    pub first_monday: NaiveDate,
    /// How many weeks (five school days each).
    pub weeks: u32,
}

impl Default for Term {
    fn default() -> Self {
        Self {
            seed: 2026,
            devices: 10_000,
            first_monday: NaiveDate::from_ymd_opt(2026, 9, 7).expect("a date"),
            weeks: 13,
        }
    }
}

/// One event as a device sends it, with the columns the hub copies out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The device's index (0-based).
    pub device: u32,
    /// Its id, unique on the device.
    pub id: String,
    /// When it happened.
    pub at: NaiveDateTime,
    /// Its kind.
    pub kind: &'static str,
    /// The event's JSON as the extension sends it.
    pub body: Value,
}

impl Event {
    /// `at` as the extension writes it (RFC 3339 UTC, milliseconds).
    pub fn at_text(&self) -> String {
        rfc3339(self.at)
    }

    /// A text field of the body.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

/// RFC 3339 UTC with milliseconds, as the extension and the hub write times.
pub fn rfc3339(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The device id of device `n`.
pub fn device_id(n: u32) -> String {
    format!("d-bench-{:05}", n + 1)
}

/// The synthetic account of device `n`'s pupil.
pub fn account(n: u32) -> String {
    format!("pupil{:05}@example.school", n + 1)
}

/// Device `n`'s age group: 15 % EYFS, 30 % KS1, 55 % KS2.
pub fn group(n: u32) -> &'static str {
    match n % 20 {
        0..=2 => "eyfs",
        3..=8 => "ks1",
        _ => "ks2",
    }
}

/// SplitMix64: small, fast and the same everywhere (no dependency).
struct Rng(u64);

impl Rng {
    fn new(seed: u64, device: u32, day: u32) -> Self {
        let mut rng = Self(seed ^ (u64::from(device) << 20) ^ u64::from(day).wrapping_mul(0x9E37));
        rng.next();
        rng
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, n)`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, weighted: &'a [(T, u32)]) -> &'a T {
        let total: u32 = weighted.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(u64::from(total)) as u32;
        for (item, weight) in weighted {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &weighted[0].0
    }
}

/// What pupils' blocked navigations are, by category (the core's ids), with a few hosts each.
const BLOCKED_MIX: &[((&str, &[&str]), u32)] = &[
    (
        (
            "games",
            &[
                "www.coolmathgames.com",
                "poki.com",
                "www.roblox.com",
                "www.friv.com",
            ],
        ),
        300,
    ),
    (
        (
            "streaming",
            &["www.twitch.tv", "www.netflix.com", "open.spotify.com"],
        ),
        180,
    ),
    (
        (
            "social-media",
            &[
                "www.tiktok.com",
                "www.instagram.com",
                "www.snapchat.com",
                "www.facebook.com",
            ],
        ),
        200,
    ),
    (("chat", &["www.omegle-alt.example", "discord.com"]), 60),
    (("ai-chatbots", &["chatgpt.com", "gemini.google.com"]), 70),
    (("shopping", &["www.amazon.co.uk", "www.ebay.co.uk"]), 50),
    (("violence", &["gore-site.example", "fights.example"]), 25),
    (
        (
            "gambling",
            &["www.bet365.com", "www.paddypower.com", "www.pokerstars.uk"],
        ),
        20,
    ),
    (("pornography", &["adult-site.example", "xxx.example"]), 20),
    (
        (
            "malware-hacking",
            &["free-robux-generator.example", "keygen.example"],
        ),
        20,
    ),
    (("piracy", &["free-movies.example", "torrents.example"]), 15),
    (("drugs", &["weed-shop.example"]), 5),
    (("self-harm", &["thinspo.example"]), 4),
    (("hate-speech", &["hate-forum.example"]), 3),
    (("discrimination", &["bigot-blog.example"]), 3),
    (("extremism", &["extremist-forum.example"]), 2),
    (("dating", &["dating-app.example"]), 3),
];

const CIRCUMVENTION: &[((&str, &str, &str), u32)] = &[
    (("proxy", "proxy-vpn", "unblocked-games-proxy.example"), 50),
    (
        (
            "translator",
            "games",
            "www-coolmathgames-com.translate.goog",
        ),
        20,
    ),
    (("ip-address", "ip-address", "142.250.180.14"), 10),
    (("archive", "social-media", "web.archive.org"), 10),
    (("lookalike", "social-media", "www.tiktok-login.example"), 5),
    (("other", "games", "view-source.example"), 5),
];

const ALERTS: &[((&str, &str), u32)] = &[
    (("safeguarding", "how to make someone like me"), 40),
    (("self-harm", "how to hurt myself"), 30),
    (("grooming", "older friend wants secret photos"), 15),
    (("prevent", "join isis"), 15),
];

const VIAS: &[(&str, u32)] = &[("link", 50), ("typed", 25), ("search", 20), ("other", 5)];

/// Lessons per device-day, in minutes of use.
const LESSON_MINUTES: (u64, u64) = (30, 60);

impl Term {
    /// The school days (Monday to Friday of each week).
    pub fn days(&self) -> Vec<NaiveDate> {
        (0..self.weeks)
            .flat_map(|w| (0..5).map(move |d| (w, d)))
            .map(|(w, d)| self.first_monday + Duration::days(i64::from(w * 7 + d)))
            .collect()
    }

    /// Every event of device `device` on school day `day` (its index in `days()`), oldest first.
    pub fn device_day(&self, device: u32, day: u32) -> Vec<Event> {
        let date = self.first_monday + Duration::days(i64::from(day / 5 * 7 + day % 5));
        let mut rng = Rng::new(self.seed, device, day);
        let mut events = Vec::new();
        let mut n = 0u32;
        let mut push =
            |events: &mut Vec<Event>, at: NaiveDateTime, kind: &'static str, mut body: Value| {
                n += 1;
                let id = format!(
                    "e-{day:03}-{n:05}-{:08x}",
                    rng_id(self.seed, device, day, n)
                );
                body["id"] = json!(id);
                body["at"] = json!(rfc3339(at));
                body["kind"] = json!(kind);
                events.push(Event {
                    device,
                    id,
                    at,
                    kind,
                    body,
                });
            };
        let lessons = 1 + rng.below(3);
        // Lessons start on the quarter hour between 08:30 and 14:00, in order, never overlapping.
        let mut starts: Vec<u64> = (0..lessons).map(|_| 34 + rng.below(23)).collect();
        starts.sort_unstable();
        starts.dedup();
        let mut free_from = 0u64;
        let mut lessons_held = Vec::new();
        for slot in starts {
            let start_min = (slot * 15).max(free_from);
            let minutes = LESSON_MINUTES.0 + rng.below(LESSON_MINUTES.1 - LESSON_MINUTES.0 + 1);
            free_from = start_min + minutes + 15;
            let start = date.and_time(NaiveTime::MIN)
                + Duration::minutes(start_min as i64)
                + Duration::seconds(rng.below(300) as i64);
            // Heartbeats: at the start, then every 5 minutes; a pupil sometimes stops typing.
            let mut t = 0;
            while t <= minutes {
                let state = if t > 0 && rng.chance(0.08) {
                    "idle"
                } else {
                    "active"
                };
                push(
                    &mut events,
                    start + Duration::minutes(t as i64),
                    "heartbeat",
                    json!({ "state": state }),
                );
                t += 5;
            }
            // Blocked navigations: 0.7 a lesson on average (0, 1 or 2, sometimes more).
            let blocked = match rng.below(100) {
                0..=49 => 0,
                50..=84 => 1,
                85..=96 => 2,
                _ => 3 + rng.below(3),
            };
            for _ in 0..blocked {
                let offset = Duration::seconds(rng.below(minutes * 60) as i64);
                let mut at = start + offset;
                let (category, hosts) = *rng.pick(BLOCKED_MIX);
                let host = hosts[rng.below(hosts.len() as u64) as usize];
                let tries = if rng.chance(0.15) {
                    3 + rng.below(4)
                } else {
                    1
                };
                for _ in 0..tries {
                    let via = *rng.pick(VIAS);
                    push(
                        &mut events,
                        at,
                        "blocked",
                        json!({
                            "url": format!("https://{host}/"), "host": host, "category": category,
                            "rule": format!("built-in/{category}.txt: {host}"), "via": via,
                        }),
                    );
                    at += Duration::seconds(20 + rng.below(200) as i64);
                }
                if rng.chance(0.04) {
                    let (method, category, host) = *rng.pick(CIRCUMVENTION);
                    let url = format!("https://{host}/");
                    push(
                        &mut events,
                        at,
                        "blocked",
                        json!({
                            "url": url, "host": host, "category": category,
                            "rule": format!("built-in/{category}.txt: {host}"), "via": "typed",
                        }),
                    );
                    push(
                        &mut events,
                        at,
                        "circumvention",
                        json!({
                            "url": url, "host": host, "method": method, "category": category,
                        }),
                    );
                }
            }
            lessons_held.push((start, minutes));
        }
        // Once a day at most, in one of the day's lessons: a search alert (one device-day in
        // 2,000) or a search for help (one in 800).
        for (chance, kind) in [
            (1.0 / 2000.0, "search-alert"),
            (1.0 / 800.0, "help-seeking"),
        ] {
            if !rng.chance(chance) {
                continue;
            }
            let (start, minutes) = lessons_held[rng.below(lessons_held.len() as u64) as usize];
            let at = start + Duration::seconds(rng.below(minutes * 60) as i64);
            let body = if kind == "search-alert" {
                let (alert, terms) = *rng.pick(ALERTS);
                json!({ "engine": "google", "terms": terms, "alert": alert, "reportId": null })
            } else {
                json!({ "engine": "google", "terms": "i saw something scary what do i do" })
            };
            push(&mut events, at, kind, body);
        }
        events.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        events
    }
}

fn rng_id(seed: u64, device: u32, day: u32, n: u32) -> u32 {
    let mut rng = Rng::new(
        seed ^ 0xE7E7,
        device,
        day.wrapping_mul(100_003).wrapping_add(n),
    );
    rng.next() as u32
}
