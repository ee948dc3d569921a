-- OrderEngine schema for SQLite. The engine runs this on every start (every statement is idempotent); operators who
-- create tables themselves can run it by hand. The journal and snapshot tables are Akka.Persistence.Sql's
-- (1.5.73, default table mapping), plus the index its own table creation leaves out: without it every entity
-- recovery scans the whole journal, and two writers could store the same sequence number of one entity.

CREATE TABLE IF NOT EXISTS [journal]
(
	[ordering]        INTEGER        NOT NULL PRIMARY KEY AUTOINCREMENT,
	[created]         INTEGER        NOT NULL,
	[deleted]         Bit            NOT NULL,
	[persistence_id]  NVarChar(255)  NOT NULL,
	[sequence_number] INTEGER        NOT NULL,
	[message]         VarBinary      NOT NULL,
	[tags]            NVarChar(100)      NULL,
	[manifest]        NVarChar(500)      NULL,
	[identifier]      INTEGER            NULL,
	[writer_uuid]     NVarChar(128)      NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS journal_persistence_id_sequence_number ON journal (persistence_id, sequence_number);

CREATE TABLE IF NOT EXISTS [snapshot]
(
	[persistence_id]  NVarChar(255) NOT NULL,
	[sequence_number] INTEGER       NOT NULL,
	[created]         INTEGER       NOT NULL,
	[snapshot]        VarBinary         NULL,
	[manifest]        NVarChar(500)     NULL,
	[serializer_id]   INTEGER           NULL,

	CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_number])
);

-- Read models built by OrderEngine's projections.
CREATE TABLE IF NOT EXISTS projection_offsets (name VARCHAR(64) PRIMARY KEY, last_offset BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS order_deadlines (
    order_id VARCHAR(64) PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS order_deadlines_due_at ON order_deadlines (due_at);
