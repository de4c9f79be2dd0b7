"""Both providers through their real SDKs, against fake servers speaking each wire format."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from grimoire_bot.llm import (
    FailureKind,
    Provider,
    ProviderFailure,
    Retry,
    build_prompt,
    deadline,
    open_provider,
)
from grimoire_bot.llm.prompt import TOOL_NAME
from grimoire_bot.matching import ErrorRecord, fingerprint
from grimoire_bot.redaction import Redactor
from grimoire_bot.settings import LLMProvider
from tests.conftest import make_settings
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.llm import FakeLLMServer
from tests.fakes.openai import FakeOpenAI

MESSAGE = "ModuleNotFoundError: No module named 'yaml'"
SPELL = {
    "title": "Python: a module is missing from the job's environment",
    "description": "The package is not installed.",
    "error_type": "ModuleNotFoundError",
    "error_pattern": r"ModuleNotFoundError: No module named '[\w.]+'",
    "solution_code": "pip install -r requirements.txt",
    "tags": ["python", "pip"],
    "confidence": 0.8,
}


def error_record(message: str = MESSAGE, context: tuple[str, ...] = ()) -> ErrorRecord:
    return ErrorRecord(
        message=message,
        error_type="ModuleNotFoundError",
        file="app/main.py",
        line=3,
        column=None,
        ecosystem="python",
        context=context,
        fingerprint=fingerprint(message, "ModuleNotFoundError"),
        text=message,
        log_line=10,
    )


@dataclass
class Setup:
    fake: FakeLLMServer
    provider: Provider


@pytest_asyncio.fixture(params=[LLMProvider.OPENAI, LLMProvider.ANTHROPIC])
async def setup(request) -> AsyncIterator[Setup]:
    kind = request.param
    fake_class = FakeOpenAI if kind is LLMProvider.OPENAI else FakeAnthropic
    async with fake_class(timeout_delay=5.0) as fake:
        settings = make_settings(
            llm_provider=kind,
            openai_api_key=FakeOpenAI().api_key,
            anthropic_api_key=FakeAnthropic().api_key,
            openai_base_url=fake.base_url,
            anthropic_base_url=fake.base_url,
            llm_timeout_seconds=0.5,
            llm_max_retries=2,
        )
        provider = open_provider(settings)
        assert provider is not None
        try:
            yield Setup(fake, provider)
        finally:
            await provider.close()


def prompt():
    return build_prompt(error_record(), Redactor())


async def test_a_structured_answer_comes_back(setup: Setup) -> None:
    setup.fake.answer(SPELL)
    answer = await setup.provider.ask(prompt())
    assert answer.fields == SPELL
    assert answer.problem is None
    assert answer.tokens_in > 0 and answer.tokens_out > 0
    assert setup.fake.rejections == []
    [body] = setup.fake.bodies
    if isinstance(setup.fake, FakeOpenAI):
        spec = body["response_format"]
        assert spec["type"] == "json_schema" and spec["json_schema"]["strict"] is True
        assert body["messages"][0]["role"] == "system"
    else:
        assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
        assert body["tools"][0]["input_schema"]["required"]
        assert "untrusted" in body["system"]


async def test_asking_once_more_sends_the_answer_back_with_the_reason(setup: Setup) -> None:
    """The fake Anthropic refuses a tool_use left without its tool_result, as the API does."""
    setup.fake.answer({**SPELL, "error_pattern": "nothing like it"})
    setup.fake.answer(SPELL)
    first = await setup.provider.ask(prompt())
    second = await setup.provider.ask(prompt(), Retry(first, "the pattern does not match"))
    assert second.fields == SPELL
    assert setup.fake.rejections == []
    retry_body = setup.fake.bodies[1]
    assert "the pattern does not match" in str(retry_body["messages"][-1])
    assert "nothing like it" in str(retry_body["messages"][-2])


async def test_a_rate_limit_is_waited_out_as_retry_after_says(setup: Setup) -> None:
    setup.fake.fail(429, retry_after="0.4")
    setup.fake.answer(SPELL)
    started = time.monotonic()
    async with deadline(10) as stats:
        answer = await setup.provider.ask(prompt())
    assert answer.fields == SPELL
    assert time.monotonic() - started >= 0.4
    assert stats.requests == 2 == len(setup.fake.requests)


async def test_a_retry_after_past_the_deadline_gives_up_at_once(setup: Setup) -> None:
    """The Anthropic SDK would sleep as long as the server asks (an hour here)."""
    setup.fake.fail(429, retry_after="3600")
    started = time.monotonic()
    with pytest.raises(ProviderFailure) as caught:
        async with deadline(5) as stats:
            await setup.provider.ask(prompt())
    assert caught.value.kind is FailureKind.RATE_LIMITED
    assert "3600" in caught.value.detail
    assert time.monotonic() - started < 2
    assert stats.requests == 1


async def test_server_errors_are_retried_a_bounded_number_of_times(setup: Setup) -> None:
    setup.fake.fail(500, times=10, retry_after_ms="10")
    with pytest.raises(ProviderFailure) as caught:
        await setup.provider.ask(prompt())
    assert caught.value.kind is FailureKind.PROVIDER_ERROR
    assert "HTTP 500" in caught.value.detail
    assert len(setup.fake.requests) == 3  # the first try and LLM_MAX_RETRIES=2


async def test_a_hanging_server_times_out(setup: Setup) -> None:
    setup.fake.timeout(times=3)
    started = time.monotonic()
    with pytest.raises(ProviderFailure) as caught:
        await setup.provider.ask(prompt())
    assert caught.value.kind is FailureKind.TIMEOUT
    assert time.monotonic() - started < 4.5  # three 0.5 s requests and the back-off between


async def test_the_deadline_bounds_every_retry_together(setup: Setup) -> None:
    setup.fake.timeout(times=3)
    started = time.monotonic()
    with pytest.raises(ProviderFailure) as caught:
        async with deadline(0.8):
            await setup.provider.ask(prompt())
    assert caught.value.kind is FailureKind.TIMEOUT
    assert "deadline" in caught.value.detail
    assert time.monotonic() - started < 2


async def test_a_body_that_is_not_json_is_an_unreadable_answer(setup: Setup) -> None:
    setup.fake.malformed_body()
    answer = await setup.provider.ask(prompt())
    assert answer.fields is None
    assert "not JSON" in (answer.problem or "")


async def test_prose_instead_of_the_structure_is_an_unreadable_answer(setup: Setup) -> None:
    setup.fake.malformed_answer("Sure! Here it is: {title: oops")
    answer = await setup.provider.ask(prompt())
    assert answer.fields is None
    assert answer.problem
    assert "oops" in answer.raw


async def test_a_refusal_is_a_failure_with_the_model_s_words(setup: Setup) -> None:
    setup.fake.refuse("I can't help with that request.")
    with pytest.raises(ProviderFailure) as caught:
        await setup.provider.ask(prompt())
    assert caught.value.kind is FailureKind.REFUSED
    assert "can't help" in caught.value.detail
    assert caught.value.tokens_in > 0


async def test_a_wrong_key_is_a_provider_error_not_a_crash(setup: Setup) -> None:
    setup.fake.api_key = "another-key"
    with pytest.raises(ProviderFailure) as caught:
        await setup.provider.ask(prompt())
    assert caught.value.kind is FailureKind.PROVIDER_ERROR
    assert "401" in caught.value.detail
    assert len(setup.fake.requests) == 1  # 401 is not retried
