-- Enum values cannot be dropped: 'contributor' and 'rejected' stay, unused by older code
-- only if no row holds them (demote contributors and delete rejected spells first).
DROP TABLE IF EXISTS spell_proposals;
DROP TYPE IF EXISTS proposal_status;
DROP TRIGGER IF EXISTS spells_record_revision ON spells;
DROP TRIGGER IF EXISTS spells_number_revision ON spells;
DROP FUNCTION IF EXISTS record_spell_revision();
DROP FUNCTION IF EXISTS number_spell_revision();
DROP FUNCTION IF EXISTS spell_content(spells);
DROP TABLE IF EXISTS spell_revisions;
DROP TYPE IF EXISTS change_source;
DROP TYPE IF EXISTS spell_change;
ALTER TABLE spells DROP COLUMN IF EXISTS revision;
ALTER TABLE users DROP COLUMN IF EXISTS token_generation;
ALTER TABLE users ALTER COLUMN role SET DEFAULT 'curator';
