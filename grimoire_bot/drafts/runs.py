"""AI drafts on a commit's Grimoire run: what the posting path asks of drafting.

After the matched spells are posted, `draft` drafts (or reuses) spells for the errors no
approved spell fits. Every later update of the run, whoever makes it (another job's
delivery, a vote, a re-check), shows the drafts again through `for_commit`, which reads
them back from the database: the errors of the commit that stayed without a spell
(`failure_errors`), the drafts drafting found for them in this repository (`llm_calls`),
and only while nobody has reviewed them.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from grimoire_bot.advice.markdown import md_code, plural
from grimoire_bot.advice.model import ExtraSection
from grimoire_bot.db import failure_errors as db_failure_errors
from grimoire_bot.matching import ErrorRecord

from .policy import AiDraft, DraftDeps, RepositoryRef, draft_for_unmatched
from .render import ShownDraft, render_ai_drafts_section, shown_drafts

REVIEW_QUEUE = "GET /api/spells?status=draft&auto_generated=true"


class RunDrafts:
    """Drafting for one delivery's commit run (the process's `DraftDeps`, this delivery)."""

    def __init__(
        self, deps: DraftDeps, *, installation_id: int | None, delivery_id: str | None
    ) -> None:
        self.deps = deps
        self.installation_id = installation_id
        self.delivery_id = delivery_id

    async def draft(
        self, errors: Sequence[ErrorRecord], repository: RepositoryRef, *, opted_in: bool
    ) -> int:
        """Draft or reuse a spell for `errors` (none of which an approved spell fits) when
        the repository opted in; how many drafts the run can show now. Never raises."""
        outcomes = await draft_for_unmatched(
            self.deps,
            errors,
            repository,
            self.installation_id,
            self.delivery_id,
            opted_in=opted_in,
        )
        return len(shown_drafts(outcomes))

    async def for_commit(
        self, conn: asyncpg.Connection, repository: RepositoryRef, head_sha: str
    ) -> tuple[ExtraSection, ...]:
        """The run's "AI drafts, not reviewed" section, rebuilt from the database."""
        rows = await db_failure_errors.drafts_for_commit(conn, repository.id, head_sha)
        shown = [
            ShownDraft(row["error_message"], _place(row), AiDraft.from_row(row)) for row in rows
        ]
        if not shown:
            return ()
        markdown = render_ai_drafts_section(shown, public_url=self.deps.settings.public_url)
        left_out = (
            f"_{plural(len(shown), 'AI draft')} for errors no spell fits did not fit in this "
            f"summary; curators review drafts at {md_code(REVIEW_QUEUE)}._"
        )
        return (ExtraSection(markdown, left_out),)


def _place(row: asyncpg.Record) -> str | None:
    if row["error_file"] and row["error_line"]:
        return f"{row['error_file']}:{row['error_line']}"
    return row["error_file"]
