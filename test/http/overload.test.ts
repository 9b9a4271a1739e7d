// Overload: a saturated event loop is answered 503 OVERLOADED with Retry-After, then recovers.
import t from 'tap';
import { defaultsApp } from '../helpers/app.js';

t.test('503 with Retry-After while the event loop lags, 200 again after', async (t) => {
  const { app, state } = await defaultsApp({ maxEventLoopDelay: 50, sampleInterval: 50, retryAfter: 7 });
  t.teardown(() => app.close());
  await state.reload('test');
  await app.ready();
  t.equal((await app.inject({ method: 'GET', url: '/lookup/10.0.0.1' })).statusCode, 200);
  // Block the loop for a while, then let the sampler see the delay.
  const until = Date.now() + 300;
  while (Date.now() < until) {
    /* busy */
  }
  // The sampler's timer is overdue: it runs before a timer set now, and sees the delay.
  await new Promise((r) => setTimeout(r, 0));
  const r = await app.inject({ method: 'GET', url: '/lookup/10.0.0.1' });
  t.equal(r.statusCode, 503);
  t.equal(r.headers['retry-after'], '7');
  t.match(JSON.parse(r.body), { error: { code: 'OVERLOADED', message: /retry after 7 s/ } });
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    await new Promise((res) => setTimeout(res, 20));
    status = (await app.inject({ method: 'GET', url: '/lookup/10.0.0.1' })).statusCode;
  }
  t.equal(status, 200, 'recovers once the loop is idle');
});

t.test('the overload guard never reads memory on its timer (out of descriptors, that read throws EMFILE)', async (t) => {
  const memoryUsage = process.memoryUsage;
  let calls = 0;
  const emfile = () => {
    calls++;
    throw Object.assign(new Error('EMFILE: too many open files, uv_resident_set_memory'), { code: 'EMFILE' });
  };
  process.memoryUsage = Object.assign(emfile, { rss: emfile }) as unknown as typeof process.memoryUsage;
  t.teardown(() => {
    process.memoryUsage = memoryUsage;
  });
  const { app, state } = await defaultsApp({ maxEventLoopDelay: 50, sampleInterval: 10 });
  t.teardown(() => app.close());
  await state.reload('test');
  // Many sampling intervals: under-pressure's timer would have thrown here, from a timer, uncaught.
  await new Promise((r) => setTimeout(r, 200));
  t.equal(calls, 0, 'process.memoryUsage() never called');
  t.equal((await app.inject({ method: 'GET', url: '/lookup/10.0.0.1' })).statusCode, 200);
});
