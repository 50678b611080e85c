package transfer

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// List operations: the GET body carried in `requestBody`, one page, and the
// iterators that page through everything.

// listQuery is the `requestBody` query parameter that carries a GET list
// body (x-portone-query-or-body), as the official SDK sends it.
func listQuery(body any) (url.Values, error) {
	b, err := encodeBody(body)
	if err != nil {
		return nil, err
	}
	return url.Values{"requestBody": {string(b)}}, nil
}

// DefaultPageSize is the page size the iterators ask for.
const DefaultPageSize = 100

// maxPages bounds one iteration (ten million items at DefaultPageSize): a
// server that ignored page.number would otherwise answer the same full page
// forever.
const maxPages = 100_000

// paginate yields every item of a list operation, DefaultPageSize items a
// page, until an empty page. A short page does not end the list: PortOne
// documents no page-size limit or default, and its page.totalCount is the
// count on the page, not a total, so a server that caps the size below ours
// answers full pages shorter than we asked for, and stopping there would
// silently drop the rest. list fetches one page and f is its filter. On error
// it yields the zero item and the error once, then stops.
func paginate[T, F any](ctx context.Context, f F, list func(context.Context, PageInput, F) ([]T, PageInfo, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for n := 0; ; n++ {
			if n == maxPages {
				var zero T
				yield(zero, fmt.Errorf("list still not done after %d pages: stopping", maxPages))
				return
			}
			number, size := n, DefaultPageSize
			items, _, err := list(ctx, PageInput{Number: &number, Size: &size}, f)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 {
				return
			}
		}
	}
}

// listBody is the JSON of every GET list body: {page?, filter?}.
type listBody struct {
	Page   *PageInput `json:"page,omitempty"`
	Filter any        `json:"filter,omitempty"`
}

// list runs a GET list operation with its body in `requestBody`.
func (c *Client) list(ctx context.Context, path string, body any, out any) error {
	q, err := listQuery(body)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodGet, path: path, query: q}, out)
}

// filterOrNil keeps a nil filter pointer out of the body (a typed nil in an
// interface would encode as null).
func filterOrNil[T any](f *T) any {
	if f == nil {
		return nil
	}
	return f
}

// listItems fetches page p of the list operation at path, whose answer is
// {items, page}; what names the list in errors.
func listItems[T any](ctx context.Context, c *Client, what, path string, p PageInput, filter any) ([]T, PageInfo, error) {
	var out struct {
		Items []T      `json:"items"`
		Page  PageInfo `json:"page"`
	}
	if err := c.list(ctx, path, listBody{Page: &p, Filter: filter}, &out); err != nil {
		return nil, PageInfo{}, fmt.Errorf("list %s: %w", what, err)
	}
	return out.Items, out.Page, nil
}
