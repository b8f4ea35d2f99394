import { createHook } from 'node:async_hooks';

/** One `process.nextTick` queue entry, kept for the life of the process (see below). */
let pinned: object | null = null;

/**
 * Keeps one `process.nextTick` queue entry alive for the life of the process, so that every later
 * one is built by V8's fast path. Call it once, as early as possible (`runService` does).
 *
 * Why: `process.nextTick` builds each entry as an object literal with computed keys
 * (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`). V8 remembers the
 * hidden class (map) each of those keys leads to, but only weakly. A process that goes idle after
 * start-up (a gateway waiting for its first request) runs full garbage collections while no entry
 * exists: the maps die, and the next `nextTick` finds its remembered map gone, which V8 (Node 20)
 * records as megamorphic — for good. From then on every entry is built in the runtime: on the MCP
 * proxy, ~4% of the main thread of a gateway that waited ~25 s for its first request, for the rest
 * of its life (root README, Benchmarks). A live entry keeps those maps alive, so the fast path
 * never loses them.
 *
 * The entry is caught with a `TickObject` init hook, enabled only for this one call (no hook is
 * left enabled). Returns whether an entry is held.
 */
export function pinTickObjectShape(): boolean {
  if (pinned !== null) return true;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && pinned === null) pinned = resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(noop);
  } finally {
    hook.disable();
  }
  return pinned !== null;
}

function noop(): void {}
