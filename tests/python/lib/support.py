"""What the Python tests share: TAP output, a fresh database with megaforce,
and the code blocks of docs/python.md.

Run with Debian's /usr/bin/python3 (python3-sqlalchemy, python3-psycopg2,
python3-psycopg, python3-alembic) against the cluster that PGHOST, PGPORT and
PGUSER name, as `scripts/dev test` sets them."""
import os
import re
import subprocess
import sys

import psycopg

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DOC = os.path.join(ROOT, "docs", "python.md")
PYTHON = "/usr/bin/python3"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, passed, description, diagnostics=""):
        self.n += 1
        print(f"{'ok' if passed else 'not ok'} {self.n} - {description}", flush=True)
        if not passed:
            self.failed += 1
            for line in str(diagnostics).splitlines():
                print(f"#   {line}", flush=True)
        return passed

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def fresh_database(name):
    """Drops and creates database `name` with megaforce at head; returns its URL."""
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(dbname=name, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION megaforce")
    user = os.environ.get("PGUSER", "postgres")
    host = os.environ.get("PGHOST", "/tmp")
    port = os.environ.get("PGPORT", "5432")
    return f"postgresql://{user}@/{name}?host={host}&port={port}"


def drop_database(name):
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


FENCE = re.compile(r"^```(\w+)(?:[ \t]+(\S+))?[ \t]*$")


def code_blocks(path=DOC):
    """Every fenced block of the markdown file: (language, file name or None, code, line)."""
    blocks = []
    language = None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if language is None:
                m = FENCE.match(line.rstrip("\n"))
                if m:
                    language, name, code, start = m.group(1), m.group(2), [], number
            elif line.rstrip("\n") == "```":
                blocks.append((language, name, "".join(code), start))
                language = None
            else:
                code.append(line)
    return blocks


def run_python(path, cwd, env, args=(), timeout=180):
    return subprocess.run([PYTHON, path, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
