-- evbench: the governors' term summary at a trust's scale (BENCHMARKS.md, "Monitoring events at a
-- trust's scale"). The summary counts only what the filter stopped and what raised an alert, by
-- kind, category and alert; this index holds exactly those events and those columns, so a term's
-- counts are read from it alone, never from the table's rows (mostly heartbeats, with their JSON).
-- The summary's query repeats the index's WHERE word for word: SQLite uses a partial index only then.
CREATE INDEX events_counted ON events (at, kind, category, alert)
    WHERE kind IN ('blocked', 'circumvention', 'search-alert', 'help-seeking');
