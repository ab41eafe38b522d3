/** Schema migrations, applied in order; never edit a shipped one, append a new one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE alarms (
    rule_id   TEXT NOT NULL,
    asset_id  TEXT NOT NULL,
    state     TEXT NOT NULL,
    episode   INTEGER NOT NULL,
    since     INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, asset_id)
  );
  CREATE TABLE alarm_events (
    id        INTEGER PRIMARY KEY,
    rule_id   TEXT NOT NULL,
    asset_id  TEXT NOT NULL,
    episode   INTEGER NOT NULL,
    change    TEXT NOT NULL,
    priority  INTEGER NOT NULL,
    ts        INTEGER NOT NULL
  );
  CREATE INDEX alarm_events_asset ON alarm_events (asset_id, ts);

  CREATE TABLE work_orders (
    id         TEXT PRIMARY KEY,
    idem_key   TEXT NOT NULL UNIQUE,
    asset_id   TEXT NOT NULL,
    rule_id    TEXT NOT NULL,
    episode    INTEGER NOT NULL,
    priority   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX work_orders_asset ON work_orders (asset_id, created_at);

  -- The outbox: one row per work order and target. Rows are never deleted by delivery.
  CREATE TABLE deliveries (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    TEXT NOT NULL REFERENCES work_orders (id),
    target_id   TEXT NOT NULL,
    asset_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT,
    external_id TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (order_id, target_id)
  );
  CREATE INDEX deliveries_due ON deliveries (state, next_at);
  CREATE INDEX deliveries_order ON deliveries (target_id, asset_id, state, seq);
  `,
  // 2: dead-letter state for deliveries (a rebuild: SQLite cannot alter a CHECK constraint),
  // and the status the CMMS reports back, with its history per order.
  `
  CREATE TABLE deliveries_v2 (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    TEXT NOT NULL REFERENCES work_orders (id),
    target_id   TEXT NOT NULL,
    asset_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT,
    external_id TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (order_id, target_id)
  );
  INSERT INTO deliveries_v2 SELECT seq, order_id, target_id, asset_id, state, attempts, next_at, last_error, external_id, created_at, updated_at, delivered_at FROM deliveries;
  DROP TABLE deliveries;
  ALTER TABLE deliveries_v2 RENAME TO deliveries;
  CREATE INDEX deliveries_due ON deliveries (state, next_at);
  CREATE INDEX deliveries_order ON deliveries (target_id, asset_id, state, seq);
  CREATE INDEX deliveries_external ON deliveries (external_id);

  ALTER TABLE work_orders ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
  ALTER TABLE work_orders ADD COLUMN status_at INTEGER;

  -- Every status report, newest last; the same (order, status, time) reported twice is kept once.
  CREATE TABLE work_order_status (
    id          INTEGER PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES work_orders (id),
    status      TEXT NOT NULL,
    notes       TEXT,
    technician  TEXT,
    at          INTEGER NOT NULL,
    source      TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (order_id, status, at)
  );
  CREATE INDEX work_order_status_order ON work_order_status (order_id, id);
  `,
  // Rules and alarms, issue 5: full alarm state (ack, shelve, out of service, chattering) as JSON,
  // usage meters and their "since last service" baselines.
  `
  ALTER TABLE alarms ADD COLUMN data TEXT;
  CREATE TABLE meters (
    asset_id   TEXT NOT NULL,
    meter_id   TEXT NOT NULL,
    value      REAL NOT NULL,
    running    INTEGER NOT NULL,
    last_ts    INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (asset_id, meter_id)
  );
  CREATE TABLE meter_baselines (
    instance_key TEXT NOT NULL,
    meter_id     TEXT NOT NULL,
    value        REAL NOT NULL,
    PRIMARY KEY (instance_key, meter_id)
  );
  `,
  // 3: an operator's retry restarts the dead-letter clock (`deadLetterAfter` counts from here,
  // not from the order's creation, or an old order retried by hand would die at its first failure).
  `
  ALTER TABLE deliveries ADD COLUMN retry_since INTEGER;
  `,
  // 5: one open order per problem (issue 16). Orders carry their failure-mode group and kind
  // (condition, flood, held); updates of an order are their own rows with their own idempotency
  // key, delivered through the same outbox queue after the order (deliveries keyed by update_seq,
  // 0 for the order itself: a rebuild, SQLite cannot alter a UNIQUE constraint).
  `
  ALTER TABLE work_orders ADD COLUMN group_key TEXT;
  ALTER TABLE work_orders ADD COLUMN kind TEXT NOT NULL DEFAULT 'condition';
  ALTER TABLE work_orders ADD COLUMN current_priority INTEGER;
  ALTER TABLE work_orders ADD COLUMN updates INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE work_orders ADD COLUMN last_update_at INTEGER;
  CREATE INDEX work_orders_group ON work_orders (group_key, created_at);

  CREATE TABLE work_order_updates (
    id         INTEGER PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES work_orders (id),
    seq        INTEGER NOT NULL,
    idem_key   TEXT NOT NULL UNIQUE,
    priority   INTEGER NOT NULL,
    escalated  INTEGER NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (order_id, seq)
  );

  CREATE TABLE deliveries_v3 (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    TEXT NOT NULL REFERENCES work_orders (id),
    update_seq  INTEGER NOT NULL DEFAULT 0,
    target_id   TEXT NOT NULL,
    asset_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT,
    external_id TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    delivered_at INTEGER,
    retry_since INTEGER,
    UNIQUE (order_id, target_id, update_seq)
  );
  INSERT INTO deliveries_v3 (seq, order_id, update_seq, target_id, asset_id, state, attempts, next_at, last_error, external_id, created_at, updated_at, delivered_at, retry_since)
    SELECT seq, order_id, 0, target_id, asset_id, state, attempts, next_at, last_error, external_id, created_at, updated_at, delivered_at, retry_since FROM deliveries;
  DROP TABLE deliveries;
  ALTER TABLE deliveries_v3 RENAME TO deliveries;
  CREATE INDEX deliveries_due ON deliveries (state, next_at);
  CREATE INDEX deliveries_order ON deliveries (target_id, asset_id, state, seq);
  CREATE INDEX deliveries_external ON deliveries (external_id);
  CREATE INDEX deliveries_by_order ON deliveries (order_id, update_seq);
  `,
  // Issue 17, access: local users (scrypt hashes with their parameters), API tokens and session
  // ids (SHA-256 of random 256-bit secrets, never the secrets), and the audit log of every command
  // and rule change (who, when, what, state before and after as JSON).
  `
  CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'technician', 'engineer', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_login_at INTEGER
  );
  CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'technician', 'engineer', 'admin')),
    hash         TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
  );
  CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
  CREATE TABLE sessions (
    hash         TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    idle_ms      INTEGER NOT NULL
  );
  CREATE INDEX sessions_user ON sessions (user_name);
  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after  TEXT
  );
  CREATE INDEX audit_actor ON audit (actor, id);
  CREATE INDEX audit_action ON audit (action, id);
  `,
  // Local tag history and rule versions (issue 17; src/history, gateway/api-rules.ts). Times are
  // whole minutes since the Unix epoch (4 bytes a value where milliseconds take 6). Closed minutes
  // go to a journal ordered by time (cheap appends) until their 20-minute block is complete; a
  // block is then one row of packed 1-minute aggregates (docs/history.md: the layout and why).
  `
  CREATE TABLE history_tags (
    id       INTEGER PRIMARY KEY,
    asset_id TEXT NOT NULL,
    tag_id   TEXT NOT NULL,
    UNIQUE (asset_id, tag_id)
  );
  CREATE TABLE history_journal (
    minute      INTEGER NOT NULL,
    tag         INTEGER NOT NULL,
    min_value   REAL NOT NULL,
    max_value   REAL NOT NULL,
    sum_value   REAL NOT NULL,
    count       INTEGER NOT NULL,
    last_value  REAL NOT NULL,
    last_at     INTEGER NOT NULL,
    PRIMARY KEY (minute, tag)
  ) WITHOUT ROWID;
  CREATE TABLE history_blocks (
    start INTEGER NOT NULL,
    tag   INTEGER NOT NULL,
    data  BLOB NOT NULL,
    UNIQUE (start, tag)
  );
  CREATE TABLE history_hours (
    hour        INTEGER NOT NULL,
    tag         INTEGER NOT NULL,
    min_value   REAL NOT NULL,
    max_value   REAL NOT NULL,
    sum_value   REAL NOT NULL,
    count       INTEGER NOT NULL,
    last_value  REAL NOT NULL,
    last_at     INTEGER NOT NULL,
    PRIMARY KEY (hour, tag)
  ) WITHOUT ROWID;

  -- Every version of a rule file saved through the API (and the file as it was before the first).
  CREATE TABLE rule_versions (
    id      INTEGER PRIMARY KEY,
    file    TEXT NOT NULL,
    version TEXT NOT NULL,
    yaml    TEXT NOT NULL,
    action  TEXT NOT NULL,
    actor   TEXT NOT NULL,
    at      INTEGER NOT NULL
  );
  CREATE INDEX rule_versions_file ON rule_versions (file, id);
  `,
  // Tag features (issue 16, staleness and trends): window buckets, daily values, EWMA and CUSUM
  // state and learned reporting intervals, saved periodically and at shutdown, restored when the
  // rules that read them load, so that a restart is not a new start. One row per tag and feature
  // (`window:86400000`, `daily:14`, `interval`, ...); `state` is the feature's own Float64Array.
  `
  CREATE TABLE feature_state (
    tag_key   TEXT NOT NULL,
    feature   TEXT NOT NULL,
    state     BLOB NOT NULL,
    saved_at  INTEGER NOT NULL,
    PRIMARY KEY (tag_key, feature)
  );
  `,
  // Deliveries are found by order through the UNIQUE (order_id, target_id, update_seq) index;
  // a second index by (order_id, update_seq) cost an insert per delivery and served no query alone.
  `
  DROP INDEX IF EXISTS deliveries_by_order;
  `,
];
