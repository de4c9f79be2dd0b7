-- The curator console signs people in with a server-side session: a random id in an
-- HttpOnly cookie, stored here only as its hash, so every web process accepts it and
-- signing out, deactivation or a password change ends it everywhere at once.
-- depends: 0010.failure-errors

CREATE TABLE console_sessions (
    id_hash           bytea PRIMARY KEY,          -- sha256 of the cookie's value
    user_id           bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_generation  integer NOT NULL,           -- the account's when it signed in
    csrf_token        text NOT NULL,              -- sent back with every form and fetch
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
