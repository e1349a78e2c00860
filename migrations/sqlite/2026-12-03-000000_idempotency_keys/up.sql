-- The idempotency keys of keyed API batches (`Idempotency-Key`): one row per route and key,
-- claimed by a request (`claimant`, at `claimed_at`, seconds since the Unix epoch) and, once its
-- batch is committed, holding its answer (`status`, `response`) in the same transaction. A retry
-- with the same key and fingerprint is answered from it. Keys are kept 24 hours, deleted by a
-- later keyed batch.
CREATE TABLE idempotency_keys (
    route TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    claimant TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    status INTEGER,
    response TEXT,
    PRIMARY KEY (route, idempotency_key)
);

CREATE INDEX idempotency_keys_claimed_at ON idempotency_keys (claimed_at);
