"""User authentication: password hashing, access tokens and login throttling."""
