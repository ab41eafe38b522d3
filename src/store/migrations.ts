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
];
