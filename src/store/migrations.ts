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
];
