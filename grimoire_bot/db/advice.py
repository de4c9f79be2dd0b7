"""SQL for the advice Grimoire posted (runs, annotations, spells offered) and the votes on it."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

RUN_COLUMNS = (
    "id, repository_id, repository, head_sha, external_id, source_name, source_url, "
    "source_job_url, workflow_run_url, check_run_id, check_run_url, title, summary, "
    "voted_spell_id"
)
# How strongly votes move the ranking: a repository's own votes count most.
REPOSITORY_VOTE_SCALE = 2.0
GLOBAL_VOTE_SCALE = 6.0
REPOSITORY_WEIGHT = 0.6
GLOBAL_WEIGHT = 0.4


@asynccontextmanager
async def source_lock(pool: asyncpg.Pool, key: str) -> AsyncIterator[asyncpg.Connection]:
    """Serialise work on one source run across every worker process.

    A session-level advisory lock, released however the holder ends (a killed worker's
    connection closes and the lock goes with it).
    """
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
        try:
            yield conn
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)


async def get_run_by_check_run(
    conn: asyncpg.Connection, check_run_id: int
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {RUN_COLUMNS} FROM advice_runs WHERE check_run_id = $1", check_run_id
    )


async def get_run_by_id(conn: asyncpg.Connection, advice_run_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {RUN_COLUMNS} FROM advice_runs WHERE id = $1", advice_run_id
    )


async def runs_for_head(
    conn: asyncpg.Connection, repository_id: int, head_sha: str
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {RUN_COLUMNS} FROM advice_runs WHERE repository_id = $1 AND head_sha = $2 "
        "ORDER BY id",
        repository_id,
        head_sha,
    )


@dataclass(frozen=True)
class RunRecord:
    repository_id: int
    repository: str
    head_sha: str
    external_id: str
    source_name: str
    source_url: str | None
    source_job_url: str | None
    workflow_run_url: str | None
    check_run_id: int | None
    check_run_url: str | None
    title: str
    summary: str
    voted_spell_id: int | None


async def save_run(conn: asyncpg.Connection, run: RunRecord) -> int:
    return await conn.fetchval(
        """
        INSERT INTO advice_runs
            (repository_id, repository, head_sha, external_id, source_name, source_url,
             source_job_url, workflow_run_url, check_run_id, check_run_url, title, summary,
             voted_spell_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        ON CONFLICT (repository_id, external_id) DO UPDATE SET
            check_run_id = coalesce(EXCLUDED.check_run_id, advice_runs.check_run_id),
            check_run_url = coalesce(EXCLUDED.check_run_url, advice_runs.check_run_url),
            title = EXCLUDED.title, summary = EXCLUDED.summary,
            voted_spell_id = EXCLUDED.voted_spell_id, updated_at = now()
        RETURNING id
        """,
        run.repository_id,
        run.repository,
        run.head_sha,
        run.external_id,
        run.source_name,
        run.source_url,
        run.source_job_url,
        run.workflow_run_url,
        run.check_run_id,
        run.check_run_url,
        run.title,
        run.summary,
        run.voted_spell_id,
    )


@dataclass(frozen=True)
class PostedAnnotation:
    advice_run_id: int
    jobs: tuple[str, ...]


async def posted_annotations(
    conn: asyncpg.Connection, repository_id: int, head_sha: str
) -> dict[tuple[str, int, int], PostedAnnotation]:
    rows = await conn.fetch(
        "SELECT path, start_line, spell_id, advice_run_id, jobs FROM advice_annotations "
        "WHERE repository_id = $1 AND head_sha = $2",
        repository_id,
        head_sha,
    )
    return {
        (r["path"], r["start_line"], r["spell_id"]): PostedAnnotation(
            r["advice_run_id"], tuple(r["jobs"])
        )
        for r in rows
    }


async def record_annotations(
    conn: asyncpg.Connection,
    repository_id: int,
    head_sha: str,
    advice_run_id: int,
    keys: Iterable[tuple[str, int, int]],
    jobs: Iterable[str],
) -> None:
    job_list = list(jobs)
    await conn.executemany(
        """
        INSERT INTO advice_annotations
            (repository_id, head_sha, path, start_line, spell_id, advice_run_id, jobs)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT DO NOTHING
        """,
        [
            (repository_id, head_sha, path, line, spell_id, advice_run_id, job_list)
            for path, line, spell_id in keys
        ],
    )


async def add_job_to_annotations(
    conn: asyncpg.Connection,
    repository_id: int,
    head_sha: str,
    keys: Iterable[tuple[str, int, int]],
    job: str,
) -> None:
    await conn.executemany(
        """
        UPDATE advice_annotations SET jobs = array_append(jobs, $6)
        WHERE repository_id = $1 AND head_sha = $2 AND path = $3 AND start_line = $4
          AND spell_id = $5 AND NOT ($6 = ANY (jobs))
        """,
        [(repository_id, head_sha, path, line, spell_id, job) for path, line, spell_id in keys],
    )


async def folded_jobs_for_run(conn: asyncpg.Connection, advice_run_id: int) -> list[str]:
    """Every job whose errors are annotated on this run (its own first)."""
    rows = await conn.fetch(
        "SELECT DISTINCT unnest(jobs) AS job FROM advice_annotations WHERE advice_run_id = $1",
        advice_run_id,
    )
    return sorted(r["job"] for r in rows)


async def record_run_spells(
    conn: asyncpg.Connection, advice_run_id: int, scores: Mapping[int, float]
) -> None:
    await conn.executemany(
        """
        INSERT INTO advice_run_spells (advice_run_id, spell_id, score) VALUES ($1, $2, $3)
        ON CONFLICT (advice_run_id, spell_id) DO UPDATE SET score = EXCLUDED.score
        """,
        [(advice_run_id, spell_id, score) for spell_id, score in scores.items()],
    )


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


async def vote_tally(
    conn: asyncpg.Connection, spell_id: int, repository_id: int
) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE vote > 0) AS up, count(*) FILTER (WHERE vote < 0) AS down "
        "FROM spell_votes WHERE spell_id = $1 AND repository_id = $2",
        spell_id,
        repository_id,
    )
    return row["up"], row["down"]


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
    return dict(
        await conn.fetchrow(
            """
            SELECT
              (SELECT count(*) FROM spell_votes WHERE spell_id = $1 AND vote > 0) AS helpful,
              (SELECT count(*) FROM spell_votes WHERE spell_id = $1 AND vote < 0) AS not_relevant,
              (SELECT count(*) FROM advice_run_spells WHERE spell_id = $1) AS matches,
              (SELECT max(matched_at) FROM advice_run_spells WHERE spell_id = $1)
                  AS last_matched_at
            """,
            spell_id,
        )
    )
