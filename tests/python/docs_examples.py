"""Every Python example of docs/python.md runs exactly as written (issue 22).

The ```python blocks without a file name run in order, each as its own
script, against one fresh database with megaforce; the blocks with a file
name (```python worker.py) are saved under that name first, so that the
examples can import them. A `print(...)  # text` line must print `text`.
Then worker.py runs as a daemon and must pick up a run enqueued after it
started (it sleeps on LISTEN megaforce_runs)."""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import psycopg  # noqa: E402

from support import PYTHON, Tap, code_blocks, drop_database, fresh_database, run_python  # noqa: E402

DB = "mf_python_docs"
PRINT_EXPECT = re.compile(r"^\s*print\(.*\)\s+# (.+)$")

tap = Tap()
url = fresh_database(DB)
env = dict(os.environ, MEGAFORCE_DATABASE_URL=url)
work = tempfile.mkdtemp(prefix="mf-python-docs-")

blocks = [b for b in code_blocks() if b[0] == "python"]
tap.ok(len([b for b in blocks if b[1] is None]) >= 4 and any(b[1] == "worker.py" for b in blocks),
       "docs/python.md has its examples and worker.py")

# The named files first: examples import them.
for language, name, code, line in blocks:
    if name:
        with open(os.path.join(work, name), "w", encoding="utf-8") as f:
            f.write(code)

# Alembic's env.py runs under Alembic (tests/python/alembic_beside.py), not here.
runnable = [b for b in blocks if b[1] is None]
for index, (language, name, code, line) in enumerate(runnable, 1):
    script = os.path.join(work, f"example_{index}.py")
    with open(script, "w", encoding="utf-8") as f:
        f.write(code)
    result = run_python(script, work, env)
    if not tap.ok(result.returncode == 0, f"the example at docs/python.md:{line} runs",
                  result.stdout + result.stderr):
        continue
    expected = [m.group(1).strip() for m in map(PRINT_EXPECT.match, code.splitlines()) if m]
    printed = [l.strip() for l in result.stdout.splitlines()]
    missing = [e for e in expected if e not in printed]
    tap.ok(not missing, f"the example at docs/python.md:{line} prints what its comments say",
           "missing: " + repr(missing) + "\nprinted: " + repr(printed))

with psycopg.connect(url, autocommit=True) as conn:
    history = conn.execute(
        "SELECT string_agg(coalesce(from_status, '-') || '>' || to_status, ' ' ORDER BY id) "
        "FROM megaforce.approval_history").fetchone()[0]
    tap.ok(history == "->draft draft>pending_review pending_review>changes_requested "
                      "changes_requested>changes_requested changes_requested>pending_review",
           "the workflow went create, submit, request changes (ORM), edit (ORM), submit (ORM)", history)
    comment = conn.execute("SELECT comment FROM megaforce.approval_history "
                           "WHERE to_status = 'changes_requested' ORDER BY id LIMIT 1").fetchone()[0]
    tap.ok(comment == "please tighten the intro", "the ORM step recorded its comment", comment)
    tap.ok(conn.execute("SELECT count(*) FROM megaforce.verify_history()").fetchone()[0] == 0,
           "every history chain is intact")
    tap.ok(conn.execute("SELECT last_login_at IS NOT NULL FROM megaforce.users "
                        "WHERE email = 'ada@example.com'").fetchone()[0],
           "authenticate recorded Ada's login")

    # worker.py as a daemon: started first, it must take a run enqueued later.
    daemon = subprocess.Popen([PYTHON, "worker.py"], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        listening = False
        for _ in range(300):
            listening = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()", (DB,)).fetchone()[0] >= 2
            if listening or daemon.poll() is not None:
                break
            time.sleep(0.1)
        tap.ok(listening, "worker.py connects and listens")
        run = conn.execute("SELECT id FROM megaforce.enqueue_run("
                           "(SELECT id FROM megaforce.input_sources LIMIT 1))").fetchone()[0]
        status = None
        for _ in range(600):
            status = conn.execute("SELECT status FROM megaforce.runs WHERE id = %s", (run,)).fetchone()[0]
            if status == "succeeded" or daemon.poll() is not None:
                break
            time.sleep(0.1)
        tap.ok(status == "succeeded", "the running worker completed a run enqueued after it started", status)
        result = conn.execute("SELECT result->>'source' FROM megaforce.runs WHERE id = %s", (run,)).fetchone()[0]
        tap.ok(result == "Release notes", "the run's result is what handle() returned", result)
    finally:
        daemon.terminate()
        try:
            output = daemon.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            daemon.kill()
            output = daemon.communicate()[0]
    tap.ok(daemon.returncode is not None, "worker.py stops on SIGTERM", output)

drop_database(DB)
tap.done()
