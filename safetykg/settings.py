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

from pathlib import Path

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from safetykg.namespaces import ID


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

    @model_validator(mode="after")
    def _writes_need_a_token(self) -> Settings:
        if self.allow_update and not (self.write_token and self.write_token.get_secret_value()):
            raise ValueError(
                "SAFETYKG_ALLOW_UPDATE is on but SAFETYKG_WRITE_TOKEN is not set; "
                "set a token or switch updates off"
            )
        return self

    @property
    def writes_enabled(self) -> bool:
        """True when some client may write, so the store must be opened read-write."""
        return self.allow_update or self.write_token is not None
