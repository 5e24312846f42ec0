//! The audit log: who looked at what, and when. Append-only (the database refuses to change or
//! delete an entry) and hash-chained: each entry's hash covers the one before it, so an entry
//! changed, removed or inserted afterwards, even by someone who bypasses the database's own
//! refusal, breaks the chain from that entry on, and `verify` says where.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the log: 1, 2, 3… with no gaps.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (a user name).
    pub actor: String,
    /// What they did (`viewed-inbox`, `viewed-report`, `signed-in`, `created-account`).
    pub action: String,
    /// What it was done to (a report id, or empty).
    pub subject: String,
    /// The previous entry's hash (`GENESIS` for the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// What a new entry says, before it has a place in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// To what.
    pub subject: String,
}

/// The hash of an entry: SHA-256 over its fields, each length-prefixed so no two different
/// entries can be written the same way.
pub fn entry_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    prev_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"schoolgate-audit/1");
    for field in [
        seq.to_string().as_str(),
        at,
        actor,
        action,
        subject,
        prev_hash,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The entry `event` becomes after `previous` (the log's last entry, if any), at `at`.
pub fn next_entry(previous: Option<(i64, &str)>, event: &AuditEvent, at: &str) -> AuditEntry {
    let (seq, prev_hash) = previous.map_or((1, GENESIS), |(seq, hash)| (seq + 1, hash));
    AuditEntry {
        seq,
        at: at.to_owned(),
        actor: event.actor.clone(),
        action: event.action.clone(),
        subject: event.subject.clone(),
        prev_hash: prev_hash.to_owned(),
        hash: entry_hash(
            seq,
            at,
            &event.actor,
            &event.action,
            &event.subject,
            prev_hash,
        ),
    }
}

/// Where a log stops being trustworthy.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuditError {
    /// An entry whose place, link or hash is wrong.
    #[error("the audit log is broken at entry {seq}: {why}")]
    Broken {
        /// The first bad entry.
        seq: i64,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// Checks a whole log, oldest first.
pub fn verify(entries: &[AuditEntry]) -> Result<(), AuditError> {
    let mut previous: Option<&AuditEntry> = None;
    for entry in entries {
        let (expected_seq, expected_prev) =
            previous.map_or((1, GENESIS), |p| (p.seq + 1, p.hash.as_str()));
        let broken = |why| {
            Err(AuditError::Broken {
                seq: entry.seq,
                why,
            })
        };
        if entry.seq != expected_seq {
            return broken("an entry is missing or out of place");
        }
        if entry.prev_hash != expected_prev {
            return broken("it does not follow the entry before it");
        }
        if entry.hash
            != entry_hash(
                entry.seq,
                &entry.at,
                &entry.actor,
                &entry.action,
                &entry.subject,
                &entry.prev_hash,
            )
        {
            return broken("its contents were changed");
        }
        previous = Some(entry);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: usize) -> Vec<AuditEntry> {
        let mut entries: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let event = AuditEvent {
                actor: "dsl".into(),
                action: "viewed-report".into(),
                subject: format!("r-{i}"),
            };
            let previous = entries.last().map(|e| (e.seq, e.hash.as_str()));
            let entry = next_entry(previous, &event, "2026-11-25T12:30:00.000Z");
            entries.push(entry);
        }
        entries
    }

    #[test]
    fn a_chain_verifies_and_any_change_breaks_it() {
        let entries = log(4);
        assert_eq!(verify(&entries), Ok(()));
        let mut changed = entries.clone();
        changed[1].subject = "r-other".into();
        assert_eq!(
            verify(&changed),
            Err(AuditError::Broken {
                seq: 2,
                why: "its contents were changed"
            })
        );
        let mut removed = entries.clone();
        removed.remove(2);
        assert!(matches!(
            verify(&removed),
            Err(AuditError::Broken { seq: 4, .. })
        ));
        // Rewriting an entry and its hash still breaks the next link.
        let mut rehashed = entries.clone();
        rehashed[1].actor = "someone".into();
        let e = &rehashed[1];
        rehashed[1].hash = entry_hash(e.seq, &e.at, &e.actor, &e.action, &e.subject, &e.prev_hash);
        assert_eq!(
            verify(&rehashed),
            Err(AuditError::Broken {
                seq: 3,
                why: "it does not follow the entry before it"
            })
        );
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        assert_ne!(
            entry_hash(1, "a", "bc", "d", "", GENESIS),
            entry_hash(1, "a", "b", "cd", "", GENESIS)
        );
    }
}
