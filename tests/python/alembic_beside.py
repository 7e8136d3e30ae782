"""Alembic beside megaforce (issue 22): with the env.py and models.py of
docs/python.md, a real `alembic revision --autogenerate` against a database
with megaforce proposes the application's table and nothing about
megaforce's; after `alembic upgrade head` it proposes nothing at all. And the
filters are what makes it so: without include_name it would drop megaforce's
tables, without include_object create megaforce.users."""
import glob
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import psycopg  # noqa: E402

from support import PYTHON, Tap, code_blocks, drop_database, fresh_database  # noqa: E402
import subprocess  # noqa: E402

DB = "mf_python_alembic"
tap = Tap()
url = fresh_database(DB)
env = dict(os.environ, MEGAFORCE_DATABASE_URL=url)

files = {name: code for language, name, code, line in code_blocks() if language == "python" and name}
tap.ok("env.py" in files and "models.py" in files, "docs/python.md has env.py and models.py")


def project(env_py):
    """An Alembic project as `alembic init migrations` makes it, with the doc's env.py and models.py."""
    work = tempfile.mkdtemp(prefix="mf-alembic-")
    subprocess.run([PYTHON, "-m", "alembic", "init", "migrations"], cwd=work, env=env, check=True,
                   capture_output=True)
    with open(os.path.join(work, "migrations", "env.py"), "w", encoding="utf-8") as f:
        f.write(env_py)
    with open(os.path.join(work, "models.py"), "w", encoding="utf-8") as f:
        f.write(files["models.py"])
    return work


def alembic(work, *args):
    return subprocess.run([PYTHON, "-m", "alembic", *args], cwd=work, env=env, capture_output=True, text=True,
                          timeout=180)


def autogenerate(work, message):
    """Runs autogenerate; returns (process, the upgrade() body of the new revision)."""
    before = set(glob.glob(os.path.join(work, "migrations", "versions", "*.py")))
    result = alembic(work, "revision", "--autogenerate", "-m", message)
    new = sorted(set(glob.glob(os.path.join(work, "migrations", "versions", "*.py"))) - before)
    if not new:
        return result, None
    text = open(new[0], encoding="utf-8").read()
    body = text.split("def upgrade()", 1)[1].split("def downgrade()", 1)[0]
    return result, body


def operations(body):
    """The op.* calls of a revision body, comments dropped."""
    code = "\n".join(line.split("#", 1)[0] for line in body.splitlines())
    return re.findall(r"op\.(\w+)\((.*)", code)


def megaforce_tables():
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                            "WHERE schemaname = 'megaforce'").fetchone()[0]


tables_before = megaforce_tables()
work = project(files["env.py"])
result, body = autogenerate(work, "articles")
if tap.ok(body is not None, "alembic revision --autogenerate runs with the doc's env.py",
          result.stdout + result.stderr):
    ops = operations(body)
    tap.ok([name for name, _ in ops if name == "create_table"] == ["create_table"] and "'articles'" in body
           and "schema='app'" in body, "it proposes creating app.articles", body)
    mentions = [line for line in body.splitlines()
                if "megaforce" in line and "'megaforce.users.id'" not in line]
    tap.ok(not mentions and not [n for n, _ in ops if n.startswith("drop")],
           "and nothing about megaforce's tables (only the foreign key to megaforce.users)", body)

    result = alembic(work, "upgrade", "head")
    tap.ok(result.returncode == 0, "alembic upgrade head creates it", result.stdout + result.stderr)
    with psycopg.connect(url, autocommit=True) as conn:
        user = conn.execute("SELECT megaforce.create_user('writer@example.com', 'W')").fetchone()[0]
        conn.execute("INSERT INTO app.articles (author_id, body) VALUES (%s, 'hello')", (user,))
        refused = None
        try:
            conn.execute("INSERT INTO app.articles (author_id, body) VALUES (gen_random_uuid(), 'x')")
        except psycopg.errors.ForeignKeyViolation as error:
            refused = error
        tap.ok(refused is not None, "app.articles refers to megaforce.users by a real foreign key")
    tap.ok(megaforce_tables() == tables_before, "megaforce's tables are all still there", megaforce_tables())

    result, body = autogenerate(work, "nothing")
    tap.ok(body is not None and operations(body) == [],
           "a second autogenerate proposes nothing", (body or "") + result.stdout + result.stderr)
shutil.rmtree(work)

# The filters are what keeps autogenerate away: without them it is not.
# (Each on a database without the application's schema, as before the first revision.)
for argument in ("include_name=include_name,", "include_object=include_object,"):
    tap.ok(argument in files["env.py"], f"env.py passes {argument.split('=')[0]}")


def unfiltered(*arguments):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS app CASCADE")
    env_py = files["env.py"]
    for argument in arguments:
        env_py = env_py.replace(argument, "")
    work = project(env_py)
    result, body = autogenerate(work, "unfiltered")
    shutil.rmtree(work)
    return result, body if body is not None else result.stdout


result, body = unfiltered("include_name=include_name,", "include_object=include_object,")
tap.ok("drop_table('runs', schema='megaforce')" in body,
       "without the filters, autogenerate would drop megaforce's tables", body + result.stderr)
result, body = unfiltered("include_object=include_object,")
tap.ok(re.search(r"create_table\('users'", body) is not None and "schema='megaforce'" in body,
       "without include_object, autogenerate would create megaforce.users", body + result.stderr)
result, body = unfiltered("include_name=include_name,")
tap.ok("users_email_key" in result.stderr,
       "without include_name, autogenerate reads megaforce's schema (and warns about its expression indexes)",
       body + result.stderr)
result, body = unfiltered()
tap.ok("create_table('articles'" in body and "users_email_key" not in result.stderr,
       "with include_name, it does not", body + result.stderr)

drop_database(DB)
tap.done()
