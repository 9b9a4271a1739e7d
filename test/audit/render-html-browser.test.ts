// The HTML report in a real browser (Debian's headless Chromium, driven by playwright-core): loaded from a
// file:// URL, it makes no request but its own, shows its sections and charts, sorts a table on a header
// click, logs no error, and a full-page screenshot is a real picture.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { PROJECT_ROOT, SHARED_DATA, dataPath } from '../helpers/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';
// No network of its own: no background fetches, updates, sync or QUIC probing to blur the request log.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const C = ['-c', resolve(PROJECT_ROOT, 'config', 'ipdest.yaml')];
const DAY1 = () => [dataPath('sysmon', 'winlogbeat7-ecs-eid3.ndjson'), dataPath('iptables', 'elastic-beats-iptables.log')];
const ALL = () => [
  dataPath('sysmon', 'nxlog-flat-eid3.ndjson'),
  dataPath('sysmon', 'winlogbeat7-ecs-eid3.ndjson'),
  dataPath('sysmon', 'winlogbeat8-eid3.ndjson'),
  dataPath('iptables', 'crowdsec-hub-iptables-logs.log'),
  dataPath('iptables', 'elastic-beats-iptables.log'),
  dataPath('zeek', 'rita-open_conns-closed-conn.log'), // beacons
];

const needs = [SHARED_DATA, ...DAY1(), ...ALL()].find((p) => !existsSync(p));
const skip =
  needs !== undefined
    ? `needs ${needs} (real public data in ../shared/data beside the project), absent here`
    : !existsSync(CHROMIUM)
      ? `needs ${CHROMIUM} (Debian's chromium package; .ci/run installs it when it can), absent here`
      : false;

/** The text of column `col` of every body row of table `#id`. */
const column = (page: Page, id: string, col: number): Promise<string[]> =>
  page.$$eval(`#${id} tbody tr`, (rows, i) => rows.map((r) => (r as any).cells[i].textContent ?? ''), col);

t.test('HTML report in headless Chromium: no request, sections, charts, sorting, no error, a screenshot', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-html-browser-'));
  const base = join(dir, 'baseline.json');
  t.equal((await runCli(['audit', ...C, '--format', 'json', '--save-baseline', base, ...DAY1()])).code, 0, 'baseline saved');
  const file = join(dir, 'report.html');
  t.equal((await runCli(['audit', ...C, '--format', 'html', '--baseline', base, '--out', file, ...ALL()])).code, 0, 'report written');
  const json = JSON.parse((await runCli(['audit', ...C, '--format', 'json', '--baseline', base, ...ALL()])).out);
  t.ok(
    json.destinations.some((d: any) => d.new === true),
    'the data has destinations new since the baseline',
  );
  t.ok(json.beacons.length > 0, 'the data has beacons');
  const url = pathToFileURL(file).href;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url, { waitUntil: 'load' });

  t.equal(await page.title(), 'ipdest audit: who are we connecting to?');
  const headings: Record<string, RegExp> = {
    new: /^New since the baseline \(\d+\)$/,
    unexplained: /^Unexplained external destinations \(\d+\)$/,
    charts: /^At a glance$/,
    destinations: /^Destinations \(\d+(, top \d+)?\)$/,
    processes: /^Processes$/,
    hosts: /^Hosts$/,
    beacons: /^Beacons$/,
  };
  for (const [id, re] of Object.entries(headings)) {
    const h = page.locator(`section#${id} > h2`);
    t.equal(await h.count(), 1, `section ${id} has its heading`);
    t.match((await h.textContent())?.trim(), re, `section ${id}: heading text`);
    t.ok(await h.isVisible(), `section ${id} is visible`);
  }
  // Long process paths and host lists wrap: the page is no wider than the window (no sideways scrolling).
  t.ok(Number(await page.evaluate('document.documentElement.scrollWidth')) <= 1280, 'the tables fit the 1280 px window');
  const ids = await page.$$eval('section', (s) => s.map((x) => x.id));
  t.ok(ids.indexOf('new') < ids.indexOf('destinations') && ids.indexOf('unexplained') < ids.indexOf('destinations'), 'new and unexplained come first');
  const fresh = json.destinations.filter((d: any) => d.new === true).length;
  t.equal(await page.locator('#new-table tbody tr').count(), Math.min(20, fresh), 'the new table has the new destinations, up to --top');
  t.ok((await page.locator('#beacons-table tbody tr').count()) > 0, 'the beacons table has rows');

  // Every chart is drawn, with a size on screen, and its bars are there.
  const charts = page.locator('section#charts svg');
  t.equal(await charts.count(), 4, 'four charts: by tag, by owner, by service, per hour');
  for (let i = 0; i < 4; i++) {
    const svg = charts.nth(i);
    const box = await svg.boundingBox();
    t.ok(
      box !== null && box.width > 0 && box.height > 0,
      `chart ${i + 1} (${await svg.getAttribute('aria-label')}) has a rendered size: ${JSON.stringify(box)}`,
    );
    t.ok((await svg.locator('rect').count()) > 0, `chart ${i + 1} has bars`);
    const bar = await svg.locator('rect').first().boundingBox();
    t.ok(bar !== null && bar.width > 0 && bar.height > 0, `chart ${i + 1}: its first bar is drawn`);
  }

  // Sorting: the destinations come by connections, most first; a click on "connections" sorts them
  // ascending (numbers as numbers), a second click descending.
  const T = 'destinations-table';
  const conns = async (): Promise<number[]> => (await column(page, T, 5)).map(Number);
  const before = await conns();
  t.ok(before.length > 1, 'the destinations table has rows');
  t.same(
    before,
    [...before].sort((a, b) => b - a),
    'at first: most connections first',
  );
  const th = page.locator(`#${T} th[data-col="5"]`);
  t.equal((await th.textContent())?.trim(), 'connections');
  const firstIp = (await column(page, T, 0))[0];
  await th.click();
  const asc = await conns();
  t.same(
    asc,
    [...before].sort((a, b) => a - b),
    'one click: fewest connections first',
  );
  t.match(await th.getAttribute('class'), /\basc\b/, 'the header shows the ascending sort');
  if (before[0] !== before[before.length - 1]) t.not((await column(page, T, 0))[0], firstIp, 'the first row changed');
  await th.click();
  t.same(
    await conns(),
    [...before].sort((a, b) => b - a),
    'second click: most connections first again',
  );
  t.match(await th.getAttribute('class'), /\bdesc\b/, 'the header shows the descending sort');
  // A text column sorts as text.
  await page.locator(`#${T} th[data-col="1"]`).click();
  const tags = await column(page, T, 1);
  t.same(
    tags,
    [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    'a click on "tag" sorts it as text',
  );

  const png = join(dir, 'report.png');
  await page.screenshot({ path: png, fullPage: true });
  const bytes = readFileSync(png);
  t.same([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the screenshot is a PNG');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  t.equal(width, 1280, 'the screenshot is as wide as the viewport');
  t.ok(height > 900, `a full page, taller than the first screen: ${height} px`);
  t.ok(statSync(png).size > 20_000, `a picture with content: ${statSync(png).size} bytes`);

  t.same(problems, [], 'no console error or warning, no page error');
  t.same(requests, [url], 'no request but the page itself');
  t.ok(
    requests.every((u) => /^(file:|about:|data:)/.test(u)),
    'nothing over the network',
  );
});
