-- countersign SQLite schema, version 9: the notification listing indexes
-- in ascending order.
--
-- The four indexes that serve the newest-first listing (version 1, kept by
-- version 7) were declared DESC, so each new notification, the newest,
-- went in at the far left of each index. SQLite splits a full page by
-- sharing its cells out with its siblings, and read off the WAL of a
-- receiving node under load (bench/federation.sh) each of the four wrote
-- 3.5 pages per commit. Declared ascending, new entries go at the right
-- end; SQLite walks an index backwards as cheaply as forwards, so the same
-- queries (ORDER BY created_s DESC, created_ns DESC, id DESC, with the
-- keyset cursor as a row-value bound) use them unchanged, with no sort.
-- A test measurement of four such indexes, 20 rows a commit: 29.2 pages
-- written per commit DESC, 22.9 ascending.

DROP INDEX notifications_newest;
DROP INDEX notifications_from;
DROP INDEX notifications_category;
DROP INDEX notifications_category_class;

CREATE INDEX notifications_newest ON notifications (created_s, created_ns, id);
CREATE INDEX notifications_from ON notifications (from_party, created_s, created_ns, id);
CREATE INDEX notifications_category ON notifications (category, created_s, created_ns, id);
CREATE INDEX notifications_category_class
    ON notifications (category_class, created_s, created_ns, id);
