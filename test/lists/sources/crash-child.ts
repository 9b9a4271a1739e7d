// Child process for the crash test: updates one list and kills itself with SIGKILL right before the rename.
import { updateList } from '../../../src/lists/index.js';

const [dir, url] = process.argv.slice(2) as [string, string];
await updateList(
  { name: 'l', format: 'aws-ip-ranges', path: 'ip-ranges.json', url },
  { baseDir: dir, download: { timeoutMs: 5000, retry: { attempts: 1, baseMs: 1, maxMs: 1 } }, beforeRename: () => process.kill(process.pid, 'SIGKILL') },
);
process.stdout.write('not killed\n');
