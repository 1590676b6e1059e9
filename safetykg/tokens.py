"""Write tokens: created once, stored hashed, checked in constant time, revocable.

``safetykg token create --department ID --name NAME`` prints a new token once;
only its SHA-256 is kept. A token is 32 random bytes (``secrets``), so a fast
hash is enough: nobody can guess their way through 2^256 values, and a slow
hash (scrypt) would only cost every write request time. Presented tokens are
hashed and compared with every stored hash by :func:`hmac.compare_digest`.

**Where they are kept: a file, not the store.** ``<data_dir>/tokens.json``
(``SAFETYKG_TOKENS_FILE``), mode 0600, written by an atomic rename under a lock.

* The secrets never enter the RDF store, so no SPARQL query, ``FROM`` /
  ``GRAPH`` trick, export, N-Quads dump or backup handed to a researcher can
  reveal them, not even hashed; the public endpoint's correctness is not a
  security boundary for them.
* ``safetykg build`` replaces the store with a new generation; tokens in it
  would vanish with every rebuild.
* RocksDB lets only one process hold the store read-write, and that is the
  running service; the file lets ``safetykg token create`` and ``revoke`` work
  while it runs. The service re-reads the file when it changes (size, mtime,
  inode), so a revoked token stops working at the next request.

A revoked token stays in the file, marked with the time it was revoked, so the
audit trail's token names keep meaning one holder; a name is never reused.

>>> import tempfile, pathlib
>>> tokens = TokenFile(pathlib.Path(tempfile.mkdtemp()) / "tokens.json")
>>> secret = tokens.create("ops", Kind.ADMIN)
>>> secret.startswith("skg_"), tokens.verify(secret).name, tokens.verify("skg_guess")
(True, 'ops', None)
>>> [t.name for t in tokens.list()], tokens.revoke("ops").revoked is not None
(['ops'], True)
>>> tokens.verify(secret) is None
True
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import stat
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Store

from safetykg.access import NAME, Kind, Principal
from safetykg.errors import BadParameter, NotFound, SafetyKGError
from safetykg.namespaces import ID

__all__ = [
    "PREFIX",
    "TokenFile",
    "TokenRecord",
    "default_path",
    "hash_token",
    "resolve_scope",
]

log = logging.getLogger(__name__)

PREFIX = "skg_"
"""Every token starts with this, so a leaked one is easy to grep for."""

_FORMAT = 1


def default_path(data_dir: Path | str) -> Path:
    """Where tokens are kept unless ``SAFETYKG_TOKENS_FILE`` says otherwise.

    >>> default_path("data").as_posix()
    'data/tokens.json'
    """
    return Path(data_dir) / "tokens.json"


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 of its UTF-8 bytes.

    >>> hash_token("skg_x")[:12]
    '311385eb695b'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    """One line of ``token list``: everything about a token except its secret."""

    name: str
    kind: Kind
    scope: str | None
    created: str
    """ISO 8601 UTC."""
    revoked: str | None = None
    sha256: str = ""

    @property
    def active(self) -> bool:
        return self.revoked is None

    def principal(self) -> Principal:
        return Principal(self.name, self.kind, self.scope)

    def public(self) -> dict[str, str | None]:
        """What may be shown: no hash, no secret."""
        return {
            "name": self.name,
            "kind": str(self.kind),
            "scope": self.scope,
            "created": self.created,
            "revoked": self.revoked,
        }


class TokenFile:
    """The token file: create, list, revoke (the CLI) and verify (the service).

    Safe to share between threads; several processes may change the file
    (each change holds an ``fcntl`` lock on ``<file>.lock`` and replaces the
    file in one rename).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._cache: tuple[tuple[int, int, int], list[TokenRecord]] | None = None
        self._mutex = threading.Lock()

    # ------------------------------------------------------------------ reading

    def _read(self) -> list[TokenRecord]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._mutex:
            if self._cache and self._cache[0] == key:
                return self._cache[1]
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning(
                "%s is readable by others (mode %o); run `chmod 600 %s`",
                self.path,
                stat.S_IMODE(st.st_mode),
                self.path,
            )
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            records = [
                TokenRecord(
                    name=t["name"],
                    kind=Kind(t["kind"]),
                    scope=t.get("scope"),
                    created=t["created"],
                    revoked=t.get("revoked"),
                    sha256=t["sha256"],
                )
                for t in doc["tokens"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SafetyKGError(f"The token file {self.path} cannot be read: {exc}") from exc
        with self._mutex:
            self._cache = (key, records)
        return records

    def list(self) -> list[TokenRecord]:
        """Every token ever created here, revoked ones included, oldest first."""
        return list(self._read())

    def active(self) -> int:
        """How many tokens can still be used."""
        return sum(1 for t in self._read() if t.active)

    def verify(self, token: str) -> Principal | None:
        """The principal a presented token stands for, or ``None`` (unknown or revoked).

        Every stored hash is compared, each in constant time, so the time taken
        does not tell which (or whether any) stored token a guess was close to.
        """
        given = hash_token(token).encode("ascii")
        found: TokenRecord | None = None
        for record in self._read():
            if hmac.compare_digest(given, record.sha256.encode("ascii")) and record.active:
                found = record
        return found.principal() if found else None

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[TokenRecord]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with self._mutex:
                self._cache = None
            records = list(self._read())
            yield records
            self._write(records)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, records: list[TokenRecord]) -> None:
        doc = {"format": _FORMAT, "tokens": [asdict(r) for r in records]}
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        os.chmod(self.path, 0o600)
        with self._mutex:
            self._cache = None

    def create(self, name: str, kind: Kind | str, scope: str | None = None) -> str:
        """Add a token and return its secret: the only time it is ever seen.

        Raises :class:`BadParameter` for a bad name, a name already used (even
        by a revoked token), or a scope that does not fit the kind.
        """
        kind = Kind(kind)
        if not NAME.match(name):
            raise BadParameter(
                f"A token name is 1–64 of a-z, 0-9, '.', '_', '-' (starting with a letter or "
                f"digit); got {name!r}."
            )
        try:
            Principal(name, kind, scope)
        except ValueError as exc:
            raise BadParameter(str(exc)) from exc
        secret = PREFIX + secrets.token_urlsafe(32)
        with self._locked() as records:
            if any(r.name == name for r in records):
                raise BadParameter(
                    f"A token named {name!r} exists (or existed: names of revoked tokens are "
                    "not reused, so the audit trail stays unambiguous). Choose another name."
                )
            records.append(
                TokenRecord(
                    name=name,
                    kind=kind,
                    scope=scope,
                    created=_now(),
                    sha256=hash_token(secret),
                )
            )
        return secret

    def revoke(self, name: str) -> TokenRecord:
        """Mark a token revoked (it stops working at the service's next request).

        Raises :class:`NotFound` for an unknown name; revoking twice keeps the
        first time.
        """
        with self._locked() as records:
            for i, record in enumerate(records):
                if record.name == name:
                    if record.revoked is None:
                        records[i] = replace(record, revoked=_now())
                    return records[i]
            raise NotFound(f"No token named {name!r} in {self.path}; see `safetykg token list`.")


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


_PATH_FORM = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*$")


def resolve_scope(kind: Kind | str, text: str, store: Store | None = None) -> str | None:
    """The IRI a ``--department`` or ``--region`` option names (``None`` for admin).

    ``text`` may be the IRI, the part after ``id/department/`` or ``id/region/``
    (``bozhou/education``, ``qiaocheng``) or, when ``store`` is given, a label
    or last segment the registry's reference index knows (``市教育局``,
    ``education``). With a store, the IRI must name a department (or local
    government) or a region in it. Raises :class:`BadParameter` otherwise.
    """
    kind = Kind(kind)
    if kind is Kind.ADMIN:
        return None
    base = f"{ID}{kind.value}/"
    text = text.strip()
    iri: str | None = None
    if text.startswith(base):
        iri = text
    elif store is None or _PATH_FORM.match(text) and "/" in text:
        if not _PATH_FORM.match(text):
            raise BadParameter(
                f"{text!r}: give the {kind} as its IRI or its id (e.g. "
                f"{'bozhou/education' if kind is Kind.DEPARTMENT else 'qiaocheng'}); "
                "names need the store, which could not be opened."
            )
        iri = base + text
    if store is None:
        assert iri is not None
        return iri
    from safetykg.registry.reference import Reference

    reference = Reference.load(store)
    known = reference.departments if kind is Kind.DEPARTMENT else reference.regions
    if iri is None:
        try:
            iri = reference.resolve(kind.value, text)
        except KeyError:
            iri = None
        except LookupError as exc:
            raise BadParameter(f"{text!r} names several {kind}s: {exc}; give the id.") from exc
    if iri is None or iri not in known:
        sample = ", ".join(sorted(k.removeprefix(base) for k in known)[:8])
        raise BadParameter(f"No {kind} {text!r} in the store (known ids include: {sample}, …).")
    return iri
