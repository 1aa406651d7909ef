#!/bin/sh
# A benchmark-only environment with DBOS, for the side-by-side figures of
# benchmarks/pg_throughput.py. DBOS is never a dependency of Perdure: it lives in its own
# virtual environment, benchmarks/.venv-dbos (ignored by git).
#
#   sh benchmarks/dbos_setup.sh [PYTHON]      # PYTHON defaults to python3
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="$HERE/.venv-dbos"
PYTHON="${1:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet 'dbos>=3.4,<4' 'psycopg[binary]>=3.1'
"$VENV/bin/python" -c 'import importlib.metadata as m; print("dbos", m.version("dbos"), "in", "'"$VENV"'")'
