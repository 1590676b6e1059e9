"""Jobs that run in a child process so their time and peak memory are theirs alone.

``python -m bench.jobs JOB ARGS…``:

``bulk-load STORE_DIR FILE.nt GRAPH``
    the floor: pyoxigraph's bulk loader on N-Triples, into ``GRAPH``.
``rdflib-parse FILE.nt``
    the peer: ``rdflib.Graph().parse`` in memory.
``ingest DATA_DIR FILE.csv``
    our import through the library, for when ``safetykg ingest`` is not a
    command yet (the harness prefers the command).
``dump STORE_DIR OUT.nt GRAPHS``
    pyoxigraph serialising graphs to one N-Triples file (``GRAPHS``: IRIs joined
    by ``,``, or ``except:hazards,index`` for every named graph but those whose
    IRI ends so): the equivalent N-Triples of an import, the data
    the peers serve, and the floor of an export.

Each prints one line of JSON (counts) on stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path


def bulk_load(store_dir: str, path: str, graph: str) -> dict[str, object]:
    from pyoxigraph import NamedNode, RdfFormat, Store

    store = Store(store_dir)
    store.bulk_load(path=path, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(graph))
    store.flush()
    return {"quads": len(store)}


def rdflib_parse(path: str) -> dict[str, object]:
    import rdflib

    graph = rdflib.Graph()
    graph.parse(path, format="nt")
    return {"triples": len(graph)}


def ingest(data_dir: str, path: str) -> dict[str, object]:
    from safetykg.registry.ingest import ingest as run_ingest
    from safetykg.store import open_store

    report = run_ingest(open_store(data_dir), path, progress=False)
    return {k: v for k, v in vars(report).items() if isinstance(v, int | float | str)}


def dump(store_dir: str, out: str, graphs: str) -> dict[str, object]:
    from pyoxigraph import NamedNode, RdfFormat, Store

    store = Store.read_only(store_dir)
    if graphs.startswith("except:"):
        left_out = tuple("/graph/" + g for g in graphs.removeprefix("except:").split(","))
        names = [g for g in store.named_graphs() if not g.value.endswith(left_out)]
    else:
        names = [NamedNode(g) for g in graphs.split(",")]
    parts = []
    for i, graph in enumerate(names):  # a path each: dumping to a Python file object is slower
        part = f"{out}.part{i}"
        store.dump(part, RdfFormat.N_TRIPLES, from_graph=graph)
        parts.append(part)
    with open(out, "wb") as f:
        for part in parts:
            with open(part, "rb") as g:
                shutil.copyfileobj(g, f, 1 << 20)
            os.unlink(part)
    return {"bytes": Path(out).stat().st_size, "graphs": [g.value for g in names]}


JOBS = {"bulk-load": bulk_load, "rdflib-parse": rdflib_parse, "ingest": ingest, "dump": dump}


def main(argv: list[str]) -> int:
    job, *args = argv
    t0 = time.perf_counter()
    result = JOBS[job](*args)
    result["job_seconds"] = round(time.perf_counter() - t0, 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
