-- Undo 0010: the record of errors read from failures.
DROP TABLE IF EXISTS failure_errors;
