DROP TABLE IF EXISTS spell_votes;
DROP TABLE IF EXISTS advice_run_spells;
DROP TABLE IF EXISTS advice_annotations;
DROP TABLE IF EXISTS advice_runs;
