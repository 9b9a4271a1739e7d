// The enriched event as an object, changed in place: the generic reference the text edits of enrichToText are checked against.
import { tagOf, type Enricher, type Result } from '../../src/enrich/index.js';

/** Adds the tag, the details and (with addTags) the tag in `tags` to the event object, in place. */
export function enrichInPlace(enricher: Enricher, event: Record<string, unknown>): Result {
  const d = enricher.judge(event);
  const tag = tagOf(d);
  const o = enricher.options;
  // ipdest's field is ipdest's answer: one the event arrived with goes when no list matched.
  if (tag === null) delete event[o.field];
  else {
    event[o.field] = tag;
    if (o.addTags) {
      const tags = event.tags;
      if (Array.isArray(tags)) {
        if (!tags.includes(tag)) tags.push(tag);
      } else if (tags === null || tags === undefined) event.tags = [tag];
      else event.tags = tags === tag ? [tags] : [tags, tag];
    }
  }
  if (o.detailsField !== null) event[o.detailsField] = d;
  return d;
}
