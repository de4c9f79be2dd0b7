"""The advice Grimoire posts on pull requests: read a failure, match it, compose and publish."""
