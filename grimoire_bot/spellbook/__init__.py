"""Grimoire's starter spellbook, shipped as data."""
