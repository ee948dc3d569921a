-- OrderEngine schema for PostgreSQL. The engine runs this on every start (every statement is idempotent); operators who
-- create tables themselves can run it by hand. The journal and snapshot tables are Akka.Persistence.Sql's
-- (1.5.73, default table mapping), plus the index its own table creation leaves out: without it every entity
-- recovery scans the whole journal, and two writers could store the same sequence number of one entity.

CREATE TABLE IF NOT EXISTS journal (
    ordering bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT "PK_journal" PRIMARY KEY,
    created bigint NOT NULL,
    deleted boolean NOT NULL,
    persistence_id text NOT NULL,
    sequence_number bigint NOT NULL,
    message bytea NOT NULL,
    tags text,
    manifest text,
    identifier integer,
    writer_uuid text
);
CREATE UNIQUE INDEX IF NOT EXISTS journal_persistence_id_sequence_number ON journal (persistence_id, sequence_number);

CREATE TABLE IF NOT EXISTS snapshot (
    persistence_id text NOT NULL,
    sequence_number bigint NOT NULL,
    created bigint NOT NULL,
    snapshot bytea,
    manifest text,
    serializer_id integer,
    CONSTRAINT "PK_snapshot" PRIMARY KEY (persistence_id, sequence_number)
);

-- Read models built by OrderEngine's projections.
CREATE TABLE IF NOT EXISTS projection_offsets (name VARCHAR(64) PRIMARY KEY, last_offset BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS order_deadlines (
    order_id VARCHAR(64) PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS order_deadlines_due_at ON order_deadlines (due_at);
CREATE TABLE IF NOT EXISTS channel_orders (
    channel VARCHAR(32) NOT NULL,
    external_id VARCHAR(128) NOT NULL,
    order_id VARCHAR(64) NOT NULL,
    placed_at BIGINT NOT NULL,
    PRIMARY KEY (channel, external_id));
CREATE INDEX IF NOT EXISTS channel_orders_placed_at ON channel_orders (channel, placed_at);

-- Channel intake: records that could not be taken in, kept whole with the reason, and per-channel counters.
CREATE TABLE IF NOT EXISTS quarantine (
    id VARCHAR(40) PRIMARY KEY,
    channel VARCHAR(32) NOT NULL,
    source TEXT NOT NULL,
    external_id VARCHAR(128),
    reason TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    resolved_at BIGINT);
CREATE INDEX IF NOT EXISTS quarantine_channel ON quarantine (channel, received_at);
-- Who last retried a quarantined record, and when (the retry endpoint; listed with the record). A table of its own,
-- not columns added to quarantine: SQLite has no ADD COLUMN IF NOT EXISTS, and CREATE TABLE IF NOT EXISTS runs the
-- same on a new database and on one an earlier version created, on both engines.
CREATE TABLE IF NOT EXISTS quarantine_retries (
    id VARCHAR(40) PRIMARY KEY,
    retried_by TEXT NOT NULL,
    retried_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS channel_stats (
    channel VARCHAR(32) PRIMARY KEY,
    received BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    last_seen BIGINT NOT NULL);

-- Complaint cases, by due time (built by the "cases" projection from the case events; overdue is computed when read).
CREATE TABLE IF NOT EXISTS cases (
    case_id VARCHAR(64) PRIMARY KEY,
    order_id VARCHAR(64) NOT NULL,
    type VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL,
    due_at BIGINT NOT NULL,
    assignee VARCHAR(100),
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS cases_status_due ON cases (status, due_at);
CREATE INDEX IF NOT EXISTS cases_order ON cases (order_id, due_at);
CREATE INDEX IF NOT EXISTS cases_due ON cases (due_at);
-- Outbound webhooks: subscriptions (configuration, written by the API) and the outbox of deliveries, one row per
-- (event, subscription), written by the webhook projection together with its offset; the dispatcher sends the due ones.
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id VARCHAR(40) PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id VARCHAR(40) PRIMARY KEY,
    subscription_id VARCHAR(40) NOT NULL,
    event_id VARCHAR(40) NOT NULL,
    event_type VARCHAR(32) NOT NULL,
    order_id VARCHAR(64),
    body TEXT NOT NULL,
    status VARCHAR(16) NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_subscription ON webhook_deliveries (subscription_id, status);
-- The webhook projection starts where the journal ends when it first meets a database (a subscription only receives
-- events that happen after it exists, so an upgraded engine does not read its whole history once for nothing). This
-- runs before the engine writes anything; later starts leave the offset as it is.
INSERT INTO projection_offsets (name, last_offset) SELECT 'webhooks', COALESCE(MAX(ordering), 0) FROM journal
    ON CONFLICT (name) DO NOTHING;
-- The order deadline projection's offset was kept as 'orders' before the read side had an orders table of its own.
INSERT INTO projection_offsets (name, last_offset) SELECT 'order-deadlines', last_offset FROM projection_offsets WHERE name = 'orders' ON CONFLICT (name) DO NOTHING;
DELETE FROM projection_offsets WHERE name = 'orders';
-- The read side (built by the "read-orders" and "read-stock" projections from the journal; see docs/reports.md).
-- Money is exact, in 1/10,000 of the currency (*_e4); times are unix milliseconds (UTC); day = days since 1970-01-01
-- UTC of the order's placed_at. Columns past the shared list (base_status .. delivery_fulfilment, shipped_units,
-- of_payment, lines) are what the projection needs to carry an order's status and refunds from one batch to the next.
CREATE TABLE IF NOT EXISTS read_orders (
    order_id VARCHAR(64) PRIMARY KEY,
    channel VARCHAR(32) NOT NULL,
    external_id VARCHAR(128),
    customer_id VARCHAR(128) NOT NULL,
    country VARCHAR(8),
    currency VARCHAR(3) NOT NULL,
    status VARCHAR(24) NOT NULL,
    total_e4 BIGINT NOT NULL,
    refunded_e4 BIGINT NOT NULL,
    units INTEGER NOT NULL,
    payment_method VARCHAR(24) NOT NULL,
    placed_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    paid_at BIGINT,
    shipped_at BIGINT,
    delivered_at BIGINT,
    updated_at BIGINT NOT NULL,
    base_status VARCHAR(24) NOT NULL,
    payment_ref VARCHAR(300),
    shipping_held INTEGER NOT NULL,
    open_shipments INTEGER NOT NULL,
    delivered_shipments INTEGER NOT NULL,
    delivery_fulfilment VARCHAR(16));
CREATE INDEX IF NOT EXISTS read_orders_placed ON read_orders (placed_at, order_id);
CREATE INDEX IF NOT EXISTS read_orders_status ON read_orders (status, placed_at, order_id);
CREATE INDEX IF NOT EXISTS read_orders_channel ON read_orders (channel, placed_at, order_id);
CREATE INDEX IF NOT EXISTS read_orders_customer ON read_orders (customer_id, placed_at, order_id);
-- Sales by customer over a date range (GET /api/reports/sales?groupBy=customer&from=…): the paid orders in customer
-- order with every column the report sums, so it reads this index alone and groups without sorting.
CREATE INDEX IF NOT EXISTS read_orders_paid_by_customer ON read_orders (customer_id, currency, placed_at, units, total_e4, refunded_e4)
    WHERE paid_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS read_order_lines (
    order_id VARCHAR(64) NOT NULL,
    line_no INTEGER NOT NULL,
    sku VARCHAR(128) NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_e4 BIGINT NOT NULL,
    line_total_e4 BIGINT NOT NULL,
    refunded_units INTEGER NOT NULL,
    placed_at BIGINT NOT NULL,
    shipped_units INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no));
CREATE INDEX IF NOT EXISTS read_order_lines_sku ON read_order_lines (sku, placed_at, order_id);
CREATE TABLE IF NOT EXISTS read_refunds (
    order_id VARCHAR(64) NOT NULL,
    refund_id VARCHAR(64) NOT NULL,
    amount_e4 BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    requested_at BIGINT NOT NULL,
    settled_at BIGINT,
    of_payment INTEGER NOT NULL,
    lines TEXT NOT NULL,
    PRIMARY KEY (order_id, refund_id));
CREATE TABLE IF NOT EXISTS sales_daily (
    day INTEGER NOT NULL,
    channel VARCHAR(32) NOT NULL,
    country VARCHAR(8) NOT NULL,
    currency VARCHAR(3) NOT NULL,
    payment_method VARCHAR(24) NOT NULL,
    orders INTEGER NOT NULL,
    units INTEGER NOT NULL,
    revenue_e4 BIGINT NOT NULL,
    refunded_e4 BIGINT NOT NULL,
    PRIMARY KEY (day, channel, country, currency, payment_method));
CREATE TABLE IF NOT EXISTS sales_by_sku (
    day INTEGER NOT NULL,
    sku VARCHAR(128) NOT NULL,
    currency VARCHAR(3) NOT NULL,
    orders INTEGER NOT NULL,
    units INTEGER NOT NULL,
    revenue_e4 BIGINT NOT NULL,
    refunded_units INTEGER NOT NULL,
    refunded_e4 BIGINT NOT NULL,
    PRIMARY KEY (day, sku, currency));
-- Sales by SKU (groupBy=sku): a SKU's days side by side with every summed column; the report reads this index alone.
CREATE INDEX IF NOT EXISTS sales_by_sku_sku ON sales_by_sku (sku, currency, day, orders, units, revenue_e4, refunded_e4);
CREATE TABLE IF NOT EXISTS sales_by_customer (
    customer_id VARCHAR(128) NOT NULL,
    currency VARCHAR(3) NOT NULL,
    orders INTEGER NOT NULL,
    units INTEGER NOT NULL,
    revenue_e4 BIGINT NOT NULL,
    refunded_e4 BIGINT NOT NULL,
    first_order_at BIGINT,
    last_order_at BIGINT,
    PRIMARY KEY (customer_id, currency));
CREATE TABLE IF NOT EXISTS stock_levels (
    sku VARCHAR(128) PRIMARY KEY,
    on_hand BIGINT NOT NULL,
    reserved BIGINT NOT NULL,
    sold BIGINT NOT NULL,
    available BIGINT NOT NULL,
    updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS stock_daily (
    sku VARCHAR(128) NOT NULL,
    day INTEGER NOT NULL,
    units_sold INTEGER NOT NULL,
    PRIMARY KEY (sku, day));
-- Low-stock alerts, the latest per SKU (built by the "stock-alerts" projection from the stock events): state 'open' from
-- LowStockRaised until LowStockCleared, then 'cleared'. available and threshold are the figures when it was raised.
CREATE TABLE IF NOT EXISTS stock_alerts (
    sku VARCHAR(64) PRIMARY KEY,
    state VARCHAR(16) NOT NULL,
    available BIGINT NOT NULL,
    threshold BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    cleared_at BIGINT,
    updated_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS stock_alerts_state ON stock_alerts (state, sku);
-- Each SKU's own alert threshold and replenishment settings (same projection); NULL: the configured default applies.
CREATE TABLE IF NOT EXISTS stock_settings (
    sku VARCHAR(64) PRIMARY KEY,
    low_stock_below BIGINT,
    lead_time_days INTEGER,
    service_level_e4 INTEGER,
    safety_stock BIGINT,
    review_days INTEGER,
    updated_at BIGINT NOT NULL);
-- API keys (docs/security.md): the SHA-256 of each key, never the key itself (it is shown once, when created). A revoked
-- key keeps its row (revoked_at set), so the list still shows it and its id is never reused.
CREATE TABLE IF NOT EXISTS api_keys (
    id VARCHAR(40) PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    roles TEXT NOT NULL,
    hash VARCHAR(64) NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT);
-- Personal data (docs/security.md, "Personal data"): one AES-256 key per customer; the personal fields of its events are
-- sealed with it. Erasing a customer's personal data sets key_material to NULL (the key is gone, the events stay and their
-- personal fields no longer open); erased_at is when. A customer keyed again after an erasure gets a new key (created_at).
CREATE TABLE IF NOT EXISTS customer_keys (
    customer_id VARCHAR(128) PRIMARY KEY,
    key_material VARCHAR(200),
    created_at BIGINT NOT NULL,
    erased_at BIGINT);
CREATE INDEX IF NOT EXISTS customer_keys_erased ON customer_keys (erased_at);
-- The audit of erasures: who asked, when, for which customer, and how many keys it destroyed (0: none was left).
CREATE TABLE IF NOT EXISTS personal_data_erasures (
    id VARCHAR(64) PRIMARY KEY,
    customer_id VARCHAR(128) NOT NULL,
    erased_at BIGINT NOT NULL,
    erased_by VARCHAR(200) NOT NULL,
    keys_destroyed INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS personal_data_erasures_customer ON personal_data_erasures (customer_id, erased_at);
-- Secrets the engine makes for itself when none is configured (docs/security.md, "Personal data"): e.g. the secret of
-- the pseudonymous customer ids derived from buyers' emails. The first node inserts (ON CONFLICT DO NOTHING), every node
-- reads back the stored value, so one cluster agrees.
CREATE TABLE IF NOT EXISTS engine_secrets (
    name VARCHAR(64) PRIMARY KEY,
    value VARCHAR(200) NOT NULL,
    created_at BIGINT NOT NULL);
-- The customers a quarantined record belongs to (docs/security.md, "The quarantine and the inbox"): the customer id its
-- adapter gives, when it can be read, and the pseudonymous email: id of every email address in its payload. A record's
-- payload is sealed with its own key (customer_keys, id 'quarantine/{id}'); erasing any of its customers overwrites the
-- payload and destroys that key.
CREATE TABLE IF NOT EXISTS quarantine_subjects (
    customer_id VARCHAR(128) NOT NULL,
    quarantine_id VARCHAR(40) NOT NULL,
    PRIMARY KEY (customer_id, quarantine_id));
