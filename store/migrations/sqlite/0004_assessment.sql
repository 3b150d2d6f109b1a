-- Assessment kept in the database: the versions of the assessment schemes stored by an
-- administrator (a version is never changed once stored; the schemes defined in code are
-- version 0), the one-vote-veto entries against units for a month, and the bottom-up evaluations
-- (下对上) communities give the units that served them in a month.

CREATE TABLE assessment_schemes (
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    valid_from BIGINT NOT NULL,
    body       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE assessment_vetoes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id         TEXT NOT NULL,
    unit_path       TEXT NOT NULL,
    period          TEXT NOT NULL,
    item            TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    media           TEXT NOT NULL,
    document        TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    withdrawn_by    TEXT,
    withdrawn_at    BIGINT,
    withdraw_reason TEXT
);
CREATE INDEX assessment_vetoes_period ON assessment_vetoes(period, unit_path);

CREATE TABLE assessment_evaluations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    period      TEXT NOT NULL,
    community   TEXT NOT NULL,
    target      TEXT NOT NULL,
    target_path TEXT NOT NULL,
    score       REAL NOT NULL,
    level       TEXT NOT NULL,
    comment     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (period, community, target)
);
CREATE INDEX assessment_evaluations_target ON assessment_evaluations(period, target_path);
