"""Configuration, read once from the environment into one typed, validated object."""

from __future__ import annotations

import dataclasses
import enum
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from croniter import croniter

DEFAULT_PORT = 8000
DEFAULT_EMBEDDED_PG_DIR = "data/postgres"
DEFAULT_TOKEN_MINUTES = 1440
# Text kept of one job log (its tail and error-dense regions), and bytes read of it at all.
DEFAULT_LOG_CAP_BYTES = 16 * 1024 * 1024
DEFAULT_LOG_DOWNLOAD_CAP_BYTES = 128 * 1024 * 1024
# Finished deliveries, their records and other bookkeeping are kept this long.
DEFAULT_RETENTION_DAYS = 30
# GitHub lets deliveries of the past 3 days be redelivered; their records must outlive that,
# or a redelivery would be taken for a new delivery.
MIN_RETENTION_DAYS = 3
DEFAULT_PRUNE_SCHEDULE = "17 * * * *"  # cron: hourly, off the hour
# While one webhook secret replaces another, both are accepted; never more.
MAX_WEBHOOK_SECRETS = 2
RATE_LIMIT_PERIODS = {"second": 1, "minute": 60, "hour": 3600}
DEFAULT_AUTH_RATE_LIMIT = "30/minute"
DEFAULT_MATCH_RATE_LIMIT = "60/minute"

# LLM drafts: the model each provider uses unless LLM_MODEL names another (small, cheap ones:
# a draft is a short structured answer), and what one day may spend.
DEFAULT_LLM_MODELS = {"openai": "gpt-5.4-mini", "anthropic": "claude-haiku-4-5"}
DEFAULT_LLM_DAILY_DRAFTS = 50
DEFAULT_LLM_DAILY_COST_USD = 5.0
DEFAULT_LLM_DAILY_DRAFTS_PER_INSTALLATION = 10
DEFAULT_LLM_DAILY_COST_USD_PER_INSTALLATION = 1.0
DEFAULT_LLM_TIMEOUT_SECONDS = 30.0
DEFAULT_LLM_MAX_RETRIES = 2
DEFAULT_LLM_DEADLINE_SECONDS = 90.0

T = TypeVar("T")


class AppEnv(enum.StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(enum.StrEnum):
    PRETTY = "pretty"
    JSON = "json"


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """At most `requests` per `period_seconds` from one client address."""

    requests: int
    period_seconds: int

    def __str__(self) -> str:
        unit = next(name for name, s in RATE_LIMIT_PERIODS.items() if s == self.period_seconds)
        return f"{self.requests}/{unit}"

class LLMProvider(enum.StrEnum):
    NONE = "none"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"


class SettingsError(ValueError):
    """Raised with every problem found, so a misconfigured deploy fails once and clearly."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    app_env: AppEnv = AppEnv.DEVELOPMENT
    host: str = "0.0.0.0"  # noqa: S104 - a web process must listen on all interfaces
    port: int = DEFAULT_PORT
    public_url: str | None = None

    database_url: str | None = None
    embedded_pg_dir: Path = Path(DEFAULT_EMBEDDED_PG_DIR)
    db_pool_min: int = 1
    db_pool_max: int = 10

    secret_key: str | None = dataclasses.field(default=None, repr=False)
    access_token_expire_minutes: int = DEFAULT_TOKEN_MINUTES
    allow_signup: bool = True
    # The App's user authorization, for "Sign in with GitHub".
    github_client_id: str | None = None
    github_client_secret: str | None = dataclasses.field(default=None, repr=False)
    # Behind a proxy that appends the client's address to X-Forwarded-For (Heroku's router).
    trust_proxy: bool = False
    auth_rate_limit: RateLimit | None = dataclasses.field(
        default_factory=lambda: _rate_limit(DEFAULT_AUTH_RATE_LIMIT)
    )
    match_rate_limit: RateLimit | None = dataclasses.field(
        default_factory=lambda: _rate_limit(DEFAULT_MATCH_RATE_LIMIT)
    )
    seed_spellbook: bool = True
    semantic_matching: bool = True
    cors_origins: tuple[str, ...] = ()

    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.PRETTY

    app_id: str | None = None
    private_key: str | None = dataclasses.field(default=None, repr=False)
    private_key_path: str | None = None
    webhook_secret: str | None = dataclasses.field(default=None, repr=False)
    ghe_host: str | None = None
    ghe_protocol: str = "https"

    worker_concurrency: int = 4
    max_delivery_attempts: int = 5
    shutdown_grace_seconds: float = 25.0
    job_heartbeat_seconds: float = 30.0
    log_cap_bytes: int = DEFAULT_LOG_CAP_BYTES
    log_download_cap_bytes: int = DEFAULT_LOG_DOWNLOAD_CAP_BYTES
    # GitHub asks integrations to space mutating requests about a second apart.
    github_write_spacing_seconds: float = 1.0

    metrics_token: str | None = dataclasses.field(default=None, repr=False)
    worker_metrics_port: int | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    prune_schedule: str = DEFAULT_PRUNE_SCHEDULE

    # LLM-drafted spells (grimoire_bot/llm, grimoire_bot/drafts).
    llm_provider: LLMProvider = LLMProvider.NONE
    llm_model: str | None = None  # None: the provider's entry in DEFAULT_LLM_MODELS
    openai_api_key: str | None = dataclasses.field(default=None, repr=False)
    anthropic_api_key: str | None = dataclasses.field(default=None, repr=False)
    # The SDKs' own variables, read here so every setting is read once; None: the SDK default.
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None
    auto_create_spells: bool = False
    # Ask the LLM to settle uncertain rankings (grimoire_bot/reranking.py); needs a provider.
    llm_rerank: bool = False
    llm_daily_drafts: int = DEFAULT_LLM_DAILY_DRAFTS
    llm_daily_cost_usd: float = DEFAULT_LLM_DAILY_COST_USD
    llm_daily_drafts_per_installation: int = DEFAULT_LLM_DAILY_DRAFTS_PER_INSTALLATION
    llm_daily_cost_usd_per_installation: float = DEFAULT_LLM_DAILY_COST_USD_PER_INSTALLATION
    llm_timeout_seconds: float = DEFAULT_LLM_TIMEOUT_SECONDS
    llm_max_retries: int = DEFAULT_LLM_MAX_RETRIES
    llm_deadline_seconds: float = DEFAULT_LLM_DEADLINE_SECONDS
    # USD per million (input, output) tokens, for a model the built-in table does not know.
    llm_price_per_mtok: tuple[float, float] | None = None

    @property
    def llm_model_name(self) -> str | None:
        """The model drafts are asked of, or None when no provider is configured."""
        if self.llm_provider is LLMProvider.NONE:
            return None
        return self.llm_model or DEFAULT_LLM_MODELS[self.llm_provider.value]

    @property
    def llm_rerank_enabled(self) -> bool:
        """LLM_RERANK takes effect only with a provider to ask (LLM_PROVIDER not none)."""
        return self.llm_rerank and self.llm_provider is not LLMProvider.NONE

    @property
    def llm_api_key(self) -> str | None:
        match self.llm_provider:
            case LLMProvider.OPENAI:
                return self.openai_api_key
            case LLMProvider.ANTHROPIC:
                return self.anthropic_api_key
        return None

    @property
    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret: scrubbed from logs and from anything sent to an LLM."""
        candidates = (
            self.secret_key,
            self.webhook_secret,
            *self.webhook_secrets,
            self.private_key,
            self.github_client_secret,
            self.metrics_token,
            self.openai_api_key,
            self.anthropic_api_key,
        )
        return tuple(value for value in candidates if value)

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @property
    def github_app_configured(self) -> bool:
        return bool(self.app_id and (self.private_key or self.private_key_path))

    @property
    def github_login_configured(self) -> bool:
        return bool(self.github_client_id and self.github_client_secret)

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The accepted webhook secrets: one, or two while rotating (comma-separated)."""
        return _csv(self.webhook_secret or "")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable; raise SettingsError listing all problems."""
        reader = _EnvReader(os.environ if env is None else env)
        app_env = reader.get("APP_ENV", AppEnv, AppEnv.DEVELOPMENT)
        settings = cls(
            app_env=app_env,
            host=reader.get("HOST", str, "0.0.0.0"),  # noqa: S104
            port=reader.get("PORT", _port, DEFAULT_PORT),
            public_url=reader.get("PUBLIC_URL", _url, None),
            database_url=reader.get("DATABASE_URL", str, None),
            embedded_pg_dir=reader.get("EMBEDDED_PG_DIR", Path, Path(DEFAULT_EMBEDDED_PG_DIR)),
            db_pool_min=reader.get("DB_POOL_MIN", _positive_int, 1),
            db_pool_max=reader.get("DB_POOL_MAX", _positive_int, 10),
            secret_key=reader.get("SECRET_KEY", _secret_key, None),
            access_token_expire_minutes=reader.get(
                "ACCESS_TOKEN_EXPIRE_MINUTES", _positive_int, DEFAULT_TOKEN_MINUTES
            ),
            # Open by default only where strangers cannot reach it.
            allow_signup=reader.get("ALLOW_SIGNUP", _bool, app_env is not AppEnv.PRODUCTION),
            github_client_id=reader.get("GITHUB_CLIENT_ID", str, None),
            github_client_secret=reader.get("GITHUB_CLIENT_SECRET", str, None),
            trust_proxy=reader.get("TRUST_PROXY", _bool, False),
            auth_rate_limit=reader.get(
                "AUTH_RATE_LIMIT", _rate_limit, _rate_limit(DEFAULT_AUTH_RATE_LIMIT)
            ),
            match_rate_limit=reader.get(
                "MATCH_RATE_LIMIT", _rate_limit, _rate_limit(DEFAULT_MATCH_RATE_LIMIT)
            ),
            seed_spellbook=reader.get("SEED_SPELLBOOK", _bool, True),
            semantic_matching=reader.get("SEMANTIC_MATCHING", _bool, True),
            cors_origins=reader.get("CORS_ORIGINS", _csv, ()),
            log_level=reader.get("LOG_LEVEL", _log_level, "INFO"),
            log_format=reader.get("LOG_FORMAT", LogFormat, LogFormat.PRETTY),
            app_id=reader.get("APP_ID", _digits, None),
            private_key=reader.get("PRIVATE_KEY", str, None),
            private_key_path=reader.get("PRIVATE_KEY_PATH", str, None),
            webhook_secret=reader.get("WEBHOOK_SECRET", _webhook_secrets, None),
            ghe_host=reader.get("GHE_HOST", _host, None),
            ghe_protocol=reader.get("GHE_PROTOCOL", _protocol, "https"),
            worker_concurrency=reader.get("WORKER_CONCURRENCY", _positive_int, 4),
            max_delivery_attempts=reader.get("MAX_DELIVERY_ATTEMPTS", _positive_int, 5),
            shutdown_grace_seconds=reader.get("SHUTDOWN_GRACE_SECONDS", _positive_float, 25.0),
            job_heartbeat_seconds=reader.get("JOB_HEARTBEAT_SECONDS", _positive_float, 30.0),
            log_cap_bytes=reader.get("LOG_CAP_BYTES", _positive_int, DEFAULT_LOG_CAP_BYTES),
            log_download_cap_bytes=reader.get(
                "LOG_DOWNLOAD_CAP_BYTES", _positive_int, DEFAULT_LOG_DOWNLOAD_CAP_BYTES
            ),
            github_write_spacing_seconds=reader.get(
                "GITHUB_WRITE_SPACING_SECONDS", _non_negative_float, 1.0
            ),
            metrics_token=reader.get("METRICS_TOKEN", str, None),
            worker_metrics_port=reader.get("WORKER_METRICS_PORT", _port, None),
            retention_days=reader.get("RETENTION_DAYS", _retention_days, DEFAULT_RETENTION_DAYS),
            prune_schedule=reader.get("PRUNE_SCHEDULE", _cron, DEFAULT_PRUNE_SCHEDULE),
            llm_provider=reader.get("LLM_PROVIDER", LLMProvider, LLMProvider.NONE),
            llm_model=reader.get("LLM_MODEL", str, None),
            openai_api_key=reader.get("OPENAI_API_KEY", str, None),
            anthropic_api_key=reader.get("ANTHROPIC_API_KEY", str, None),
            openai_base_url=reader.get("OPENAI_BASE_URL", _url, None),
            anthropic_base_url=reader.get("ANTHROPIC_BASE_URL", _url, None),
            auto_create_spells=reader.get("AUTO_CREATE_SPELLS", _bool, False),
            llm_rerank=reader.get("LLM_RERANK", _bool, False),
            llm_daily_drafts=reader.get(
                "LLM_DAILY_DRAFTS", _non_negative_int, DEFAULT_LLM_DAILY_DRAFTS
            ),
            llm_daily_cost_usd=reader.get(
                "LLM_DAILY_COST_USD", _non_negative_float, DEFAULT_LLM_DAILY_COST_USD
            ),
            llm_daily_drafts_per_installation=reader.get(
                "LLM_DAILY_DRAFTS_PER_INSTALLATION",
                _non_negative_int,
                DEFAULT_LLM_DAILY_DRAFTS_PER_INSTALLATION,
            ),
            llm_daily_cost_usd_per_installation=reader.get(
                "LLM_DAILY_COST_USD_PER_INSTALLATION",
                _non_negative_float,
                DEFAULT_LLM_DAILY_COST_USD_PER_INSTALLATION,
            ),
            llm_timeout_seconds=reader.get(
                "LLM_TIMEOUT_SECONDS", _positive_float, DEFAULT_LLM_TIMEOUT_SECONDS
            ),
            llm_max_retries=reader.get(
                "LLM_MAX_RETRIES", _non_negative_int, DEFAULT_LLM_MAX_RETRIES
            ),
            llm_deadline_seconds=reader.get(
                "LLM_DEADLINE_SECONDS", _positive_float, DEFAULT_LLM_DEADLINE_SECONDS
            ),
            llm_price_per_mtok=reader.get("LLM_PRICE_PER_MTOK", _price_pair, None),
        )
        reader.problems.extend(settings._consistency_problems())
        if reader.problems:
            raise SettingsError(
                "Invalid configuration:\n" + "\n".join(f"  - {p}" for p in reader.problems)
            )
        return settings

    def _consistency_problems(self) -> list[str]:
        problems = []
        if self.db_pool_min > self.db_pool_max:
            problems.append("DB_POOL_MIN must not exceed DB_POOL_MAX")
        if self.db_pool_max < 3:
            problems.append("DB_POOL_MAX must be at least 3 (the queue listener holds one)")
        if self.is_production:
            if not self.secret_key:
                problems.append("SECRET_KEY is required when APP_ENV=production")
            if not self.webhook_secret:
                problems.append(
                    "WEBHOOK_SECRET is required when APP_ENV=production "
                    "(unsigned webhooks are never accepted)"
                )
            if not self.database_url:
                problems.append("DATABASE_URL is required when APP_ENV=production")
        if bool(self.app_id) != bool(self.private_key or self.private_key_path):
            problems.append("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set together")
        if self.private_key and self.private_key_path:
            problems.append("set PRIVATE_KEY or PRIVATE_KEY_PATH, not both")
        if bool(self.github_client_id) != bool(self.github_client_secret):
            problems.append("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together")
        problems.extend(self._llm_problems())
        return problems

    def _llm_problems(self) -> list[str]:
        problems = []
        provider = self.llm_provider
        if provider is LLMProvider.OPENAI and not self.openai_api_key:
            problems.append("OPENAI_API_KEY is required when LLM_PROVIDER=openai")
        if provider is LLMProvider.ANTHROPIC and not self.anthropic_api_key:
            problems.append("ANTHROPIC_API_KEY is required when LLM_PROVIDER=anthropic")
        if self.auto_create_spells and provider is LLMProvider.NONE:
            problems.append(
                "AUTO_CREATE_SPELLS=true needs LLM_PROVIDER (openai or anthropic) to draft with"
            )
        if self.llm_deadline_seconds < self.llm_timeout_seconds:
            problems.append("LLM_DEADLINE_SECONDS must not be shorter than LLM_TIMEOUT_SECONDS")
        return problems


class _EnvReader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def get(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self.env.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return parse(raw.strip())
        except (ValueError, TypeError) as exc:
            self.problems.append(f"{name}: {_describe(exc, parse)}")
            return default


def _describe(exc: Exception, parse: Callable[[str], object]) -> str:
    if isinstance(parse, type) and issubclass(parse, enum.Enum):
        return f"must be one of {', '.join(m.value for m in parse)}"
    return str(exc) or "invalid value"


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"must be greater than zero, got {value}")
    return value


def _non_negative_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"must not be negative, got {value}")
    return value


def _float_at_least(minimum: float, *, inclusive: bool) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"must be a number, got {raw!r}") from None
        if value < minimum or (value == minimum and not inclusive):
            bound = "negative" if inclusive else f"{minimum:g} or less"
            raise ValueError(f"must not be {bound}, got {value:g}")
        return value

    return parse


_positive_float = _float_at_least(0.0, inclusive=False)
_non_negative_float = _float_at_least(0.0, inclusive=True)


def _price_pair(raw: str) -> tuple[float, float]:
    parts = [part.strip() for part in raw.split(",")]
    try:
        prices = [float(part) for part in parts]
    except ValueError:
        prices = []
    if len(prices) != 2 or any(p < 0 or p != p or p == float("inf") for p in prices):
        raise ValueError(
            "must be two numbers, USD per million input and output tokens, e.g. 0.75,4.5"
        )
    return prices[0], prices[1]


def _port(raw: str) -> int:
    value = _positive_int(raw)
    if value > 65535:
        raise ValueError(f"must be a TCP port (1-65535), got {value}")
    return value


def _digits(raw: str) -> str:
    if not raw.isdigit():
        raise ValueError("must be the App's numeric id")
    return raw


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _webhook_secrets(raw: str) -> str:
    parts = [part.strip() for part in raw.split(",")]
    if any(not part for part in parts):
        raise ValueError("must be one secret, or two separated by a comma, none of them empty")
    if len(parts) > MAX_WEBHOOK_SECRETS:
        raise ValueError(
            f"holds {len(parts)} secrets; at most {MAX_WEBHOOK_SECRETS} (the old and the new "
            "one while rotating)"
        )
    return ",".join(parts)


def _rate_limit(raw: str) -> RateLimit | None:
    """`N/second`, `N/minute` or `N/hour`; `off` disables the limit."""
    if raw.lower() == "off":
        return None
    count, _, unit = raw.partition("/")
    period = RATE_LIMIT_PERIODS.get(unit.strip().lower())
    if not count.strip().isdigit() or int(count) <= 0 or period is None:
        raise ValueError(
            f"must look like 30/minute (per second, minute or hour) or off, got {raw!r}"
        )
    return RateLimit(int(count), period)


def _url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return raw.rstrip("/")


def _host(raw: str) -> str:
    if "/" in raw:
        raise ValueError("must be a host name (and optional port), without scheme or path")
    return raw


def _protocol(raw: str) -> str:
    if raw not in {"http", "https"}:
        raise ValueError("must be http or https")
    return raw


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "TRACE", "FATAL"}:
        raise ValueError("must be one of trace, debug, info, warning, error, fatal")
    return {"TRACE": "DEBUG", "FATAL": "CRITICAL"}.get(level, level)


def _retention_days(raw: str) -> int:
    value = _positive_int(raw)
    if value < MIN_RETENTION_DAYS:
        raise ValueError(
            f"must be at least {MIN_RETENTION_DAYS} (GitHub redelivers up to 3 days back)"
        )
    return value


def _cron(raw: str) -> str:
    if not croniter.is_valid(raw):
        raise ValueError(f"must be a cron expression such as '17 * * * *', got {raw!r}")
    return raw


def _secret_key(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError(
            "must be at least 32 characters (generate one with `openssl rand -hex 32`)"
        )
    return raw
