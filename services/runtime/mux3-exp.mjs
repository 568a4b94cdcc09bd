import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
const [maxConn, poolMax] = [Number(process.argv[2]), Number(process.argv[3])];
const db = await PGlite.create();
const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: maxConn });
await server.start();
const pool = new pg.Pool({ connectionString: `postgres://postgres@${server.getServerConn()}/postgres`, max: poolMax });
let mismatches = 0, errors = 0, expectedErrors = 0;
await Promise.all(Array.from({ length: 2000 }, async (_, i) => {
  const bad = i % 7 === 0;
  try {
    const r = await pool.query(bad ? `select 1/($1::int - $1::int) as a, ${i} as k` : `select $1::int as a, $2::text as b, ${i} as k, repeat('x', 2000) as pad`, bad ? [i] : [i, `s${i}`]);
    if (r.rows[0].k !== i || r.rows[0].a !== i) mismatches++;
  } catch (e) { if (bad && /division by zero/.test(e.message)) expectedErrors++; else { errors++; if (errors < 3) console.log('err', i, e.message); } }
}));
console.log(JSON.stringify({ maxConn, poolMax, mismatches, errors, expectedErrors }));
// session state leaks across multiplexed connections?
const a = await pool.connect(); const b = await pool.connect();
await a.query("set application_name = 'conn-a'");
console.log('b sees application_name', (await b.query('show application_name')).rows[0]);
await a.query('select pg_advisory_lock(7)');
const t = Date.now();
const got = await Promise.race([b.query('select pg_advisory_lock(7)').then(() => 'acquired'), new Promise((r) => setTimeout(() => r('blocked'), 1000))]);
console.log('b advisory lock while a holds it:', got, Date.now() - t);
a.release(); b.release();
await pool.end(); await server.stop(); await db.close();
