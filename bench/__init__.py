"""The benchmark harness: ``python -m bench`` (``make bench``, ``make bench-quick``).

Measures safetykg side by side with the floor (pyoxigraph doing the same work
with nothing of ours around it) and with the peer a researcher would otherwise
use (rdflib; the ``rdflib-endpoint`` package; Oxigraph server), on the same
data and the same questions. See ``bench/README.md``.
"""
