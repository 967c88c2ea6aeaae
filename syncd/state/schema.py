"""The state store's schema as a list of migrations, one source for SQLite and PostgreSQL.

The schema version (``PRAGMA user_version`` on SQLite, a one-row table on PostgreSQL: see
:mod:`syncd.state.dialect`) says how many have run; :meth:`~syncd.state.dialect.Dialect.ddl` spells the
few words PostgreSQL says differently.

Migrations are append-only: a released one is never edited, so every state file in the field reaches the
current schema by running the ones it has not seen, in order, each in its own transaction.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the sync loop: cursors, item snapshots, label journal, outbox, runs.
    (
        """CREATE TABLE cursors (
            tracker TEXT NOT NULL, scope TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (tracker, scope))""",
        """CREATE TABLE items (
            tracker TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL, updated TEXT NOT NULL,
            parent TEXT, epic TEXT, snapshot TEXT NOT NULL, alignment TEXT, seen_at TEXT NOT NULL,
            PRIMARY KEY (tracker, key))""",
        "CREATE INDEX items_by_id ON items (tracker, id)",
        "CREATE INDEX items_by_parent ON items (tracker, parent)",
        "CREATE INDEX items_by_epic ON items (tracker, epic)",
        """CREATE TABLE label_journal (
            tracker TEXT NOT NULL, key TEXT NOT NULL, applied TEXT NOT NULL, declined TEXT NOT NULL,
            updated_at TEXT NOT NULL, PRIMARY KEY (tracker, key))""",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT, tracker TEXT NOT NULL, kind TEXT NOT NULL,
            key TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, uncertain INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL, done_at TEXT)""",
        "CREATE INDEX outbox_by_status ON outbox (status, tracker, kind, key)",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT, tracker TEXT NOT NULL, started_at TEXT NOT NULL,
            finished_at TEXT, status TEXT NOT NULL DEFAULT 'running', counts TEXT NOT NULL DEFAULT '{}',
            error TEXT)""",
    ),
    # 2: drift reports: the report comment per target issue and the figures of each report.
    (
        """CREATE TABLE comments (
            tracker TEXT NOT NULL, target TEXT NOT NULL, period TEXT NOT NULL, comment_id TEXT NOT NULL,
            body_hash TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (tracker, target, period))""",
        """CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT, tracker TEXT NOT NULL, taken_at TEXT NOT NULL,
            report TEXT NOT NULL)""",
        "CREATE INDEX snapshots_by_tracker ON snapshots (tracker, id)",
    ),
    # 3: provenance: the owned labels the tracker's history showed a person put on an issue.
    ("ALTER TABLE label_journal ADD COLUMN persons TEXT NOT NULL DEFAULT '[]'",),
    # 4: leases, so that several replicas sharing one database each sync a tracker alone.
    (
        """CREATE TABLE leases (
            name TEXT PRIMARY KEY, holder TEXT NOT NULL, token BIGINT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL)""",
    ),
    # 5: review: a person's answer on each sampled keyword tag, for the strategy's period and rules.
    (
        """CREATE TABLE reviews (
            tracker TEXT NOT NULL, key TEXT NOT NULL, period TEXT NOT NULL, tag TEXT NOT NULL,
            answer TEXT NOT NULL, rules TEXT NOT NULL, reviewed_at TEXT NOT NULL,
            PRIMARY KEY (tracker, key, period))""",
    ),
    # 6: webhook keys a replica received for a tracker another replica holds, for the holder to read.
    (
        """CREATE TABLE handoffs (
            tracker TEXT NOT NULL, key TEXT NOT NULL, handed_at TEXT NOT NULL, PRIMARY KEY (tracker, key))""",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)
