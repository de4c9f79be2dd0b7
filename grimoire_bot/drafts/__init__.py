"""Spells drafted by an LLM for errors no spell matches: the policy around the model.

`policy` decides when to draft (AUTO_CREATE_SPELLS, the repository's `auto_generate`, the
daily budgets, once per fingerprint across every worker, never again after a rejection),
asks through `grimoire_bot.llm`, and records every outcome; `validate` judges the answer;
`render` is the pure Markdown of the pull-request section that shows the drafts,
`history` reads back what a delivery was shown, `runs` is what the posting path asks of
drafting (draft after posting, the section of every update); `command` is
`python -m grimoire_bot draft`.
"""

from .history import shown_drafts_for_delivery
from .policy import (
    AiDraft,
    DraftDeps,
    DraftOutcome,
    DraftSite,
    OutcomeKind,
    draft_error,
    draft_for_unmatched,
    open_draft_deps,
    preview_draft,
    unmatched_errors,
)
from .render import ShownDraft, render_ai_drafts_section, shown_drafts
from .runs import RunDrafts

__all__ = [
    "AiDraft",
    "DraftDeps",
    "DraftOutcome",
    "DraftSite",
    "OutcomeKind",
    "RunDrafts",
    "ShownDraft",
    "draft_error",
    "draft_for_unmatched",
    "open_draft_deps",
    "preview_draft",
    "render_ai_drafts_section",
    "shown_drafts",
    "shown_drafts_for_delivery",
    "unmatched_errors",
]
