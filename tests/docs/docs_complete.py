"""The documentation is complete and self-contained (issue 22).

Fails when docs/ leaves out a function of the installed extension, a
megaforce.* setting, a client command or option, or a SQLSTATE the extension
raises; when a relative link in README.md or docs/ does not resolve (file or
#anchor); and when a link leaves the repository.

Needs the test cluster (PGHOST, PGPORT, PGUSER) and the built client
($MF_BUILD_DIR/client/megaforce). Prints TAP."""
import glob
import os
import re
import subprocess
import sys
import unicodedata

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOCS = os.path.join(ROOT, "docs")
CLIENT = os.path.join(os.environ.get("MF_BUILD_DIR", os.path.join(ROOT, "build")), "client", "megaforce")
DB = "mf_docs"

n = failed = 0


def ok(passed, description, diagnostics=""):
    global n, failed
    n += 1
    print(f"{'ok' if passed else 'not ok'} {n} - {description}", flush=True)
    if not passed:
        failed += 1
        for line in str(diagnostics).splitlines():
            print(f"#   {line}", flush=True)


def psql(sql, db=DB):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                          capture_output=True, text=True, check=True).stdout.split()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def without_code(text):
    """The markdown without fenced blocks and inline code (links there are not links)."""
    text = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


docs_files = sorted(glob.glob(os.path.join(DOCS, "*.md")))
docs_text = "\n".join(read(p) for p in docs_files)
words = set(re.findall(r"[A-Za-z0-9_.\-]+", docs_text))


def documented(name, text=docs_text):
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", text) is not None


# --- functions of the installed extension -------------------------------------
subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "SET client_min_messages = warning",
                "-c", f"DROP DATABASE IF EXISTS {DB}", "-c", f"CREATE DATABASE {DB}"], check=True,
               capture_output=True)
psql("CREATE EXTENSION megaforce")
functions = sorted(set(psql(
    "SELECT p.proname FROM pg_catalog.pg_proc p "
    "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass "
    "     AND d.objid = p.oid AND d.deptype = 'e' "
    "JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'megaforce'")))
ok(len(functions) >= 30, f"the extension has its functions ({len(functions)})")
missing = [f for f in functions if not documented(f)]
ok(not missing, "every function of the extension is in docs/", "missing: " + ", ".join(missing))
api = read(os.path.join(DOCS, "sql-api.md"))
schema = read(os.path.join(DOCS, "schema.md"))
callable_ = psql("SELECT DISTINCT p.proname FROM pg_catalog.pg_proc p "
                 "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass "
                 "     AND d.objid = p.oid AND d.deptype = 'e' "
                 "JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'megaforce' "
                 "WHERE p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype")
missing = [f for f in callable_ if not re.search(r"^### " + re.escape(f) + r"$", api, re.M)]
ok(not missing, "every callable function has its section in docs/sql-api.md", "missing: " + ", ".join(missing))
triggers = [f for f in functions if f not in callable_]
missing = [f for f in triggers if not documented(f, schema)]
ok(not missing, "every trigger function is in docs/schema.md", "missing: " + ", ".join(missing))
tables = psql("SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_depend d ON d.objid = c.oid "
              "AND d.deptype = 'e' JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid "
              "AND e.extname = 'megaforce' WHERE c.relkind = 'r'")
missing = [t for t in tables if not re.search(r"^## " + re.escape(t) + r"$", schema, re.M)]
ok(not missing, "every table has its section in docs/schema.md", "missing: " + ", ".join(missing))
columns = psql("SELECT c.relname || '.' || a.attname FROM pg_catalog.pg_attribute a "
               "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_depend d ON d.objid = c.oid "
               "AND d.deptype = 'e' JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid "
               "AND e.extname = 'megaforce' WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped")
sections = {t: s for t, s in re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", schema, re.M | re.S)}
missing = [c for c in columns if f"`{c.split('.')[1]}`" not in sections.get(c.split(".")[0], "")]
ok(not missing, "every column is in its table's section of docs/schema.md", "missing: " + ", ".join(missing))
indexes = psql("SELECT i.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
               "JOIN pg_catalog.pg_class c ON c.oid = x.indrelid JOIN pg_catalog.pg_namespace n "
               "ON n.oid = c.relnamespace AND n.nspname = 'megaforce' WHERE NOT x.indisprimary")
missing = [i for i in indexes if not documented(i, schema)]
ok(not missing, "every index is in docs/schema.md", "missing: " + ", ".join(missing))

# --- settings -----------------------------------------------------------------
settings = set(psql("LOAD 'megaforce'; SELECT name FROM pg_catalog.pg_settings WHERE name LIKE 'megaforce.%'"))
for source in glob.glob(os.path.join(ROOT, "extension", "pg", "*.cpp")):
    settings.update(re.findall(r'DefineCustom\w+Variable\(\s*"(megaforce\.\w+)"', read(source)))
settings_md = read(os.path.join(DOCS, "settings.md"))
ok(len(settings) >= 4, f"megaforce has its settings ({', '.join(sorted(settings))})")
missing = [s for s in sorted(settings) if not re.search(r"^## " + re.escape(s) + r"$", settings_md, re.M)]
ok(not missing, "every megaforce.* setting has its section in docs/settings.md", "missing: " + ", ".join(missing))

# --- the client ---------------------------------------------------------------
client_md = read(os.path.join(DOCS, "client.md"))


def help_of(*args):
    return subprocess.run([CLIENT, *args, "--help"], capture_output=True, text=True).stdout


ok(os.access(CLIENT, os.X_OK), f"the client is built ({CLIENT})")
top = help_of() if os.access(CLIENT, os.X_OK) else ""
parts = re.split(r"^subcommands:[ \t]*$", top, maxsplit=1, flags=re.I | re.M)
head, listing = parts[0], (parts[1] if len(parts) > 1 else "")
commands = re.findall(r"^\s{2}(\w+)\s{2,}", listing, re.M)
ok(len(commands) >= 9, f"megaforce --help lists its commands ({', '.join(commands)})", top)
missing = [c for c in commands if not re.search(r"^## " + re.escape(c) + r"$", client_md, re.M)]
ok(not missing, "every client command has its section in docs/client.md", "missing: " + ", ".join(missing))
options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", head))
for command in commands:
    options.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", help_of(command)))
missing = sorted(o for o in options if not documented(o, client_md))
ok(not missing, f"every client option ({len(options)}) is in docs/client.md", "missing: " + ", ".join(missing))

client_code = "\n".join(read(p) for p in glob.glob(os.path.join(ROOT, "client", "*.[ch]pp")))
checks = sorted(set(re.findall(r'"((?:postgres|megaforce|runs|outputs):[A-Za-z]+)"', client_code)))
ok(len(checks) >= 7, f"the client has its health checks ({len(checks)})")
missing = [c for c in checks if f"`{c}`" not in client_md and f"checks.{c}`" not in client_md]
ok(not missing, "every health check is in docs/client.md", "missing: " + ", ".join(missing))
metrics = sorted(set(re.findall(r'"(megaforce_[a-z0-9_]+)', client_code)))
missing = [m for m in metrics if not documented(m, client_md)]
ok(not missing, f"every metric the client names ({len(metrics)}) is in docs/client.md", "missing: " + ", ".join(missing))

# --- SQLSTATEs ----------------------------------------------------------------
states = set(re.findall(r'constexpr const char\* k\w+ = "([0-9A-Z]{5})"',
                        read(os.path.join(ROOT, "extension", "core", "error.hpp"))))
# The errors the contract lists, whatever the code spells them as.
states.update(["55000", "42501", "22023", "P0002", "40001", "23503", "25006"])
for path in glob.glob(os.path.join(ROOT, "sql", "*.sql")) + glob.glob(os.path.join(ROOT, "migrations", "*.sql")):
    states.update(re.findall(r"ERRCODE\s*=\s*'([0-9A-Z]{5})'", read(path)))
named = {"ERRCODE_OUT_OF_MEMORY": "53200", "ERRCODE_INTERNAL_ERROR": "XX000"}
for path in glob.glob(os.path.join(ROOT, "extension", "**", "*.[ch]pp"), recursive=True):
    text = read(path)
    states.update(code for name, code in named.items() if re.search(r"sqlerrcode\s*=\s*" + name, text))
errors_md = read(os.path.join(DOCS, "errors.md"))
missing = sorted(s for s in states if not re.search(r"^\| " + s + r" \|", errors_md, re.M))
ok(not missing, f"every SQLSTATE megaforce raises ({len(states)}) has its row in docs/errors.md",
   "missing: " + ", ".join(missing))

# --- links --------------------------------------------------------------------


def slug(heading):
    """GitHub's anchor of a heading."""
    text = re.sub(r"`|\*\*|\[|\]\([^)]*\)", "", heading.strip()).lower()
    text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    for heading in re.findall(r"^#{1,6} (.+)$", re.sub(r"^```.*?^```[ \t]*$", "", read(path), flags=re.S | re.M),
                              re.M):
        s = slug(heading)
        found.add(s if s not in seen else f"{s}-{seen[s]}")
        seen[s] = seen.get(s, 0) + 1
    return found


pages = [os.path.join(ROOT, "README.md")] + docs_files
broken, outside, checked = [], [], 0
for page in pages:
    text = without_code(read(page))
    for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
        checked += 1
        where = f"{os.path.relpath(page, ROOT)}: {target}"
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            outside.append(where)
            continue
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        if not resolved.startswith(ROOT + os.sep) and resolved != ROOT:
            outside.append(where)
        elif not os.path.exists(resolved):
            broken.append(where + " (no such file)")
        elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
            broken.append(where + " (no such heading)")
ok(checked > 50, f"README.md and docs/ have their links ({checked})")
ok(not broken, "every relative link resolves, file and #anchor", "\n".join(broken))
ok(not outside, "no link leaves the repository", "\n".join(outside))
spec = [f"{os.path.relpath(p, ROOT)}:{i}" for p in pages for i, line in enumerate(read(p).splitlines(), 1)
        if "SPEC" in line]
ok(not spec, "README.md and docs/ stand alone: they do not refer to a specification outside the repository",
   "\n".join(spec))
linked = {os.path.normpath(os.path.join(DOCS, t.partition("#")[0]))
          for t in re.findall(r"\]\(([^)#\s]+)", without_code(read(os.path.join(DOCS, "README.md"))))}
missing = [os.path.basename(p) for p in docs_files if p not in linked and not p.endswith("README.md")]
ok(not missing, "the index docs/README.md links every page", "not linked: " + ", ".join(missing))
readme = without_code(read(os.path.join(ROOT, "README.md")))
ok("](docs/README.md)" in readme or "](docs/)" in readme, "README.md links the documentation's index")

subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}"], capture_output=True)
print(f"1..{n}")
sys.exit(1 if failed else 0)
