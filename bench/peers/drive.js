// One timed measurement for bench/peers.sh: N workers of one system drain a
// queue; prints completed jobs per second over a fixed window.
//   node drive.js SYSTEM WORKERS BATCH SECONDS JOBS
// SYSTEM: floor | megaforce | graphile-worker | pg-boss. Connection from the
// libpq variables (PGHOST, PGPORT, PGUSER) and BENCH_DB.
//
// Every system is driven the same way: the queue is emptied, a pool of
// WORKERS connections is opened, then JOBS jobs are enqueued in bulk and the
// queue table analyzed, then WORKERS workers start (graphile-worker's are
// started before the enqueue, as its run() starts them; they wake on its
// NOTIFY), then after one second of warm-up the completions counted during SECONDS
// seconds give the figure. A worker claims BATCH jobs in one statement, then
// completes each job in its own statement (its own transaction), then claims
// again; an empty claim waits 10 ms. A completion counts when its statement
// has returned. If the queue ran dry before the window closed the figure is
// meaningless: the driver says so and exits 3.
//
// floor, megaforce and pg-boss run this loop here (pg-boss through its own
// fetch() and complete(), so its SQL); graphile-worker runs its own worker
// loop (run() with concurrency WORKERS, one job per fetch), which is the
// same loop, and a completion counts at its "job:complete" event, emitted
// after its completion statement returned.
"use strict";
const pg = require("pg");

const [system, workersArg, batchArg, secondsArg, jobsArg] = process.argv.slice(2);
const workers = Number(workersArg), batch = Number(batchArg);
const seconds = Number(secondsArg), jobs = Number(jobsArg);
const WARMUP_MS = 1000;
const database = process.env.BENCH_DB || "mf_bench";
const connection = { database, max: workers, idleTimeoutMillis: 0 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let completed = 0, running = true;

// The raw floor: the same statements as bench/queue.sh's floor.
const floor = {
  async reset(db) { await db.query("TRUNCATE floor_jobs"); },
  async enqueue(db, n) { await db.query("INSERT INTO floor_jobs (source) SELECT g FROM generate_series(1, $1::int) g", [n]); },
  table: "floor_jobs",
  async claim(pool, worker, n) {
    const { rows } = await pool.query({
      name: "floor_claim",
      text: `WITH c AS (SELECT id FROM floor_jobs WHERE status = 'queued' AND run_after <= now()
                        ORDER BY priority DESC, run_after, id LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE floor_jobs j SET status = 'running', claimed_by = $1, attempt = attempt + 1,
                    lease_expires_at = now() + interval '5 minutes'
             FROM c WHERE j.id = c.id RETURNING j.id`,
      values: [worker, n] });
    return rows;
  },
  async complete(pool, job) {
    await pool.query({
      name: "floor_complete",
      text: `UPDATE floor_jobs SET status = 'succeeded', finished_at = now(), result = '{"ok": true}'
             WHERE id = $1 AND status = 'running'`,
      values: [job.id] });
  },
};

// megaforce through its SQL API: claim_runs, then complete_run per run.
const megaforce = {
  async reset(db) {
    // Not TRUNCATE: it would cascade to approval_history, which refuses it.
    await db.query("DELETE FROM megaforce.runs");
    await db.query("VACUUM megaforce.runs");
    this.sources = (await db.query("SELECT id FROM megaforce.input_sources ORDER BY id")).rows.map((r) => r.id);
  },
  async enqueue(db, n) {
    if (n > this.sources.length) throw new Error(`only ${this.sources.length} input sources for ${n} jobs`);
    for (let i = 0; i < n; i += 10000) {
      await db.query("SELECT count(*) FROM megaforce.enqueue_runs($1::uuid[])", [this.sources.slice(i, Math.min(n, i + 10000))]);
    }
  },
  table: "megaforce.runs",
  async claim(pool, worker, n) {
    const { rows } = await pool.query({
      name: "mf_claim", text: "SELECT id, lease_token FROM megaforce.claim_runs($1, $2)", values: [worker, n] });
    return rows;
  },
  async complete(pool, job) {
    await pool.query({
      name: "mf_complete", text: `SELECT id FROM megaforce.complete_run($1, $2, '{"ok": true}')`,
      values: [job.id, job.lease_token] });
  },
};

// pg-boss through its API (its SQL): fetch(name, {batchSize}), complete(name, id).
let boss;
const pgBoss = {
  async start(pool) {
    const { default: PgBoss } = await import("pg-boss");
    // No maintenance, no cron: only the queue. Its pool has WORKERS connections.
    boss = new PgBoss({ ...connection, host: process.env.PGHOST, port: process.env.PGPORT, user: process.env.PGUSER,
                        supervise: false, schedule: false, migrate: true });
    boss.on("error", (e) => console.error(e));
    await boss.start();
    await boss.createQueue("bench");
  },
  async reset(db) { await db.query("TRUNCATE pgboss.job"); },
  async enqueue(db, n) {
    for (let i = 0; i < n; i += 5000) {
      await boss.insert(Array.from({ length: Math.min(5000, n - i) }, () => ({ name: "bench", data: {} })));
    }
  },
  table: "pgboss.job",
  async claim(_pool, _worker, n) { return boss.fetch("bench", { batchSize: n }); },
  async complete(_pool, job) { await boss.complete("bench", job.id, { ok: true }); },
};

async function loop(sys, pool, worker) {
  while (running) {
    const claimed = await sys.claim(pool, worker, batch);
    if (claimed.length === 0) { await sleep(10); continue; }
    for (const job of claimed) {
      await sys.complete(pool, job);
      completed++;
    }
  }
}

async function measure(remaining) {
  await sleep(WARMUP_MS);
  const start = completed, t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const done = completed - start, elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const left = await remaining();
  running = false;
  return { rate: done / elapsed, left };
}

async function main() {
  const admin = new pg.Client({ database });
  await admin.connect();
  await admin.query("SET client_min_messages = warning");
  let result;
  if (system === "graphile-worker") {
    const { run, makeWorkerUtils } = require("graphile-worker");
    const pgPool = new pg.Pool({ ...connection, max: workers + 1 });  // + its LISTEN connection
    const utils = await makeWorkerUtils({ pgPool });
    await utils.migrate();
    await admin.query("TRUNCATE graphile_worker._private_jobs");
    const runner = await run({
      pgPool, concurrency: workers, noHandleSignals: true, pollInterval: 10,
      logger: new (require("graphile-worker").Logger)(() => (level, message) => { if (level === "error") console.error(message); }),
      taskList: { bench: async () => {} },
    });
    runner.events.on("job:complete", () => { completed++; });
    await sleep(200);  // its workers have connected and polled
    for (let i = 0; i < jobs; i += 5000) {  // its bulk enqueue function, add_jobs
      await admin.query(`SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
        SELECT json_populate_record(NULL::graphile_worker.job_spec, '{"identifier": "bench", "payload": {}}')
        FROM generate_series(1, $1::int)))`, [Math.min(5000, jobs - i)]);
    }
    await admin.query("ANALYZE graphile_worker._private_jobs");
    result = await measure(async () => Number((await admin.query(
      "SELECT count(*) FROM graphile_worker._private_jobs WHERE locked_at IS NULL")).rows[0].count));
    await runner.stop();
    await utils.release();
    await pgPool.end();
  } else {
    const sys = { floor, megaforce, "pg-boss": pgBoss }[system];
    if (!sys) throw new Error(`unknown system ${system}`);
    if (sys.start) await sys.start();
    await sys.reset(admin);
    const options = system === "megaforce" ? `-c megaforce.notify=${process.env.PEER_MF_NOTIFY || "off"}` : undefined;
    const pool = new pg.Pool({ ...connection, options });
    // WORKERS connections open before the work is enqueued.
    const clients = await Promise.all(Array.from({ length: workers }, () => pool.connect()));
    clients.forEach((c) => c.release());
    if (system === "megaforce") await admin.query(`SET megaforce.notify = off`);
    await sys.enqueue(admin, jobs);
    await admin.query(`ANALYZE ${sys.table}`);
    // The loops start once the queue is analyzed: a megaforce claim planned
    // while runs was empty and run on the filled queue before ANALYZE takes
    // O(queue^2) (155 s for 20,000 runs), which would measure that, not the
    // throughput.
    const loops = Array.from({ length: workers }, (_, w) => loop(sys, pool, `w${w}`));
    const queued = { floor: "status = 'queued'", megaforce: "status = 'queued'", "pg-boss": "name = 'bench' AND state = 'created'" }[system];
    result = await measure(async () => Number((await admin.query(`SELECT count(*) FROM ${sys.table} WHERE ${queued}`)).rows[0].count));
    await Promise.all(loops);
    if (boss) await boss.stop({ graceful: false, wait: true });
    await pool.end();
  }
  await admin.end();
  if (result.left === 0) {
    console.error(`${system}: the queue ran dry inside the window; raise PEER_JOBS (now ${jobs})`);
    process.exit(3);
  }
  console.log(result.rate.toFixed(1));
}

main().catch((e) => { console.error(e); process.exit(1); });
