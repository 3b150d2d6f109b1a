-- Roll-ups: the indicators' counts kept up to date as events are appended, so that a day-aligned
-- period is added up from a few rows instead of folding every case history (docs/indicators.md,
-- "Roll-ups"). rollups holds, per unit, counter, day and period condition, the sum of what every
-- case contributes; rollup_cases holds what each case contributes now, so that its next event can
-- replace it exactly. A database that already holds cases is filled by the rebuild that migrate
-- runs after this migration (the mark below asks for it); until then the indicators are folded
-- from the histories.

CREATE TABLE rollups (
    day     INTEGER NOT NULL,
    unit    TEXT NOT NULL,
    counter INTEGER NOT NULL,
    alo     INTEGER NOT NULL,
    blo     INTEGER NOT NULL,
    bhi     INTEGER NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (day, unit, counter, alo, blo, bhi)
) WITHOUT ROWID;

CREATE TABLE rollup_cases (
    case_id BIGINT PRIMARY KEY,
    items   TEXT NOT NULL
);

INSERT INTO meta (key, value) SELECT 'rollups_rebuild', '1' WHERE EXISTS (SELECT 1 FROM cases);
