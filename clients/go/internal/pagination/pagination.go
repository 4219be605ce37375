// Package pagination walks cursor-paginated lists: {data: [...], nextCursor}.
package pagination

import (
	"context"
	"iter"
)

// Page fetches one page at cursor ("" for the first) and returns its items and the next
// cursor ("" on the last page).
type Page[T any] func(ctx context.Context, cursor string) (items []T, next string, err error)

// Pager walks a cursor-paginated list item by item, fetching the next page when needed. Get
// one from a ListAutoPaging method.
//
//	it := client.Projects.ListAutoPaging(ctx, nil)
//	for it.Next() {
//		fmt.Println(it.Current().Name)
//	}
//	if err := it.Err(); err != nil {
//		return err
//	}
type Pager[T any] struct {
	ctx     context.Context
	fetch   Page[T]
	cursor  string
	started bool
	items   []T
	current T
	err     error
}

// New returns a Pager starting at cursor ("" for the first page).
func New[T any](ctx context.Context, cursor string, fetch Page[T]) *Pager[T] {
	return &Pager[T]{ctx: ctx, fetch: fetch, cursor: cursor}
}

// Next advances to the next item, fetching a page if needed; false at the end or on error.
//
//	for it.Next() { … }
func (p *Pager[T]) Next() bool {
	for len(p.items) == 0 {
		if p.err != nil || (p.started && p.cursor == "") {
			return false
		}
		items, next, err := p.fetch(p.ctx, p.cursor)
		p.started = true
		if err != nil {
			p.err = err
			return false
		}
		p.items, p.cursor = items, next
	}
	p.current, p.items = p.items[0], p.items[1:]
	return true
}

// Current is the item Next advanced to.
//
//	project := it.Current()
func (p *Pager[T]) Current() T { return p.current }

// Err is the error that stopped Next, if any.
//
//	if err := it.Err(); err != nil { … }
func (p *Pager[T]) Err() error { return p.err }

// All ranges over the remaining items; an error ends the loop as its last pair.
//
//	for project, err := range client.Projects.ListAutoPaging(ctx, nil).All() {
//		if err != nil {
//			return err
//		}
//		fmt.Println(project.Name)
//	}
func (p *Pager[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for p.Next() {
			if !yield(p.current, nil) {
				return
			}
		}
		if p.err != nil {
			var zero T
			yield(zero, p.err)
		}
	}
}
