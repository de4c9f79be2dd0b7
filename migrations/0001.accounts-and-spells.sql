-- Accounts, tokens and the spellbook: the ground every other feature stands on.
-- depends:

CREATE TABLE app_secrets (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE user_role AS ENUM ('admin', 'curator');

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL,
    password_hash  text NOT NULL,
    role           user_role NOT NULL DEFAULT 'curator',
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Logged-out tokens stay refused until they would have expired anyway.
CREATE TABLE revoked_tokens (
    jti         uuid PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- Failed logins per account (lower-cased email), shared by every web process.
CREATE TABLE login_failures (
    email         text PRIMARY KEY,
    failures      integer NOT NULL,
    last_failed   timestamptz NOT NULL,
    locked_until  timestamptz
);

CREATE TYPE spell_status AS ENUM ('approved', 'draft');
CREATE TYPE spell_scope AS ENUM ('log', 'diff');

CREATE TABLE spells (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key             text NOT NULL UNIQUE,
    title           text NOT NULL,
    description     text NOT NULL DEFAULT '',
    error_type      text,
    error_pattern   text NOT NULL,
    solution_code   text NOT NULL,
    tags            text NOT NULL DEFAULT '',
    ecosystem       text,
    scope           spell_scope NOT NULL DEFAULT 'log',
    status          spell_status NOT NULL DEFAULT 'approved',
    examples        jsonb NOT NULL DEFAULT '[]',
    auto_generated  boolean NOT NULL DEFAULT false,
    confidence      double precision CHECK (confidence BETWEEN 0 AND 1),
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(error_type, '')), 'A') ||
        setweight(to_tsvector('english', replace(coalesce(tags, ''), ',', ' ')), 'B') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'C')
    ) STORED
);
CREATE INDEX spells_search ON spells USING gin (search);

-- Every spell has a key, so an exported spellbook re-imports without duplicates.
CREATE FUNCTION default_spell_key() RETURNS trigger AS $$
BEGIN
    IF NEW.key IS NULL THEN
        NEW.key := 'spell.' || NEW.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER spells_default_key
BEFORE INSERT ON spells
FOR EACH ROW EXECUTE FUNCTION default_spell_key();
CREATE INDEX spells_error_type ON spells (lower(error_type));
CREATE INDEX spells_status ON spells (status);
CREATE INDEX spells_tags ON spells USING gin (string_to_array(lower(replace(tags, ' ', '')), ','));

-- One number that changes whenever the spellbook does, so every process can tell
-- cheaply whether its compiled index is stale; NOTIFY lets listeners skip the poll.
CREATE TABLE spellbook_version (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version    bigint NOT NULL
);
INSERT INTO spellbook_version (version) VALUES (1);

CREATE FUNCTION bump_spellbook_version() RETURNS trigger AS $$
BEGIN
    UPDATE spellbook_version SET version = version + 1;
    PERFORM pg_notify('grimoire_spellbook', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER spells_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON spells
FOR EACH STATEMENT EXECUTE FUNCTION bump_spellbook_version();
