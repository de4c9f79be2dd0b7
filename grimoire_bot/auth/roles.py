"""Account roles, from least to most trusted."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    # What signup creates: may write drafts and propose changes, never change what is posted.
    CONTRIBUTOR = "contributor"
    # Reviews drafts and proposals and edits spells directly.
    CURATOR = "curator"
    # Everything, including accounts and webhook deliveries.
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank
