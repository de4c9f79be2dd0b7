"""Asking the LLM which of an uncertain error's candidate spells fits (LLM_RERANK), once per
error and candidate set across every worker, within the drafts' daily budgets.

`advice.rerank` decides which errors are uncertain and what an answer does to their
ranking; this module asks. For each question:

1. A verdict is stored for the error's fingerprint and candidate set: it is reused (the
   model is never asked twice about the same thing).
2. Otherwise one worker claims the row; another that finds it claimed waits for the
   verdict at most one request's timeout, then posts the engine's ranking.
3. The claimer reserves one call and its estimated cost under the daily budgets drafts
   use (global and per installation), asks with a deadline of LLM_TIMEOUT_SECONDS (the
   run waits for it), settles what was spent, and stores the verdict; or records why
   there is none (over budget: asked again by the next failure; provider trouble: after
   a cool-down).

Nothing here raises: whatever goes wrong, the error keeps the engine's ranking.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from grimoire_bot import metrics
from grimoire_bot.advice.rerank import (
    MAX_CANDIDATES,
    Question,
    apply_choice,
    candidate_key,
    is_uncertain,
)
from grimoire_bot.advice.rerank import questions as uncertain_questions
from grimoire_bot.db import llm_budget
from grimoire_bot.db import reranks as db_reranks
from grimoire_bot.drafts.policy import (
    DraftDeps,
    daily_caps,
    over_budget_reason,
    wait_while_claimed,
)
from grimoire_bot.llm import Answer, CallStats, ProviderFailure, cost_usd, deadline, price_for
from grimoire_bot.llm.costs import estimate_tokens
from grimoire_bot.llm.factory import MAX_OUTPUT_TOKENS
from grimoire_bot.llm.rerank_prompt import RERANK_PROMPT_VERSION, build_rerank_prompt
from grimoire_bot.matching import ErrorRecord, Match

# After a provider failure the same question rests this long (a down provider is not
# asked again by every failure).
TRANSIENT_COOL_DOWN_SECONDS = 10 * 60
# A claim older than the request timeout plus this is its holder's no longer.
STALE_CLAIM_MARGIN_SECONDS = 30.0
MAX_REASON_CHARS = 500

logger = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    CHOSEN = "chosen"  # the model picked a candidate
    NONE = "none"  # the model said none of them fits
    INVALID = "invalid"  # the model named something that was not a candidate: as none
    CACHED = "cached"  # an earlier verdict for the same error and candidates applied
    OVER_BUDGET = "over_budget"
    COOLING_DOWN = "cooling_down"
    IN_PROGRESS = "in_progress"  # another worker is asking; the engine's ranking is posted
    UNREADABLE = "unreadable"  # no structured answer could be read
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"
    PROVIDER_ERROR = "provider_error"
    TIMEOUT = "timeout"
    INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str
    decided: bool = False  # a verdict applies; otherwise the engine's ranking stands
    choice: int | None = None  # with a verdict: the spell picked, None for none
    requests: int = 0
    cost_usd: float = 0.0


class RepositoryRef(Protocol):
    @property
    def id(self) -> int: ...


class Reranker:
    """Reranking for one delivery (the process's LLM deps, this delivery's installation)."""

    def __init__(
        self, deps: DraftDeps, *, installation_id: int | None, delivery_id: str | None
    ) -> None:
        self.deps = deps
        self.installation_id = installation_id
        self.delivery_id = delivery_id

    async def rerank(
        self,
        errors: Sequence[ErrorRecord],
        each: Sequence[Sequence[Match]],
        spells: Mapping[int, Mapping[str, Any]],
        repository: RepositoryRef,
    ) -> list[list[Match]]:
        """Each error's spells, reordered (or thinned) where the model settled an uncertain
        ranking; unchanged wherever it did not. Never raises."""
        revisions = {
            spell_id: spell["revision"] for spell_id, spell in spells.items() if "revision" in spell
        }
        asked = [
            dataclasses.replace(
                question,
                revisions=tuple((i, revisions[i]) for i in question.candidates if i in revisions),
            )
            for question in uncertain_questions(errors, each)
        ]
        if not asked:
            return [list(found) for found in each]
        decisions = await asyncio.gather(
            *(self.decide(question, spells, repository.id) for question in asked)
        )
        verdicts = {
            (question.error.fingerprint, question.key): decision
            for question, decision in zip(asked, decisions, strict=True)
            if decision.decided
        }
        reranked = []
        for error, found in zip(errors, each, strict=True):
            candidates = [m.spell_id for m in found[:MAX_CANDIDATES]]
            verdict = verdicts.get((error.fingerprint, candidate_key(candidates, revisions)))
            if verdict is not None and is_uncertain(found):
                found = apply_choice(found, candidates, verdict.choice)
            reranked.append(list(found))
        return reranked

    async def decide(
        self, question: Question, spells: Mapping[int, Mapping[str, Any]], repository_id: int
    ) -> Decision:
        started = time.perf_counter()
        try:
            decision = await self._decide(question, spells, repository_id)
        except Exception:
            # Reranking is an extra: a bug or a lost database never fails the delivery.
            logger.exception("reranking failed", extra={"delivery_id": self.delivery_id})
            decision = Decision(Outcome.INTERNAL_ERROR, "an internal error stopped reranking")
        metrics.LLM_RERANKS.labels(decision.outcome.value).inc()
        logger.info(
            "llm rerank",
            extra={
                "fingerprint": question.error.fingerprint,
                "candidates": question.key,
                "outcome": decision.outcome.value,
                "choice": decision.choice,
                "reason": decision.reason,
                "requests": decision.requests,
                "cost_usd": round(decision.cost_usd, 6),
                "delivery_id": self.delivery_id,
                "ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return decision

    # ------------------------------------------------------------ once per question

    async def _decide(
        self, question: Question, spells: Mapping[int, Mapping[str, Any]], repository_id: int
    ) -> Decision:
        fingerprint, key = question.error.fingerprint, question.key
        pool = self.deps.pool
        async with pool.acquire() as conn:
            known = _from_row(await db_reranks.get_rerank(conn, fingerprint, key))
            if known is not None:
                if known.decided:
                    await db_reranks.count_use(conn, fingerprint, key)
                return known
            asker = db_reranks.Asker(repository_id, self.installation_id, self.delivery_id)
            claim = await db_reranks.claim_rerank(conn, fingerprint, key, self._stale(), asker)
        if claim is None:
            row = await self._wait_for_verdict(fingerprint, key)
            known = _from_row(row)
            if known is not None:
                return known
            return Decision(Outcome.IN_PROGRESS, "another worker is asking about this error")
        try:
            return await self._ask_claimed(question, spells, claim)
        except BaseException:
            # Interrupted (a crash, a cancellation): settle the claim so nobody waits on it.
            try:
                async with pool.acquire() as conn:
                    await db_reranks.mark_failed(
                        conn, fingerprint, key, claim, "interrupted", TRANSIENT_COOL_DOWN_SECONDS
                    )
            except Exception:
                logger.exception("settling an interrupted rerank claim failed")
            raise

    def _stale(self) -> float:
        return self.deps.settings.llm_timeout_seconds + STALE_CLAIM_MARGIN_SECONDS

    async def _wait_for_verdict(self, fingerprint: str, key: str) -> Mapping[str, Any] | None:
        """The row once the other worker's claim ended, or as it stands after one request's
        timeout (the run is not held back longer than its own asking would)."""
        return await wait_while_claimed(
            self.deps.pool,
            lambda conn: db_reranks.get_rerank(conn, fingerprint, key),
            claimed="asking",
            within=self.deps.settings.llm_timeout_seconds,
        )

    # ------------------------------------------------------------ asking, within budget

    async def _ask_claimed(
        self, question: Question, spells: Mapping[int, Mapping[str, Any]], claim: uuid.UUID
    ) -> Decision:
        deps = self.deps
        provider = deps.provider
        fingerprint, key = question.error.fingerprint, question.key
        if provider is None:  # not reached: no Reranker is made without a provider
            return Decision(Outcome.PROVIDER_ERROR, "no LLM provider is configured")
        prompt = build_rerank_prompt(
            question.error, [spells[spell_id] for spell_id in question.candidates], deps.redactor
        )
        price = price_for(provider.model, deps.settings.llm_price_per_mtok)
        # The provider may answer up to MAX_OUTPUT_TOKENS: reserved, then settled to the real.
        reserved = cost_usd(price, estimate_tokens(prompt.system + prompt.user), MAX_OUTPUT_TOKENS)
        # The drafts' caps: a rerank is one call against the same daily counts and dollars.
        caps = daily_caps(self.deps.settings, self.installation_id)
        async with deps.pool.acquire() as conn:
            day, refused = await llm_budget.reserve(conn, caps, drafts=1, cost_usd=reserved)
            if refused is not None:
                reason = await over_budget_reason(conn, refused, reserved, asking="rerank")
                await db_reranks.mark_failed(conn, fingerprint, key, claim, reason, None)
                return Decision(Outcome.OVER_BUDGET, reason)
        stats = CallStats()
        tokens_in = tokens_out = 0
        answer: Answer | None = None
        failure: ProviderFailure | None = None
        try:
            async with deadline(deps.settings.llm_timeout_seconds, stats):
                answer = await provider.ask(prompt)
            tokens_in, tokens_out = answer.tokens_in, answer.tokens_out
        except ProviderFailure as exc:
            failure = exc
            tokens_in, tokens_out = exc.tokens_in, exc.tokens_out
        finally:
            spent = cost_usd(price, tokens_in, tokens_out)
            async with deps.pool.acquire() as conn:
                await llm_budget.settle(
                    conn, day, [cap.installation_id for cap in caps], spent - reserved
                )
            self._count(stats.requests, tokens_in, tokens_out, spent)
        usage = {
            "requests": stats.requests,
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "cost_usd": spent,
        }
        if failure is not None or answer is None or answer.fields is None:
            outcome, reason = _failure(failure, answer)
            reason = deps.redactor.redact(reason)[:MAX_REASON_CHARS]
            async with deps.pool.acquire() as conn:
                await db_reranks.mark_failed(
                    conn, fingerprint, key, claim, reason, TRANSIENT_COOL_DOWN_SECONDS, **usage
                )
            return Decision(outcome, reason, requests=stats.requests, cost_usd=spent)
        verdict = self._verdict(question, answer.fields, **usage)
        async with deps.pool.acquire() as conn:
            await db_reranks.store_verdict(conn, fingerprint, key, claim, verdict)
        if verdict.choice is not None:
            outcome = Outcome.CHOSEN
        else:
            outcome = Outcome.NONE if verdict.valid else Outcome.INVALID
        return Decision(
            outcome,
            verdict.reason,
            decided=True,
            choice=verdict.choice,
            requests=stats.requests,
            cost_usd=spent,
        )

    def _verdict(
        self,
        question: Question,
        fields: Mapping[str, Any],
        *,
        requests: int,
        tokens_in: int,
        tokens_out: int,
        cost_usd: float,
    ) -> db_reranks.Verdict:
        """The answer checked: a choice that is not one of the candidates counts as none."""
        provider = self.deps.provider
        assert provider is not None
        choice = fields.get("choice")
        reason = str(fields.get("reason") or "")
        valid = choice is None or (
            isinstance(choice, int)
            and not isinstance(choice, bool)
            and choice in question.candidates
        )
        if not valid:
            reason = f"the answer named {str(choice)[:40]!r}, not a candidate; taken as none"
        return db_reranks.Verdict(
            choice=choice if valid else None,
            valid=valid,
            reason=self.deps.redactor.redact(reason)[:MAX_REASON_CHARS],
            provider=provider.name,
            model=provider.model,
            prompt_version=RERANK_PROMPT_VERSION,
            requests=requests,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost_usd,
        )

    def _count(self, requests: int, tokens_in: int, tokens_out: int, spent: float) -> None:
        provider = self.deps.provider
        if provider is None or requests == 0:
            return
        labels = (provider.name, provider.model)
        metrics.LLM_CALLS.labels(*labels, "rerank").inc(requests)
        metrics.LLM_TOKENS.labels(*labels, "input").inc(tokens_in)
        metrics.LLM_TOKENS.labels(*labels, "output").inc(tokens_out)
        metrics.LLM_COST.labels(*labels).inc(max(spent, 0.0))


def _from_row(row: Mapping[str, Any] | None) -> Decision | None:
    """What a stored row decides, or None when this worker may ask."""
    if row is None:
        return None
    if row["state"] == "decided":
        return Decision(Outcome.CACHED, row["reason"] or "", decided=True, choice=row["choice"])
    if row["state"] == "failed" and row["cooling"]:
        return Decision(
            Outcome.COOLING_DOWN,
            f"not asked again until {row['retry_after']:%Y-%m-%d %H:%M} UTC; "
            f"the last attempt ended with: {row['reason']}",
        )
    return None


def _failure(failure: ProviderFailure | None, answer: Answer | None) -> tuple[Outcome, str]:
    if failure is not None:
        return Outcome(failure.kind.value), failure.detail
    problem = answer.problem if answer is not None else None
    return Outcome.UNREADABLE, problem or "the answer could not be read"
