-- Trust: contributors whose spells wait for a curator, proposed changes, a revision row
-- for every change to a spell, and accounts an admin can deactivate (revoking tokens).
-- depends: 0005.commit-runs

-- Both enum values may also be added by another migration; either order works. They
-- cannot be used in this transaction (PostgreSQL forbids using a value added in the same
-- transaction), so nothing below names them outside function bodies.
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'contributor';
ALTER TYPE spell_status ADD VALUE IF NOT EXISTS 'rejected';

-- No default role: every path that creates an account must say which role it gets, so a
-- forgotten argument fails loudly instead of creating a curator.
ALTER TABLE users ALTER COLUMN role DROP DEFAULT;
-- Tokens carry the generation they were issued in; bumping it (deactivation, password
-- change) revokes every earlier token in every process at once.
ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0;

-- A spell's revision number: bumped by a trigger on every change to its content, so a
-- proposal can tell whether the spell changed since it was written.
ALTER TABLE spells ADD COLUMN revision integer NOT NULL DEFAULT 1;

CREATE TYPE spell_change AS ENUM (
    'create', 'edit', 'approve', 'reject', 'restore', 'proposal', 'delete'
);
CREATE TYPE change_source AS ENUM ('api', 'import', 'seed', 'llm', 'migration', 'sql');

-- The history of every spell. Deliberately not tied to `spells`: it outlives a deleted
-- spell, which can then be restored from it.
CREATE TABLE spell_revisions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    spell_id     bigint NOT NULL,
    revision     integer NOT NULL,
    change       spell_change NOT NULL,
    source       change_source NOT NULL,
    actor_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    proposal_id  bigint,
    reason       text,
    changes      jsonb NOT NULL,   -- {field: {"before": ..., "after": ...}}
    snapshot     jsonb NOT NULL,   -- the content after the change (before it, for a delete)
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (spell_id, revision)
);

-- What a revision records: every column a person or an import can change (a new one
-- belongs here too). Service columns (ids, times, the search vector, the revision
-- number itself) are left out; naming the columns rather than converting the whole row
-- also spares converting the search vector on every write.
CREATE FUNCTION spell_content(spell spells) RETURNS jsonb AS $$
    SELECT jsonb_build_object(
        'key', spell.key, 'title', spell.title, 'description', spell.description,
        'error_type', spell.error_type, 'error_pattern', spell.error_pattern,
        'solution_code', spell.solution_code, 'tags', spell.tags,
        'ecosystem', spell.ecosystem, 'scope', spell.scope, 'status', spell.status,
        'examples', spell.examples, 'auto_generated', spell.auto_generated,
        'confidence', spell.confidence
    );
$$ LANGUAGE sql STABLE;

CREATE FUNCTION number_spell_revision() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A restored (re-inserted) spell continues its old history.
        NEW.revision := coalesce(
            (SELECT max(revision) FROM spell_revisions WHERE spell_id = NEW.id), 0) + 1;
    ELSIF spell_content(NEW) IS DISTINCT FROM spell_content(OLD) THEN
        NEW.revision := OLD.revision + 1;
    ELSE
        NEW.revision := OLD.revision;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER spells_number_revision
BEFORE INSERT OR UPDATE ON spells
FOR EACH ROW EXECUTE FUNCTION number_spell_revision();

-- Who and why come from transaction-local settings that `db.revisions.attribute` sets;
-- a write that did not set them (hand-written SQL) is still recorded, as source 'sql'.
CREATE FUNCTION record_spell_revision() RETURNS trigger AS $$
DECLARE
    before jsonb := CASE WHEN TG_OP <> 'INSERT' THEN spell_content(OLD) END;
    after jsonb := CASE WHEN TG_OP <> 'DELETE' THEN spell_content(NEW) END;
    diff jsonb;
    kind text := nullif(current_setting('grimoire.change', true), '');
BEGIN
    IF TG_OP = 'UPDATE' AND before = after THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(jsonb_object_agg(
               field, jsonb_build_object('before', before -> field, 'after', after -> field)
           ), '{}'::jsonb)
      INTO diff
      FROM jsonb_object_keys(coalesce(after, before)) AS field
     -- A missing side (create, delete) reads as JSON null; null to null is no change.
     WHERE coalesce(before -> field, 'null') IS DISTINCT FROM coalesce(after -> field, 'null');
    INSERT INTO spell_revisions
        (spell_id, revision, change, source, actor_id, proposal_id, reason, changes, snapshot)
    VALUES (
        CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
        CASE WHEN TG_OP = 'DELETE' THEN OLD.revision + 1 ELSE NEW.revision END,
        coalesce(kind, CASE TG_OP WHEN 'INSERT' THEN 'create'
                                  WHEN 'UPDATE' THEN 'edit'
                                  ELSE 'delete' END)::spell_change,
        coalesce(nullif(current_setting('grimoire.source', true), ''), 'sql')::change_source,
        nullif(current_setting('grimoire.actor_id', true), '')::bigint,
        nullif(current_setting('grimoire.proposal_id', true), '')::bigint,
        nullif(current_setting('grimoire.reason', true), ''),
        diff,
        coalesce(after, before)
    );
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER spells_record_revision
AFTER INSERT OR UPDATE OR DELETE ON spells
FOR EACH ROW EXECUTE FUNCTION record_spell_revision();

-- The spells that exist already start their history here.
INSERT INTO spell_revisions (spell_id, revision, change, source, reason, changes, snapshot)
SELECT id, revision, 'create', 'migration', 'history begins',
       (SELECT coalesce(jsonb_object_agg(
                   field, jsonb_build_object('before', NULL, 'after', value)), '{}'::jsonb)
          FROM jsonb_each(spell_content(spells)) AS entry (field, value)
         WHERE value <> 'null'),
       spell_content(spells)
  FROM spells;

CREATE TYPE proposal_status AS ENUM ('open', 'approved', 'rejected');

-- A change someone proposed to a spell, waiting for a curator.
CREATE TABLE spell_proposals (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    spell_id         bigint NOT NULL REFERENCES spells (id) ON DELETE CASCADE,
    base_revision    integer NOT NULL,   -- the spell's revision the proposal was written on
    changes          jsonb NOT NULL,     -- the fields to set, as a PATCH would send them
    reason           text,
    status           proposal_status NOT NULL DEFAULT 'open',
    proposed_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    decided_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at       timestamptz,
    decision_reason  text,
    applied_revision integer
);
CREATE INDEX spell_proposals_spell ON spell_proposals (spell_id, id);
CREATE INDEX spell_proposals_open ON spell_proposals (id) WHERE status = 'open';
