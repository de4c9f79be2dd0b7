"""The one typed object every event handler receives alongside the gidgethub Event."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from grimoire_bot.advice.collect import GitHubReader, LocalReader
from grimoire_bot.advice.diffs import DiffReader, FileDiffReader, GitHubDiffReader
from grimoire_bot.advice.pipeline import AdviceDeps
from grimoire_bot.advice.publish import ConsolePublisher, GitHubPublisher
from grimoire_bot.db.deliveries import GitHubRequest
from grimoire_bot.drafts import DraftDeps, RunDrafts
from grimoire_bot.github.app import GitHubApp
from grimoire_bot.github.client import GitHubClient, RequestRecord
from grimoire_bot.github.trees import TreeCache
from grimoire_bot.matcher import Matcher
from grimoire_bot.redaction import Redactor
from grimoire_bot.reranking import Reranker
from grimoire_bot.settings import Settings


@dataclass
class HandlerContext:
    settings: Settings
    pool: asyncpg.Pool
    github_app: GitHubApp
    delivery_id: str
    installation_id: int | None
    matcher: Matcher
    attempt: int = 1
    # The process's cache of commits' file lists, and its drafting (None: not set up).
    trees: TreeCache | None = None
    drafts: DraftDeps | None = None
    # `receive --dry-run`: read from the payload and this log, print instead of posting.
    dry_run: bool = False
    log_path: Path | None = None
    # Set by the dispatcher around each handler, so requests are attributed to it.
    current_handler: str | None = None
    requests: list[GitHubRequest] = field(default_factory=list)
    _client: GitHubClient | None = field(default=None, repr=False)

    def _record(self, record: RequestRecord) -> None:
        self.requests.append(
            GitHubRequest(
                handler=self.current_handler,
                method=record.method,
                url=record.url,
                status=record.status,
                duration_ms=record.duration_ms,
                error=record.error,
            )
        )

    async def github(self) -> GitHubClient:
        """A client authenticated as the delivery's installation, minted on first use."""
        if self.dry_run:
            raise RuntimeError("a dry run never talks to GitHub")
        if self._client is None:
            if self.installation_id is None:
                raise ValueError("this delivery carries no installation to act as")
            self._client = await self.github_app.installation_client(
                self.installation_id, on_request=self._record
            )
        return self._client

    def forget_token(self) -> None:
        """After a 401: drop the cached token so the next attempt mints a fresh one."""
        if self.installation_id is not None and self.github_app.tokens is not None:
            self.github_app.tokens.invalidate(self.installation_id)
        self._client = None

    def run_drafts(self) -> RunDrafts | None:
        """AI drafts for this delivery's run, when this deployment drafts at all."""
        drafts = self.drafts
        if drafts is None or drafts.provider is None or not self.settings.auto_create_spells:
            return None
        return RunDrafts(drafts, installation_id=self.installation_id, delivery_id=self.delivery_id)

    def reranker(self) -> Reranker | None:
        """Reranking for this delivery's run, when LLM_RERANK is on with a provider."""
        drafts = self.drafts
        if drafts is None or drafts.provider is None or not self.settings.llm_rerank_enabled:
            return None
        return Reranker(drafts, installation_id=self.installation_id, delivery_id=self.delivery_id)

    async def advice_deps(self) -> AdviceDeps:
        """How advice is read and posted: GitHub for real, files and stdout in a dry run
        (which neither reads a commit's tree nor asks an LLM)."""
        redactor = Redactor(self.settings.secret_values)
        if self.dry_run:
            return AdviceDeps(
                pool=self.pool,
                matcher=self.matcher,
                reader=LocalReader(self.log_path, log_cap_bytes=self.settings.log_cap_bytes),
                publisher=ConsolePublisher(),
                public_url=self.settings.public_url,
                delivery_id=self.delivery_id,
                redactor=redactor,
            )
        gh = await self.github()
        drafter = self.run_drafts()
        return AdviceDeps(
            pool=self.pool,
            matcher=self.matcher,
            reader=GitHubReader(
                gh,
                self.github_app.session,
                log_cap_bytes=self.settings.log_cap_bytes,
                download_cap_bytes=self.settings.log_download_cap_bytes,
            ),
            publisher=GitHubPublisher(
                gh,
                self.pool,
                write_spacing=self.settings.github_write_spacing_seconds,
                extras=drafter,
            ),
            public_url=self.settings.public_url,
            delivery_id=self.delivery_id,
            gh=gh,
            trees=self.trees,
            drafter=drafter,
            reranker=self.reranker(),
            redactor=redactor,
        )

    async def diff_reader(self) -> DiffReader:
        """Where pull request diffs come from: GitHub, or the `--log` file in a dry run."""
        if self.dry_run:
            return FileDiffReader(self.log_path)
        return GitHubDiffReader(await self.github())
