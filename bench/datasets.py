"""The benchmark's data: synthetic registries of 10k, 100k and 1M hazards, and fresh stores.

Datasets come from ``safetykg generate`` (one enterprise per ten hazards, a
fixed seed) and are cached in ``bench/cache/`` (not in git) between runs,
together with a note of the arguments and a fingerprint of the generator: a
changed generator makes the next run write the file again. A *fresh store*
is the repository's graphs without hazards (``safetykg build --no-extract``):
the starting point of every import, ours and the floor alike.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bench.child import PYTHON, ROOT

__all__ = [
    "cache_dir",
    "SIZES",
    "Size",
    "cli_has",
    "ensure_csv",
    "fresh_store",
    "parse_size",
    "safetykg_command",
]

SEED = 2024


def cache_dir() -> Path:
    """``$SAFETYKG_BENCH_CACHE`` or ``bench/cache`` (read at each call, so tests can point it
    elsewhere)."""
    return Path(os.environ.get("SAFETYKG_BENCH_CACHE") or ROOT / "bench" / "cache")


@dataclass(frozen=True)
class Size:
    """A dataset size: its label, hazards and enterprises."""

    label: str
    hazards: int
    enterprises: int


def parse_size(text: str) -> Size:
    """``200``, ``10k``, ``1M`` … as a :class:`Size` (enterprises: a tenth, at least 20).

    >>> parse_size("10k")
    Size(label='10k', hazards=10000, enterprises=1000)
    >>> parse_size("1M").enterprises
    100000
    """
    t = text.strip()
    scale = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(t[-1:], 1)
    n = int(float(t[:-1] if scale > 1 else t) * scale)
    return Size(t, n, max(20, n // 10))


SIZES = {s.label: s for s in map(parse_size, ("10k", "100k", "1M"))}


def safetykg_command() -> list[str]:
    """The ``safetykg`` console script of the running venv."""
    script = Path(PYTHON).parent / "safetykg"
    return [str(script)] if script.exists() else [PYTHON, "-m", "safetykg.cli"]


@cache
def cli_has(command: str) -> bool:
    """Whether ``safetykg COMMAND`` exists (the harness prefers the command to the library)."""
    done = subprocess.run(
        [*safetykg_command(), command, "--help"], capture_output=True, cwd=ROOT, check=False
    )
    return done.returncode == 0


def _fingerprint() -> str:
    source = ROOT / "safetykg" / "registry" / "generate.py"
    return hashlib.sha1(source.read_bytes()).hexdigest()[:12] if source.exists() else "none"


def ensure_csv(size: Size, seed: int = SEED) -> tuple[Path, dict[str, Any]]:
    """The CSV for ``size``, generated unless a matching one is cached; and how it was made."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"hazards-{size.label}-seed{seed}.csv"
    note_path = path.with_suffix(".json")
    wanted = {
        "hazards": size.hazards,
        "enterprises": size.enterprises,
        "seed": seed,
        "generator": _fingerprint(),
    }
    if path.exists() and note_path.exists():
        note = json.loads(note_path.read_text())
        if all(note.get(k) == v for k, v in wanted.items()):
            return path, {**note, "cached": True}
    t0 = time.perf_counter()
    args = ["--enterprises", str(size.enterprises), "--hazards", str(size.hazards)]
    args += ["--seed", str(seed), "--out", str(path)]
    if cli_has("generate"):
        tool = "safetykg generate " + " ".join(args)
        subprocess.run([*safetykg_command(), "generate", *args], check=True, cwd=ROOT,
                       capture_output=True)
    else:
        from safetykg.registry.generate import generate

        tool = "safetykg.registry.generate.generate (no `safetykg generate` command yet)"
        generate(path, enterprises=size.enterprises, hazards=size.hazards, seed=seed,
                 progress=False)
    note = {**wanted, "tool": tool, "seconds": round(time.perf_counter() - t0, 2),
            "bytes": path.stat().st_size}
    note_path.write_text(json.dumps(note, indent=1))
    return path, {**note, "cached": False}


def fresh_store(data_dir: Path) -> Path:
    """A new store under ``data_dir`` with every graph but hazards; returns the RocksDB folder."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    subprocess.run(
        [*safetykg_command(), "build", "--data-dir", str(data_dir), "--no-extract"],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return (data_dir / "store").resolve()
