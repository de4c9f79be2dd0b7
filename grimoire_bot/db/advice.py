"""SQL for the advice Grimoire posts: one run per commit, what it advised, and the votes on it.

A commit's run is rebuilt from these rows at every update, under the commit's advisory
lock, so concurrent workers never lose each other's advice. The tables of migration 0004
(runs per failed job) only keep the runs posted before one run per commit; they are read
for the spells' statistics and never written.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

COMMIT_RUN_COLUMNS = (
    "id, repository_id, repository, head_sha, external_id, check_run_id, check_run_url, "
    "create_attempted, title, summary, voted_spell_id"
)
# How strongly votes move the ranking: a repository's own votes count most.
REPOSITORY_VOTE_SCALE = 2.0
GLOBAL_VOTE_SCALE = 6.0
REPOSITORY_WEIGHT = 0.6
GLOBAL_WEIGHT = 0.4


@dataclass(frozen=True)
class StoredSpell:
    id: int
    score: float
    title: str = ""  # filled when loading: the spell as it reads now
    solution_code: str = ""


@dataclass(frozen=True)
class StoredError:
    message: str
    error_type: str | None
    file: str | None
    line: int | None
    column: int | None
    fingerprint: str
    details: str
    log_line: int | None
    spells: tuple[StoredSpell, ...]  # best first


@dataclass(frozen=True)
class StoredSource:
    key: str
    kind: str  # 'job' | 'diff'
    name: str
    html_url: str | None
    source_url: str | None
    job_url: str | None
    log_truncated: bool
    errors_found: int
    errors: tuple[StoredError, ...]


@dataclass(frozen=True)
class StoredAnnotation:
    path: str
    line: int
    spell_id: int
    title: str
    sending: bool


# ------------------------------------------------------------------ the commit's run


@asynccontextmanager
async def commit_lock(
    pool: asyncpg.Pool, repository_id: int, head_sha: str
) -> AsyncIterator[asyncpg.Connection]:
    """Serialise everything posted on one commit across every worker process.

    A session-level advisory lock, released however the holder ends (a killed worker's
    connection closes and the lock goes with it).
    """
    key = f"advice:{repository_id}:{head_sha}"
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
        try:
            yield conn
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)


async def get_commit_run(
    conn: asyncpg.Connection, repository_id: int, head_sha: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {COMMIT_RUN_COLUMNS} FROM commit_runs WHERE repository_id = $1 AND head_sha = $2",
        repository_id,
        head_sha,
    )


async def get_commit_run_by_check_run(
    conn: asyncpg.Connection, check_run_id: int
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {COMMIT_RUN_COLUMNS} FROM commit_runs WHERE check_run_id = $1", check_run_id
    )


async def ensure_commit_run(
    conn: asyncpg.Connection, repository_id: int, repository: str, head_sha: str, external_id: str
) -> asyncpg.Record:
    return await conn.fetchrow(
        f"""
        INSERT INTO commit_runs (repository_id, repository, head_sha, external_id)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (repository_id, head_sha) DO UPDATE SET repository = EXCLUDED.repository
        RETURNING {COMMIT_RUN_COLUMNS}
        """,
        repository_id,
        repository,
        head_sha,
        external_id,
    )


async def mark_create_attempted(conn: asyncpg.Connection, commit_run_id: int) -> None:
    """Before the POST: from now on the run may exist on GitHub without our knowing its id."""
    await conn.execute(
        "UPDATE commit_runs SET create_attempted = true, updated_at = now() WHERE id = $1",
        commit_run_id,
    )


async def set_check_run(
    conn: asyncpg.Connection, commit_run_id: int, check_run_id: int, check_run_url: str
) -> None:
    await conn.execute(
        "UPDATE commit_runs SET check_run_id = $2, check_run_url = $3, create_attempted = true, "
        "updated_at = now() WHERE id = $1",
        commit_run_id,
        check_run_id,
        check_run_url,
    )


async def record_render(
    conn: asyncpg.Connection,
    commit_run_id: int,
    *,
    title: str,
    summary: str,
    voted_spell_id: int | None,
) -> None:
    """What GitHub now shows: a later update that would send the same is skipped."""
    await conn.execute(
        "UPDATE commit_runs SET title = $2, summary = $3, voted_spell_id = $4, "
        "updated_at = now() WHERE id = $1",
        commit_run_id,
        title,
        summary,
        voted_spell_id,
    )


# ------------------------------------------------------------------ what was advised


async def save_source(conn: asyncpg.Connection, commit_run_id: int, source: StoredSource) -> None:
    """Store what was advised on one source, replacing what was stored for it before."""
    async with conn.transaction():
        source_id = await conn.fetchval(
            """
            INSERT INTO advised_sources
                (commit_run_id, key, kind, name, html_url, source_url, job_url,
                 log_truncated, errors_found)
            VALUES ($1, $2, $3::advice_source_kind, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (commit_run_id, key) DO UPDATE SET
                name = EXCLUDED.name, html_url = EXCLUDED.html_url,
                source_url = EXCLUDED.source_url, job_url = EXCLUDED.job_url,
                log_truncated = EXCLUDED.log_truncated, errors_found = EXCLUDED.errors_found,
                advised_at = now()
            RETURNING id
            """,
            commit_run_id,
            source.key,
            source.kind,
            source.name,
            source.html_url,
            source.source_url,
            source.job_url,
            source.log_truncated,
            source.errors_found,
        )
        await conn.execute("DELETE FROM advised_errors WHERE source_id = $1", source_id)
        await conn.executemany(
            """
            INSERT INTO advised_errors
                (source_id, position, message, error_type, file, line, "column", fingerprint,
                 details, log_line)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            [
                (
                    source_id,
                    position,
                    error.message,
                    error.error_type,
                    error.file,
                    error.line,
                    error.column,
                    error.fingerprint,
                    error.details,
                    error.log_line,
                )
                for position, error in enumerate(source.errors)
            ],
        )
        # A spell deleted since it was matched is simply not stored.
        await conn.executemany(
            """
            INSERT INTO advised_spells (source_id, position, rank, spell_id, score)
            SELECT $1, $2, $3, id, $5 FROM spells WHERE id = $4
            """,
            [
                (source_id, position, rank, spell.id, spell.score)
                for position, error in enumerate(source.errors)
                for rank, spell in enumerate(error.spells)
            ],
        )


async def keep_only_jobs(conn: asyncpg.Connection, commit_run_id: int, keys: Iterable[str]) -> None:
    """After a re-check: forget the failed jobs that no longer fail."""
    await conn.execute(
        "DELETE FROM advised_sources "
        "WHERE commit_run_id = $1 AND kind = 'job' AND NOT (key = ANY($2))",
        commit_run_id,
        list(keys),
    )


async def load_sources(
    conn: asyncpg.Connection, commit_run_id: int, postable: Sequence[str]
) -> list[StoredSource]:
    """Every source of the commit's run, in the order first advised, with the spells
    offered for each error as they read now, if their status is still `postable` (an error
    left without one is left out)."""
    sources = await conn.fetch(
        "SELECT id, key, kind::text AS kind, name, html_url, source_url, job_url, "
        "log_truncated, errors_found FROM advised_sources WHERE commit_run_id = $1 ORDER BY id",
        commit_run_id,
    )
    errors = await conn.fetch(
        """
        SELECT e.source_id, e.position, e.message, e.error_type, e.file, e.line,
               e."column", e.fingerprint, e.details, e.log_line
        FROM advised_errors e JOIN advised_sources s ON s.id = e.source_id
        WHERE s.commit_run_id = $1 ORDER BY e.source_id, e.position
        """,
        commit_run_id,
    )
    spells = await conn.fetch(
        """
        SELECT a.source_id, a.position, a.spell_id, a.score, sp.title, sp.solution_code
        FROM advised_spells a
        JOIN advised_sources s ON s.id = a.source_id
        JOIN spells sp ON sp.id = a.spell_id AND sp.status::text = ANY($2::text[])
        WHERE s.commit_run_id = $1 ORDER BY a.source_id, a.position, a.rank
        """,
        commit_run_id,
        list(postable),
    )
    offered: dict[tuple[int, int], list[StoredSpell]] = {}
    for row in spells:
        offered.setdefault((row["source_id"], row["position"]), []).append(
            StoredSpell(row["spell_id"], row["score"], row["title"], row["solution_code"])
        )
    by_source: dict[int, list[StoredError]] = {}
    for row in errors:
        found = offered.get((row["source_id"], row["position"]))
        if found:
            by_source.setdefault(row["source_id"], []).append(_stored_error(row, found))
    return [
        StoredSource(
            key=row["key"],
            kind=row["kind"],
            name=row["name"],
            html_url=row["html_url"],
            source_url=row["source_url"],
            job_url=row["job_url"],
            log_truncated=row["log_truncated"],
            errors_found=row["errors_found"],
            errors=tuple(by_source.get(row["id"], ())),
        )
        for row in sources
    ]


def _stored_error(row: asyncpg.Record, spells: Sequence[StoredSpell]) -> StoredError:
    return StoredError(
        message=row["message"],
        error_type=row["error_type"],
        file=row["file"],
        line=row["line"],
        column=row["column"],
        fingerprint=row["fingerprint"],
        details=row["details"],
        log_line=row["log_line"],
        spells=tuple(spells),
    )


# ------------------------------------------------------------------ annotations


async def held_annotations(conn: asyncpg.Connection, commit_run_id: int) -> list[StoredAnnotation]:
    rows = await conn.fetch(
        "SELECT path, start_line, spell_id, title, state::text AS state "
        "FROM commit_run_annotations WHERE commit_run_id = $1 ORDER BY posted_at, path, start_line",
        commit_run_id,
    )
    return [
        StoredAnnotation(
            r["path"], r["start_line"], r["spell_id"], r["title"], r["state"] != "posted"
        )
        for r in rows
    ]


async def mark_sending(
    conn: asyncpg.Connection, commit_run_id: int, annotations: Iterable[StoredAnnotation]
) -> None:
    """Before a request that appends annotations: if its answer is lost, the next attempt
    knows to ask GitHub which of them it holds instead of sending them again."""
    await conn.executemany(
        """
        INSERT INTO commit_run_annotations (commit_run_id, path, start_line, spell_id, title)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
        """,
        [(commit_run_id, a.path, a.line, a.spell_id, a.title) for a in annotations],
    )


async def mark_posted(
    conn: asyncpg.Connection, commit_run_id: int, places: Iterable[tuple[str, int]]
) -> None:
    await conn.executemany(
        "UPDATE commit_run_annotations SET state = 'posted' "
        "WHERE commit_run_id = $1 AND path = $2 AND start_line = $3",
        [(commit_run_id, path, line) for path, line in places],
    )


async def forget_annotations(
    conn: asyncpg.Connection, commit_run_id: int, places: Iterable[tuple[str, int]]
) -> None:
    """Sent but never applied: the places are free to be planned again."""
    await conn.executemany(
        "DELETE FROM commit_run_annotations "
        "WHERE commit_run_id = $1 AND path = $2 AND start_line = $3",
        [(commit_run_id, path, line) for path, line in places],
    )


# ------------------------------------------------------------------ votes


async def record_vote(
    conn: asyncpg.Connection,
    *,
    spell_id: int,
    repository_id: int,
    voter_id: int,
    voter_login: str,
    vote: int,
    check_run_id: int | None,
) -> None:
    await conn.execute(
        """
        INSERT INTO spell_votes
            (spell_id, repository_id, voter_id, voter_login, vote, check_run_id)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (spell_id, repository_id, voter_id) DO UPDATE SET
            vote = EXCLUDED.vote, voter_login = EXCLUDED.voter_login,
            check_run_id = EXCLUDED.check_run_id, voted_at = now()
        """,
        spell_id,
        repository_id,
        voter_id,
        voter_login,
        vote,
        check_run_id,
    )


async def vote_tallies(
    conn: asyncpg.Connection, repository_id: int, spell_ids: Iterable[int]
) -> dict[int, tuple[int, int]]:
    """(helpful, not relevant) votes in this repository, for each spell that has any."""
    rows = await conn.fetch(
        """
        SELECT spell_id, count(*) FILTER (WHERE vote > 0) AS up,
               count(*) FILTER (WHERE vote < 0) AS down
        FROM spell_votes WHERE repository_id = $1 AND spell_id = ANY($2) GROUP BY spell_id
        """,
        repository_id,
        list(spell_ids),
    )
    return {r["spell_id"]: (r["up"], r["down"]) for r in rows}


async def feedback_scores(conn: asyncpg.Connection, repository_id: int | None) -> dict[int, float]:
    """Each voted spell's feedback in [-1, 1]: this repository's votes, then everyone's."""
    rows = await conn.fetch(
        """
        SELECT spell_id,
               coalesce(sum(vote) FILTER (WHERE repository_id = $1), 0) AS here,
               sum(vote) AS everywhere
        FROM spell_votes GROUP BY spell_id
        """,
        repository_id,
    )
    return {
        r["spell_id"]: max(
            -1.0,
            min(
                1.0,
                REPOSITORY_WEIGHT * math.tanh(r["here"] / REPOSITORY_VOTE_SCALE)
                + GLOBAL_WEIGHT * math.tanh(r["everywhere"] / GLOBAL_VOTE_SCALE),
            ),
        )
        for r in rows
    }


async def spell_stats(conn: asyncpg.Connection, spell_id: int) -> dict[str, Any]:
    """Votes on a spell and how many runs offered it (per-job runs from before one run per
    commit count too)."""
    return dict(
        await conn.fetchrow(
            """
            WITH offered AS (
                SELECT DISTINCT s.commit_run_id, s.advised_at
                FROM advised_spells a JOIN advised_sources s ON s.id = a.source_id
                WHERE a.spell_id = $1
            ), per_run AS (
                SELECT commit_run_id, max(advised_at) AS at FROM offered GROUP BY commit_run_id
            )
            SELECT
              (SELECT count(*) FROM spell_votes WHERE spell_id = $1 AND vote > 0) AS helpful,
              (SELECT count(*) FROM spell_votes WHERE spell_id = $1 AND vote < 0) AS not_relevant,
              (SELECT count(*) FROM advice_run_spells WHERE spell_id = $1)
                + (SELECT count(*) FROM per_run) AS matches,
              greatest(
                (SELECT max(matched_at) FROM advice_run_spells WHERE spell_id = $1),
                (SELECT max(at) FROM per_run)
              ) AS last_matched_at
            """,
            spell_id,
        )
    )
