"""Loopback fakes of the services Grimoire talks to."""
