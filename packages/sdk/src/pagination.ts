import type { Envelope } from './http.js';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * `await client.keys.list()` gives one page; `for await (const key of client.keys.list())` walks
 * every page, fetching the next one only when the current one is used up.
 */
export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private first: Promise<Page<T>> | undefined;

  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Envelope<T[]>>) {}

  private static toPage<T>(envelope: Envelope<T[]>): Page<T> {
    return { data: envelope.data, nextCursor: envelope.pagination?.next_cursor ?? null };
  }

  private firstPage(): Promise<Page<T>> {
    this.first ??= this.fetchPage(undefined).then((e) => PagePromise.toPage(e));
    return this.first;
  }

  then<R1 = Page<T>, R2 = never>(
    onfulfilled?: ((value: Page<T>) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    return this.firstPage().then(onfulfilled, onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let page = await this.firstPage();
    for (;;) {
      yield* page.data;
      if (!page.nextCursor) return;
      page = PagePromise.toPage(await this.fetchPage(page.nextCursor));
    }
  }
}
