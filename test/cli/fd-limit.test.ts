// `ipdest serve` at its open-files limit: more idle connections than descriptors, and the server lives, sheds, recovers.
import t from 'tap';
import net from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFilesLimit } from '../../src/http/connections.js';
import { serveChild } from '../helpers/serve-child.js';

const LIMIT = 256;
const CLIENTS = 400;

const own = openFilesLimit();
t.test(
  'more idle connections than the open-files limit: no crash, new ones shed, answers again after',
  { skip: own !== null && own < CLIENTS + 100 ? `this process may open only ${own} files` : false },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ipdest-fd-'));
    writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
    const cfg = join(dir, 'ipdest.yaml');
    writeFileSync(cfg, 'lists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt }\n');
    const s = await serveChild(t, cfg, { ulimit: LIMIT });
    await s.waitFor(/"reason":"start"/);

    const sockets: net.Socket[] = [];
    t.teardown(() => {
      for (const c of sockets) c.destroy();
    });
    let shed = 0;
    let connected = 0;
    for (let i = 0; i < CLIENTS; i++) {
      const c = net.connect(s.port, '127.0.0.1', () => {
        connected++;
      });
      c.on('error', () => {
        /* a reset counts as closed */
      });
      c.on('close', () => {
        shed++;
      });
      sockets.push(c);
    }
    // Longer than a sampling interval of the old overload guard (1 s), which died of EMFILE here.
    const end = Date.now() + 1500;
    while (Date.now() < end && s.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    t.equal(s.child.exitCode, null, 'the server is still running');
    t.equal(connected, CLIENTS, 'every connection was accepted by the kernel');
    t.ok(shed >= CLIENTS - LIMIT, `connections past the cap were closed at once (${shed} of ${CLIENTS})`);
    t.ok(CLIENTS - shed < LIMIT - 64, `those kept open leave descriptors free (${CLIENTS - shed} open)`);

    for (const c of sockets) c.destroy();
    let health = 0;
    for (let i = 0; i < 100 && health !== 200; i++) {
      health = await fetch(`http://127.0.0.1:${s.port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (health !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    t.equal(health, 200, '/healthz answers once the connections are gone');
    const ready = await fetch(`http://127.0.0.1:${s.port}/readyz`);
    t.equal(ready.status, 200, 'and the lists are in service');
    const metrics = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
    const rejected = Number(/^ipdest_connections_rejected_total (\d+)$/m.exec(metrics)?.[1]);
    t.ok(rejected >= CLIENTS - LIMIT, `ipdest_connections_rejected_total ${rejected}`);
    const warned = s.lines().filter((l) => /connection limit reached/.test(l.msg));
    t.equal(warned.length, 1, 'one warning for the whole run, not one per connection');
    t.match(warned[0], { level: 40, limit: Number });
    t.notMatch(s.log(), /EMFILE/, 'never out of descriptors');

    s.child.kill('SIGTERM');
    t.same(await s.exited, { code: 0, signal: null }, 'exit 0 after SIGTERM');
  },
);
