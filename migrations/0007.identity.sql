-- Trust: GitHub identities linked to accounts and what GitHub says each may do on our
-- repositories, `.github/grimoire.yml` files read from GitHub, and per-address limits.
-- depends: 0006.roles-and-review

-- Accounts created by GitHub sign-in are contributors (the roles migration adds the same
-- value; IF NOT EXISTS lets either run first).
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'contributor';

-- One GitHub identity per account. The user's tokens are sealed (AES-GCM, key derived
-- from the token-signing key) and kept only to re-read permissions when the cache below
-- is old; they are dropped as soon as GitHub refuses them.
CREATE TABLE github_identities (
    github_id               bigint PRIMARY KEY,
    user_id                 bigint NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    login                   text NOT NULL,
    access_token            bytea,
    access_expires_at       timestamptz,
    refresh_token           bytea,
    refresh_expires_at      timestamptz,
    permissions_checked_at  timestamptz,
    linked_at               timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE github_permission AS ENUM ('read', 'triage', 'write', 'maintain', 'admin');

-- What GitHub answered for the user's installation repositories, shared by every process
-- until `permissions_checked_at` is too old. Not tied to `repositories`: GitHub may list
-- repositories this deployment has not heard of yet.
CREATE TABLE github_permissions (
    github_id      bigint NOT NULL REFERENCES github_identities (github_id) ON DELETE CASCADE,
    repository_id  bigint NOT NULL,
    permission     github_permission NOT NULL,
    PRIMARY KEY (github_id, repository_id)
);
CREATE INDEX github_permissions_repository ON github_permissions (repository_id);

-- The web flow's `state`: single use (deleted when used), expiring, bound to the browser
-- that started it by a cookie whose hash is kept here, and to an account when linking.
CREATE TABLE oauth_states (
    state_hash     bytea PRIMARY KEY,
    binding_hash   bytea NOT NULL,
    code_verifier  text NOT NULL,
    user_id        bigint REFERENCES users (id) ON DELETE CASCADE,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

CREATE TYPE config_file_status AS ENUM ('valid', 'invalid', 'absent', 'unreadable');

-- `.github/grimoire.yml` of a repository, or of an organisation's `.github` repository,
-- as last read from its default branch. `settings` is the last good file's, kept while a
-- newer file is invalid; `etag` makes re-reading an unchanged file a free 304.
CREATE TABLE repository_config_files (
    repository  text NOT NULL,            -- lower(full_name) of the repository holding it
    path        text NOT NULL,
    status      config_file_status NOT NULL,
    etag        text,
    settings    jsonb,
    problems    jsonb NOT NULL DEFAULT '[]',
    checked_at  timestamptz NOT NULL DEFAULT now(),
    stale       boolean NOT NULL DEFAULT false,  -- set by a push to the default branch
    PRIMARY KEY (repository, path)
);

-- Which settings were chosen through the API (the others fall through to the organisation's
-- file and the defaults). Rows written before this migration held every field.
ALTER TABLE repository_settings ADD COLUMN set_fields text[] NOT NULL DEFAULT
    '{enabled,auto_generate,min_score,max_annotations,annotation_level,ignore_paths,post_when_no_match}';
ALTER TABLE repository_settings ALTER COLUMN set_fields SET DEFAULT '{}';

-- Fixed-window request counters per client address, shared by every web process.
-- UNLOGGED: a crash forgets a few minutes of counts, and every request writes here.
CREATE UNLOGGED TABLE client_hits (
    scope         text NOT NULL,
    address       text NOT NULL,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL,
    PRIMARY KEY (scope, address, window_start)
);
CREATE INDEX client_hits_window_start ON client_hits (window_start);
