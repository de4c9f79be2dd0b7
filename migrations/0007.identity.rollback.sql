-- PostgreSQL cannot drop an enum value: user_role keeps 'contributor'.
DROP TABLE IF EXISTS client_hits;
ALTER TABLE repository_settings DROP COLUMN IF EXISTS set_fields;
DROP TABLE IF EXISTS repository_config_files;
DROP TYPE IF EXISTS config_file_status;
DROP TABLE IF EXISTS oauth_states;
DROP TABLE IF EXISTS github_permissions;
DROP TYPE IF EXISTS github_permission;
DROP TABLE IF EXISTS github_identities;
