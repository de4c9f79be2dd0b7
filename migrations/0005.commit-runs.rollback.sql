-- Undo 0005: the per-commit runs' records (the runs on GitHub stay as they are).
DROP TABLE IF EXISTS commit_run_annotations;
DROP TABLE IF EXISTS advised_spells;
DROP TABLE IF EXISTS advised_errors;
DROP TABLE IF EXISTS advised_sources;
DROP TABLE IF EXISTS commit_runs;
DROP TYPE IF EXISTS annotation_state;
DROP TYPE IF EXISTS advice_source_kind;
