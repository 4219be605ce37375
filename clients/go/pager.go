package aerostack

import "context"

// Pager walks a cursor-paginated list item by item, fetching the next page when needed.
// Get one from a ListAll method.
//
//	it := client.Projects.ListAll(nil)
//	for it.Next(ctx) {
//		fmt.Println(it.Current().Name)
//	}
//	if err := it.Err(); err != nil {
//		return err
//	}
type Pager[T any] struct {
	fetch   func(ctx context.Context, cursor *string) ([]T, *string, error)
	cursor  *string
	started bool
	items   []T
	current T
	err     error
}

func newPager[T any](cursor *string, fetch func(ctx context.Context, cursor *string) ([]T, *string, error)) *Pager[T] {
	return &Pager[T]{fetch: fetch, cursor: cursor}
}

// Next advances to the next item, fetching a page if needed; false at the end or on error.
//
//	for it.Next(ctx) { … }
func (p *Pager[T]) Next(ctx context.Context) bool {
	for len(p.items) == 0 {
		if p.err != nil || (p.started && p.cursor == nil) {
			return false
		}
		items, next, err := p.fetch(ctx, p.cursor)
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
