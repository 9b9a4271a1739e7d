// ServiceState: a reload with nothing changed keeps the tables in service; a changed file rebuilds them.
import t from 'tap';
import { writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { testApp } from '../helpers/app.js';

t.test('unchanged files: same tables; a touched file: new tables, only that list read again', async (t) => {
  const { app, state, dir } = await testApp();
  t.teardown(() => app.close());
  const first = state.lists;
  const same = await state.reload('test');
  t.equal(state.lists, first, 'nothing changed: the same list set stays in service');
  t.same(same.reread, []);
  writeFileSync(join(dir, 'mine.txt'), '192.0.2.0/24\n');
  utimesSync(join(dir, 'mine.txt'), new Date(), new Date(Date.now() + 5000));
  const changed = await state.reload('test');
  t.not(state.lists, first, 'a changed file: a new list set');
  t.same(changed.reread, ['mine']);
  t.equal(state.lists.lists[0], first.lists[0], 'the unchanged Azure list is reused as it was');
  t.equal(state.enricher.lookup('192.0.2.1').action, 'keep');
  t.match(state.enricher.lookup('192.0.2.1'), { IPDestination: 'Mine' });
});
