package plexmcp

import (
	"context"
	"net/url"
	"strconv"
)

// Page is one page of a list.
type Page[T any] struct {
	Data []T
	// NextCursor fetches the following page; empty on the last page.
	NextCursor string
}

// HasMore reports whether another page follows.
func (p *Page[T]) HasMore() bool { return p.NextCursor != "" }

type pageFetcher[T any] func(ctx context.Context, cursor string) (*Page[T], error)

// Iter walks every item of every page, fetching the next page only when the current one is used
// up. Nothing is sent before the first Next.
//
//	it := client.Keys.List(ctx, nil)
//	for it.Next() {
//		key := it.Current()
//	}
//	if err := it.Err(); err != nil { ... }
type Iter[T any] struct {
	ctx     context.Context
	fetch   pageFetcher[T]
	cursor  string
	page    *Page[T]
	index   int
	current T
	err     error
}

func newIter[T any](ctx context.Context, cursor string, fetch pageFetcher[T]) *Iter[T] {
	return &Iter[T]{ctx: ctx, fetch: fetch, cursor: cursor}
}

// Next advances to the next item; false at the end or on an error (see Err).
func (it *Iter[T]) Next() bool {
	if it.err != nil {
		return false
	}
	for it.page == nil || it.index >= len(it.page.Data) {
		if it.page != nil && !it.page.HasMore() {
			return false
		}
		cursor := it.cursor
		if it.page != nil {
			cursor = it.page.NextCursor
		}
		page, err := it.fetch(it.ctx, cursor)
		if err != nil {
			it.err = err
			return false
		}
		it.page, it.index = page, 0
	}
	it.current = it.page.Data[it.index]
	it.index++
	return true
}

// Current is the item Next moved to.
func (it *Iter[T]) Current() T { return it.current }

// Err is the error that stopped the iteration, if any.
func (it *Iter[T]) Err() error { return it.err }

func listQuery(p *ListParams, cursor string) url.Values {
	q := url.Values{}
	if p != nil && p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}

func startCursor(p *ListParams) string {
	if p == nil {
		return ""
	}
	return p.Cursor
}

// fetchPage returns a fetcher of path; extra adds filters to every page's query.
func fetchPage[T any](c *Client, path string, params *ListParams, extra url.Values) pageFetcher[T] {
	return func(ctx context.Context, cursor string) (*Page[T], error) {
		q := listQuery(params, cursor)
		for k, vs := range extra {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		var data []T
		pg, err := c.do(ctx, "GET", path, q, nil, &data)
		if err != nil {
			return nil, err
		}
		page := &Page[T]{Data: data}
		if pg != nil && pg.NextCursor != nil {
			page.NextCursor = *pg.NextCursor
		}
		return page, nil
	}
}
