"""Prometheus metrics: what every process counts, and what `/metrics` shows.

The metric objects are module-level because that is how prometheus-client is built: a
process has one set of counters whichever code increments them, and its multiprocess mode
(`PROMETHEUS_MULTIPROC_DIR`) shares them between processes of one host through files
keyed by these names. Queue depth and the spellbook's size are read from Postgres at
scrape time instead, so they are the same answer whichever process is asked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Metric,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
NUMERIC_SEGMENT = re.compile(r"^\d+$")
SHA_SEGMENT = re.compile(r"^[0-9a-f]{40}$")
# Path segments that name a thing of the caller's, replaced by a placeholder so that a
# route is one series, not one per repository or check run.
NAMED_AFTER = {"repos": ("{owner}", "{repo}"), "users": ("{user}",), "orgs": ("{org}",)}
CONTENT_TYPE = CONTENT_TYPE_LATEST
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

WEBHOOKS_RECEIVED = Counter(
    "grimoire_webhooks_received",
    "Webhook requests answered by intake, by event and answer.",
    ["event", "status"],
)
DELIVERIES_FINISHED = Counter(
    "grimoire_deliveries_processed",
    "Deliveries a worker finished an attempt at, by event and outcome "
    "(done, failed, ignored, or queued again to retry).",
    ["event", "outcome"],
)
HANDLER_DURATION = Histogram(
    "grimoire_handler_duration_seconds",
    "Time one handler took on one delivery, by handler and outcome.",
    ["handler", "outcome"],
    buckets=DURATION_BUCKETS,
)
GITHUB_REQUESTS = Counter(
    "grimoire_github_requests",
    "Requests sent to GitHub, by method, route and status (0: no answer).",
    ["method", "route", "status"],
)
GITHUB_RATE_LIMIT_REMAINING = Gauge(
    "grimoire_github_rate_limit_remaining",
    "Requests left in the current rate-limit window, as GitHub's last answer said.",
    ["resource"],
    multiprocess_mode="livemin",
)
ERRORS_MATCHED = Counter(
    "grimoire_errors_matched",
    "Errors read from failures, by result: a spell's pattern matched, a near miss "
    "(similar wording or meaning) was offered, or no spell fitted.",
    ["result"],
)
LLM_CALLS = Counter(
    "grimoire_llm_calls",
    "Requests to the LLM provider, by provider, model and outcome.",
    ["provider", "model", "outcome"],
)
LLM_TOKENS = Counter(
    "grimoire_llm_tokens",
    "Tokens sent to (input) and received from (output) the LLM provider.",
    ["provider", "model", "direction"],
)
LLM_COST = Counter(
    "grimoire_llm_cost_usd",
    "Estimated cost of LLM requests in US dollars.",
    ["provider", "model"],
)
LLM_RERANKS = Counter(
    "grimoire_llm_reranks",
    "Uncertain errors whose candidate spells were put to the LLM (LLM_RERANK), by outcome: "
    "chosen, none, invalid (named no candidate), cached (an earlier verdict reused), or why "
    "the engine's ranking stood (over_budget, cooling_down, in_progress, timeout, ...).",
    ["outcome"],
)
SPELLBOOK_COMPILE = Histogram(
    "grimoire_spellbook_compile_seconds",
    "Time to compile the spellbook into this process's matcher.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
SPELLBOOK_COMPILED_SPELLS = Gauge(
    "grimoire_spellbook_compiled_spells",
    "Spells in this process's compiled matcher.",
    multiprocess_mode="liveall",
)


def github_route(url: str) -> str:
    """The REST route of a request URL: `/repos/{owner}/{repo}/check-runs/{id}`."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url).split("?", 1)[0]
    if path.startswith("/api/v3/"):
        path = path[len("/api/v3") :]
    segments = [segment for segment in path.split("/") if segment]
    route: list[str] = []
    index = 0
    while index < len(segments):
        segment = segments[index]
        placeholders = NAMED_AFTER.get(segment)
        if placeholders:
            route.append(segment)
            taken = segments[index + 1 : index + 1 + len(placeholders)]
            route.extend(placeholders[: len(taken)])
            index += 1 + len(taken)
            continue
        if NUMERIC_SEGMENT.match(segment):
            route.append("{id}")
        elif SHA_SEGMENT.match(segment):
            route.append("{sha}")
        else:
            route.append(segment)
        index += 1
    return "/" + "/".join(route)


def observe_github_request(
    method: str, url: str, status: int | None, headers: Iterable[tuple[str, str]] = ()
) -> None:
    GITHUB_REQUESTS.labels(method, github_route(url), str(status or 0)).inc()
    values = {key.lower(): value for key, value in headers}
    remaining = values.get("x-ratelimit-remaining")
    if remaining is not None and remaining.isdigit():
        resource = values.get("x-ratelimit-resource", "core")
        GITHUB_RATE_LIMIT_REMAINING.labels(resource).set(int(remaining))


def mark_this_process_dead() -> None:
    """In multiprocess mode, drop this process's `livemin`/`liveall` gauge files as it exits:
    left behind, a stopped process's last rate-limit reading and spellbook size would be
    reported for ever. Its counters and histograms stay, so the host's totals never drop."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(os.getpid())


class _Excluding:
    """A registry's families except those named: `generate_latest` takes any collector."""

    def __init__(self, registry: CollectorRegistry, names: frozenset[str]) -> None:
        self.registry = registry
        self.names = names

    def collect(self) -> Iterator[Metric]:
        return (family for family in self.registry.collect() if family.name not in self.names)


def render(extra: CollectorRegistry | None = None) -> bytes:
    """The text exposition of this process's metrics (every process of the host's, in
    multiprocess mode), followed by `extra` (the database-derived gauges)."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        # `extra`'s families (the same from any process) are built so that they never reach
        # the shared folder; a folder written by an older version may still hold files of
        # theirs, one per process and labelled by pid: those are left out, so no family comes
        # out twice in one exposition.
        shown = frozenset(f.name for f in extra.collect()) if extra is not None else frozenset()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(_Excluding(registry, shown))  # type: ignore[arg-type]
    else:
        body = generate_latest(REGISTRY)
    if extra is not None:
        body += generate_latest(extra)
    return body
