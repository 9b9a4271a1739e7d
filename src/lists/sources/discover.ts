// Finding a list's download link on its publisher's page (Azure Service Tags: a new dated file name every week).
import { download, DownloadError, type DownloadOptions } from './download.js';
import type { DownloadPage } from './known.js';

/**
 * The one file the page links to. Fails loudly when the page has no such link (the page was
 * redesigned, or an error page came back) and when it links two different files: the page is
 * then ambiguous (a stale fragment, a mirror's mix-up), and guessing the newer one could pick a
 * file the publisher withdrew. The same link repeated (the page has it in its button and in its
 * JSON data) counts once.
 */
export async function discoverLink(page: DownloadPage, opts: DownloadOptions): Promise<string> {
  const got = await download(page.url, { ...opts, headers: {}, probe: undefined, html: true });
  if (got.kind !== 'body') throw new DownloadError(`the download page ${page.url} gave no body`);
  // The page's embedded JSON writes links with escaped slashes (https:\/\/download…).
  const text = got.body
    .toString('utf8')
    .replace(/\\\//g, '/')
    .replace(/\\u002f/gi, '/');
  const links = [...new Set([...text.matchAll(new RegExp(page.link.source, 'g'))].map((m) => m[0]))];
  if (links.length === 0)
    throw new DownloadError(`the download page ${page.url} has no link matching ${page.link.source}: has the page changed? Set url to the file`);
  if (links.length > 1)
    throw new DownloadError(
      `the download page ${page.url} links ${links.length} different files (${links.join(', ')}): refusing to guess; set url to the one wanted`,
    );
  return links[0]!;
}
