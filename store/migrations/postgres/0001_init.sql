-- CivicGrid schema, PostgreSQL dialect. Every timestamp is BIGINT microseconds since the Unix epoch
-- (UTC), the same in both dialects, so event hashes and comparisons never depend on a driver's
-- time handling. JSON bodies are TEXT so their bytes stay exactly as written (hash chains).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    parent     TEXT REFERENCES units(id),
    path       TEXT COLLATE "C" NOT NULL UNIQUE,
    dept_kind  TEXT NOT NULL DEFAULT '',
    territory  TEXT NOT NULL DEFAULT '',
    grid_type  TEXT NOT NULL DEFAULT '',
    geometry   TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    worker_type   TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE grants (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    PRIMARY KEY (user_id, role, unit_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id         BIGSERIAL PRIMARY KEY,
    key_hash   TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    unit_id    TEXT NOT NULL REFERENCES units(id),
    role       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE matter_types (
    code       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE responsibilities (
    matter_code TEXT NOT NULL,
    scope       TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (matter_code, scope)
);

CREATE TABLE admissions (
    scope       TEXT NOT NULL,
    matter_code TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scope, matter_code)
);

CREATE TABLE calendar_hours (
    id   INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE calendar_days (
    date TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT ''
);

CREATE TABLE cases (
    id              BIGSERIAL PRIMARY KEY,
    tracking_code   TEXT NOT NULL UNIQUE,
    idempotency_key TEXT UNIQUE,
    state           TEXT NOT NULL,
    matter_code     TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    grid            TEXT NOT NULL DEFAULT '',
    territory_path  TEXT COLLATE "C" NOT NULL,
    originator_path TEXT COLLATE "C" NOT NULL,
    assignee        TEXT NOT NULL DEFAULT '',
    assignee_path   TEXT COLLATE "C" NOT NULL DEFAULT '',
    light           TEXT NOT NULL DEFAULT 'green',
    overdue         BOOLEAN NOT NULL DEFAULT FALSE,
    lon             DOUBLE PRECISION,
    lat             DOUBLE PRECISION,
    reported_at     BIGINT NOT NULL,
    closed_at       BIGINT,
    updated_at      BIGINT NOT NULL,
    seq             INTEGER NOT NULL,
    last_hash       TEXT NOT NULL,
    body            TEXT NOT NULL
);
CREATE INDEX cases_state ON cases(state, id);
CREATE INDEX cases_territory ON cases(territory_path);
CREATE INDEX cases_assignee ON cases(assignee_path);
CREATE INDEX cases_originator ON cases(originator_path);
CREATE INDEX cases_dup ON cases(matter_code, reported_at);
CREATE INDEX cases_updated ON cases(updated_at);

CREATE TABLE case_events (
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    seq             INTEGER NOT NULL,
    action          TEXT NOT NULL,
    actor_user_id   BIGINT NOT NULL DEFAULT 0,
    actor_name      TEXT NOT NULL,
    actor_role      TEXT NOT NULL,
    actor_unit      TEXT NOT NULL DEFAULT '',
    actor_unit_path TEXT NOT NULL DEFAULT '',
    at              BIGINT NOT NULL,
    from_state      TEXT NOT NULL,
    to_state        TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '',
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE INDEX case_events_at ON case_events(at);

-- Units that take part in a case beyond its territory, originator and assignee (assisting units,
-- units summoned by a whistle): they may read the case too.
CREATE TABLE case_parties (
    case_id   BIGINT NOT NULL REFERENCES cases(id),
    unit_path TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (case_id, unit_path)
);
CREATE INDEX case_parties_path ON case_parties(unit_path, case_id);

-- Pending deadline marks. A row is deleted in the same transaction that appends its warn or
-- overdue event, which is what makes each mark fire exactly once.
CREATE TABLE timers (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    clock   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    due_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, clock, kind)
);
CREATE INDEX timers_due ON timers(due_at);

CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_id   BIGINT NOT NULL DEFAULT 0,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    object    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
