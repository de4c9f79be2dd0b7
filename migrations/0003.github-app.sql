-- The GitHub App side: installations, repositories and their settings, webhook
-- deliveries with their processing history, and what Grimoire posted back.
-- depends: 0002.job-queue

CREATE TABLE installations (
    id            bigint PRIMARY KEY,              -- GitHub's installation id
    account_login text NOT NULL,
    account_id    bigint,
    account_type  text,
    target_type   text,
    permissions   jsonb NOT NULL DEFAULT '{}',
    events        jsonb NOT NULL DEFAULT '[]',
    suspended_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE repositories (
    id               bigint PRIMARY KEY,           -- GitHub's repository id
    installation_id  bigint NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    full_name        text NOT NULL,
    private          boolean NOT NULL DEFAULT false,
    added_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repositories_full_name ON repositories (lower(full_name));
CREATE INDEX repositories_installation ON repositories (installation_id);

CREATE TYPE annotation_level AS ENUM ('notice', 'warning', 'failure');

-- Keyed by repository id and deliberately not tied to `repositories`: a maintainer's
-- choices survive an uninstall and come back with a reinstall.
CREATE TABLE repository_settings (
    repository_id        bigint PRIMARY KEY,
    enabled              boolean NOT NULL DEFAULT true,
    auto_generate        boolean NOT NULL DEFAULT false,
    min_score            double precision CHECK (min_score BETWEEN 0 AND 1),
    max_annotations      integer NOT NULL DEFAULT 50 CHECK (max_annotations BETWEEN 0 AND 1000),
    annotation_level     annotation_level NOT NULL DEFAULT 'warning',
    ignore_paths         text[] NOT NULL DEFAULT '{}',
    post_when_no_match   boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           bigint REFERENCES users (id) ON DELETE SET NULL
);

CREATE TYPE delivery_status AS ENUM ('queued', 'processing', 'done', 'failed', 'ignored');

CREATE TABLE deliveries (
    delivery_id      text PRIMARY KEY,             -- X-GitHub-Delivery, the idempotency key
    event            text NOT NULL,
    action           text,
    installation_id  bigint,
    repository       text,
    headers          jsonb NOT NULL,
    payload          jsonb NOT NULL,
    status           delivery_status NOT NULL DEFAULT 'queued',
    attempts         integer NOT NULL DEFAULT 0,
    -- Handlers that succeeded in attempts after this one are not run again on a retry;
    -- a redelivery moves it forward so that everything runs afresh.
    fresh_after_attempt  integer NOT NULL DEFAULT 0,
    last_error       text,
    received_at      timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    duration_ms      double precision
);
CREATE INDEX deliveries_received ON deliveries (received_at DESC);
CREATE INDEX deliveries_event ON deliveries (event, received_at DESC);
CREATE INDEX deliveries_status ON deliveries (status, received_at DESC);
CREATE INDEX deliveries_repository ON deliveries (lower(repository), received_at DESC);

-- Every status a delivery went through after it was queued (queued itself is received_at).
CREATE TABLE delivery_transitions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  text NOT NULL REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
    status       delivery_status NOT NULL,
    attempt      integer NOT NULL,
    detail       text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_transitions_delivery ON delivery_transitions (delivery_id, id);

CREATE TYPE handler_outcome AS ENUM ('ok', 'failed', 'retry');

CREATE TABLE handler_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  text NOT NULL REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    handler      text NOT NULL,
    outcome      handler_outcome NOT NULL,
    error        text,
    duration_ms  double precision NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handler_runs_delivery ON handler_runs (delivery_id, id);

CREATE TABLE github_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  text NOT NULL REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    handler      text,
    method       text NOT NULL,
    url          text NOT NULL,
    status       integer,
    duration_ms  double precision NOT NULL,
    error        text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX github_requests_delivery ON github_requests (delivery_id, id);
