// IdTable against a Map keyed by the tuple's text: the same ids, in first-seen order, through growth and collisions.
import t from 'tap';
import fc from 'fast-check';
import { IdTable } from '../../src/audit/id-table.js';

const int = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer(), fc.constantFrom(-1, 0, 2 ** 31 - 1, -(2 ** 31)));
const tuple = fc.tuple(int, int, int, int, int);

t.test('ids are dense, first-seen, stable, and each id gives back its fields', async () => {
  fc.assert(
    fc.property(fc.array(tuple, { maxLength: 3000 }), fc.integer({ min: 1, max: 64 }), (tuples, capacity) => {
      const table = new IdTable(capacity);
      const want = new Map<string, number>();
      for (const u of tuples) {
        const key = u.join(',');
        if (!want.has(key)) want.set(key, want.size);
        if (table.id(...u) !== want.get(key)) return false;
      }
      if (table.size !== want.size) return false;
      return [...want].every(([key, id]) => [0, 1, 2, 3, 4].map((k) => table.field(id, k)).join(',') === key);
    }),
    { numRuns: 200 },
  );
});

t.test('a hundred thousand near-identical tuples: each its own id', async (t) => {
  const table = new IdTable();
  const wrong: number[] = [];
  for (let i = 0; i < 100_000; i++) if (table.id(i >> 7, i & 127, 0, -1, 1) !== i) wrong.push(i);
  for (let i = 0; i < 100_000; i += 997) if (table.id(i >> 7, i & 127, 0, -1, 1) !== i) wrong.push(i);
  t.same(wrong, [], 'every tuple has its first-seen id, also when met again');
  t.equal(table.size, 100_000);
});
