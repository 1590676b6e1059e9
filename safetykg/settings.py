"""Run-time settings, read once from the environment (prefix ``SAFETYKG_``).

This module owns the one typed settings class. The CLI and the API read it
once at start-up and pass plain values on; library functions never import it
(they take a ``data_dir``, a ``store`` or a ``base_url`` as arguments), so they
can be called and tested without touching the environment.

>>> Settings(data_dir="/tmp/kg").data_dir.as_posix()
'/tmp/kg'
>>> Settings(allow_update=True)
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
...
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from safetykg.errors import SafetyKGError
from safetykg.namespaces import GRAPH, ID
from safetykg.tokens import TokenFile, default_path


class Settings(BaseSettings):
    """Everything the service and the CLI can be told from outside.

    Each field can be set as ``SAFETYKG_<FIELD>`` (e.g. ``SAFETYKG_DATA_DIR``).
    The service refuses to start when SPARQL updates are switched on without a
    write token, so writes are never open by accident.
    """

    model_config = SettingsConfigDict(env_prefix="SAFETYKG_", frozen=True, extra="ignore")

    data_dir: Path = Path("data")
    """Where ``build`` puts the store (see :mod:`safetykg.store`); relative to the cwd."""

    project_root: Path = Path(".")
    """The checkout holding ``ontology/`` and ``graph_data/`` that ``build`` reads."""

    base_url: str = "http://127.0.0.1:8000"
    """The public base URL of the service (for links and IRI dereferencing)."""

    base_iri: str = str(ID)
    """The namespace of our resources; IRIs outside it are rejected as parameters."""

    query_timeout: float = 30.0
    """Seconds a SPARQL query may run before the endpoint gives up on it."""

    row_limit: int = 10_000
    """The most result rows the public endpoint returns for one query."""

    page_size: int = 50
    """Default page size for REST listings."""

    allow_update: bool = False
    """Whether the SPARQL endpoint accepts SPARQL Update (off by default)."""

    write_token: SecretStr | None = None
    """Bearer token that writes (updates, hazard imports) must present."""

    tokens_file: Path | None = None
    """Named write tokens (``safetykg token create``), hashed; default ``<data_dir>/tokens.json``.
    A token from here is scoped (department, region or admin); ``write_token`` counts as admin."""

    cors_origins: Annotated[list[str], NoDecode] = []
    """Origins allowed to call the API from a browser (CORS); empty: CORS off. Comma-separated
    or a JSON list, each ``scheme://host[:port]`` (``*`` is refused)."""

    max_body: int = 64 * 1024 * 1024
    """Largest request body accepted, in bytes (larger: 413). Bigger imports: ``safetykg ingest``
    on the server."""

    rate_limit: float = 50.0
    """Requests per second one client may make, sustained (token bucket); 0 switches it off.
    Each worker process keeps its own buckets."""

    rate_burst: int = 500
    """Requests one client may make at once before the rate limit applies."""

    access_log: bool = True
    """Log a line per request (uvicorn's access log). Behind a proxy that logs requests, off
    saves about a third of the cost of a reused answer."""

    cache_mb: int = 64
    """Memory for reused answers to repeated reads, per worker process, in MB
    (:mod:`api.response_cache`); 0 switches the cache off."""

    cache_seconds: float | None = None
    """How long an answer may be reused. Unset: until a write through this service changes
    the data (embedded store), not at all (SPARQL server: other workers' writes are unseen)."""

    store: str | None = None
    """Where the data lives. Unset: the embedded pyoxigraph store under ``data_dir``; a
    path: the embedded store under that directory (it replaces ``data_dir``); an
    ``http(s)://`` URL: a SPARQL 1.1 server (:class:`safetykg.remote.RemoteStore`)."""

    store_kind: Literal["oxigraph", "virtuoso", "fuseki", "generic"] = "oxigraph"
    """Which server ``store`` is: it sets the default URLs and how the union default
    graph is asked for (see :data:`safetykg.remote.KINDS`)."""

    store_query_url: str | None = None
    """SPARQL Query URL [default: ``store`` + the kind's path, e.g. ``/query``]."""

    store_update_url: str | None = None
    """SPARQL Update URL [default: ``store`` + e.g. ``/update``]."""

    store_gsp_url: str | None = None
    """Graph Store Protocol URL [default: ``store`` + e.g. ``/store``]; bulk loads use it."""

    store_user: str | None = None
    """User name for the server, when it needs one (Virtuoso: a user with SPARQL_UPDATE)."""

    store_password: SecretStr | None = None
    """Password of ``store_user``."""

    store_token: SecretStr | None = None
    """Bearer token for the server (managed services), instead of a user and password."""

    store_auth: Literal["basic", "digest"] = "basic"
    """How ``store_user``/``store_password`` are sent (Virtuoso's ``-auth`` URLs: digest)."""

    store_union: Literal["auto", "param", "dataset", "native"] = "auto"
    """How queries see all named graphs as the default graph [auto: per ``store_kind``]."""

    store_graphs: str = str(GRAPH)
    """IRI prefix of the graphs this service owns on a shared server."""

    store_timeout: float = 120.0
    """Seconds to wait for the server to answer one request."""

    store_batch: int = 50_000
    """Statements per Graph Store upload in bulk loads."""

    store_atomic_batches: bool = True
    """Each bulk-load batch is one transaction (Oxigraph); off: its faster, non-atomic loader."""

    @model_validator(mode="before")
    @classmethod
    def _store_path_is_the_data_dir(cls, values: Any) -> Any:
        if isinstance(values, dict):
            store = values.get("store")
            if store and not re.match(r"https?://", str(store)):
                values = {**values, "data_dir": store}
        return values

    @property
    def remote_store(self) -> bool:
        """True when ``store`` is the URL of a SPARQL server."""
        return bool(self.store and re.match(r"https?://", self.store))

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin == "*" or not re.fullmatch(r"https?://[^/\s*]+", origin):
                raise ValueError(
                    f"SAFETYKG_CORS_ORIGINS: {origin!r} is not an origin like "
                    "https://example.org (no path, no wildcard)"
                )
        return origins

    @model_validator(mode="after")
    def _writes_need_a_token(self) -> Settings:
        if self.allow_update and not (self.write_token and self.write_token.get_secret_value()):
            raise ValueError(
                "SAFETYKG_ALLOW_UPDATE is on but SAFETYKG_WRITE_TOKEN is not set; "
                "set a token or switch updates off"
            )
        return self

    @property
    def tokens_path(self) -> Path:
        """The named-token file: ``tokens_file``, or ``<data_dir>/tokens.json``.

        >>> Settings(data_dir="/srv/kg").tokens_path.as_posix()
        '/srv/kg/tokens.json'
        """
        return self.tokens_file or default_path(self.data_dir)

    @property
    def writes_enabled(self) -> bool:
        """True when some client may write, so the store must be opened read-write.

        That is: SPARQL Update is on, ``SAFETYKG_WRITE_TOKEN`` is set, or the token
        file (:attr:`tokens_path`, made by ``safetykg token create``) holds a token.
        A token counts even when revoked, as in :mod:`api.deps`: the file is
        the operator's sign that writes are meant to happen, and a token made
        while the service runs is accepted without a restart. A file that
        cannot be read counts too (the service refuses writes until it is fixed,
        but needs no restart then). The file is looked at on every call, so read
        this once at start-up, like the rest of the settings.

        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> Settings(data_dir=d).writes_enabled
        False
        >>> from safetykg.tokens import TokenFile
        >>> _ = TokenFile(d / "tokens.json").create("ops", "admin")
        >>> Settings(data_dir=d).writes_enabled
        True
        """
        if self.allow_update or self.write_token is not None:
            return True
        path = self.tokens_path
        if not path.is_file():
            return False
        try:
            return bool(TokenFile(path).list())
        except SafetyKGError:
            return True
