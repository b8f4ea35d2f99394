import { useState } from 'react';
import type { ApiKey } from '../api/types';

type Labels = Pick<ApiKey, 'metadata' | 'tags' | 'ip_allowlist'>;

function words(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter((w) => w !== '');
}

/** `key=value` lines (blank lines skipped) as metadata pairs; a line without `=` is an error. */
function parseMetadata(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    if (at < 1) throw new Error(`Metadata line “${line.trim()}” must be key=value.`);
    pairs[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return pairs;
}

/**
 * The labels of a key — tags, metadata pairs and its own IP allowlist — as form fields, with
 * `value()` giving the changed ones in the API's shape (an empty allowlist is `null`: any address).
 */
export function useKeyLabels(idPrefix: string, initial: Labels) {
  const [tags, setTags] = useState(initial.tags.join(', '));
  const [metadata, setMetadata] = useState(
    Object.entries(initial.metadata)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const [allowlist, setAllowlist] = useState((initial.ip_allowlist ?? []).join('\n'));
  const fields = (
    <fieldset>
      <legend>Labels and network</legend>
      <label htmlFor={`${idPrefix}-tags`}>Tags (comma separated)</label>
      <input
        id={`${idPrefix}-tags`}
        value={tags}
        placeholder="prod, billing"
        onChange={(e) => setTags(e.target.value)}
      />
      <label htmlFor={`${idPrefix}-metadata`}>Metadata (one key=value per line, not secret)</label>
      <textarea
        id={`${idPrefix}-metadata`}
        rows={3}
        value={metadata}
        placeholder="team=payments"
        onChange={(e) => setMetadata(e.target.value)}
      />
      <label htmlFor={`${idPrefix}-ip-allowlist`}>
        IP allowlist (CIDRs, one per line; empty: any address)
      </label>
      <textarea
        id={`${idPrefix}-ip-allowlist`}
        rows={2}
        value={allowlist}
        placeholder="203.0.113.0/24"
        onChange={(e) => setAllowlist(e.target.value)}
      />
    </fieldset>
  );
  /** Only the labels that differ from `initial`, so an unchanged allowlist is never re-sent. */
  const value = (): Partial<Labels> => {
    const cidrs = words(allowlist);
    const next: Labels = {
      tags: words(tags),
      metadata: parseMetadata(metadata),
      ip_allowlist: cidrs.length ? cidrs : null,
    };
    return Object.fromEntries(
      (Object.keys(next) as (keyof Labels)[])
        .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(initial[k]))
        .map((k) => [k, next[k]]),
    );
  };
  return { fields, value };
}

/** A key's tags and metadata pairs, for the Keys table. */
export function KeyLabels({ apiKey }: { apiKey: ApiKey }) {
  const pairs = Object.entries(apiKey.metadata);
  if (apiKey.tags.length === 0 && pairs.length === 0) return <span className="muted">none</span>;
  return (
    <>
      {apiKey.tags.map((t) => (
        <span key={t} className="badge tag">
          {t}
        </span>
      ))}
      {pairs.map(([k, v]) => (
        <div key={k} className="muted">
          {k}: {v}
        </div>
      ))}
    </>
  );
}

/** Texts of a key the search box also matches: its tags and `key:value` metadata pairs. */
export function labelTexts(key: ApiKey): string[] {
  return [...key.tags, ...Object.entries(key.metadata).map(([k, v]) => `${k}:${v}`)];
}

/** Every tag used by these keys, sorted, for the tag filter. */
export function allTags(keys: readonly ApiKey[] | null | undefined): string[] {
  return [...new Set((keys ?? []).flatMap((k) => k.tags))].sort();
}
