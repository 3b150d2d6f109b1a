-- Photos uploaded with reports and updates, stored in the database so that one backup holds
-- everything; and the updates department systems posted through Open311, recorded so that a
-- repeated update_id is answered without acting twice.

CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BLOB NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE open311_updates (
    key_id     BIGINT NOT NULL,
    update_id  TEXT NOT NULL,
    case_id    BIGINT NOT NULL,
    seq        INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, update_id)
);
