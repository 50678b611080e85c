package transfer

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sync"
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

// DefaultPageSize is the page size the iterators of small lists
// (partners, contracts, policies) ask for.
const DefaultPageSize = 100

// DefaultListPageSize and DefaultListPages are Config.ListPageSize's and
// Config.ListPages' defaults: the transfer summaries of a night of a
// million transfers are about 1,100 pages of 1,000 (~1.5 MB each, far
// under maxBody), fetched four at a time.
const (
	DefaultListPageSize = 1000
	DefaultListPages    = 4
)

// maxPages bounds one iteration: a server that ignored page.number would
// otherwise answer the same full page forever.
const maxPages = 100_000

// paginate yields every item of a list operation, DefaultPageSize items a
// page, one page after the other; see paginatePages.
func paginate[T, F any](ctx context.Context, f F, list func(context.Context, PageInput, F) ([]T, PageInfo, error)) iter.Seq2[T, error] {
	return paginatePages(ctx, f, list, DefaultPageSize, 1)
}

// paginatePages yields every item of a list operation in order, asking for
// pages of size items and fetching up to parallel pages at once, until an
// empty page. list fetches one page and f is its filter. On error it
// yields the zero item and the error once, then stops.
//
// PortOne documents no page-size limit or default, and its page.totalCount
// is the count on the page, not a total (portone-platform.md §12), so:
//
//   - a short page does not end the list: only an empty page does;
//   - the first page is fetched alone and tells the size the server
//     really serves: its page.size when smaller than asked, else the number
//     of items it holds when fewer than asked (a server capping the size
//     answers full pages shorter than asked, and the rest follow at offsets
//     of that size; a list that really ended there answers an empty next
//     page all the same). The following pages ask for that size, so a cap
//     costs more requests, never lost items;
//   - the following pages are fetched parallel at a time (after a short
//     first page, the next one alone first: most often it is empty and the
//     list was that page), the window after the first empty page is not
//     yielded, and a page shorter than the
//     size before a non-empty one (the server's size changed mid-list) is
//     an error rather than a silent gap.
func paginatePages[T, F any](ctx context.Context, f F, list func(context.Context, PageInput, F) ([]T, PageInfo, error), size, parallel int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		fetch := func(n, size int) ([]T, PageInfo, error) {
			number, sz := n, size
			return list(ctx, PageInput{Number: &number, Size: &sz}, f)
		}
		items, info, err := fetch(0, size)
		if err != nil {
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
		// A short first page is most often the whole list: the next page is
		// asked for alone, and the window opens once it holds items.
		window := parallel
		if info.Size > 0 && info.Size < size {
			size = info.Size
		} else if len(items) < size {
			size, window = len(items), 1
		}
		type page struct {
			items []T
			err   error
		}
		for next := 1; ; next, window = next+window, parallel {
			if next >= maxPages {
				yield(zero, fmt.Errorf("list still not done after %d pages: stopping", maxPages))
				return
			}
			pages := make([]page, min(window, maxPages-next))
			var wg sync.WaitGroup
			for i := range pages {
				wg.Add(1)
				go func() {
					defer wg.Done()
					pages[i].items, _, pages[i].err = fetch(next+i, size)
				}()
			}
			wg.Wait()
			for i, pg := range pages {
				if pg.err != nil {
					yield(zero, pg.err)
					return
				}
				if len(pg.items) == 0 {
					return
				}
				if len(pg.items) < size && i+1 < len(pages) && len(pages[i+1].items) > 0 {
					yield(zero, fmt.Errorf("page %d answered %d items of %d and the list goes on: the server changed its page size, stopping rather than skipping items", next+i, len(pg.items), size))
					return
				}
				for _, it := range pg.items {
					if !yield(it, nil) {
						return
					}
				}
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

// TransferState is the part of a transfer summary that following statuses
// and finding transfers nobody intended need: a list of a night's million
// summaries decoded into this instead of TransferSummary (which keeps
// every member, unknown ones included, and embeds the partner, contract
// and payment) costs a fraction of the time and memory.
type TransferState struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Status  string `json:"status"`
	Partner struct {
		ID string `json:"id"`
	} `json:"partner"`
	Payment *struct {
		ID string `json:"id"`
	} `json:"payment,omitempty"`
	SettlementStartDate string `json:"settlementStartDate,omitempty"`
	SettlementDate      string `json:"settlementDate"`
	Amount              *struct {
		Settlement int64 `json:"settlement"`
	} `json:"amount,omitempty"`
	SettlementAmount *int64 `json:"settlementAmount,omitempty"` // MANUAL
}

// PaymentID is the summary's payment id ("" for a MANUAL transfer).
func (s TransferState) PaymentID() string {
	if s.Payment == nil {
		return ""
	}
	return s.Payment.ID
}

// Settlement is the settlement amount as PortOne sent it (a cancel's may
// be negative): the amount block's for ORDER and ORDER_CANCEL,
// settlementAmount for MANUAL; ok is false when the summary has neither.
func (s TransferState) Settlement() (amount int64, ok bool) {
	switch {
	case s.Amount != nil:
		return s.Amount.Settlement, true
	case s.SettlementAmount != nil:
		return *s.SettlementAmount, true
	}
	return 0, false
}

// listTransferStates fetches one page of transfer summaries as states.
func (c *Client) listTransferStates(ctx context.Context, p PageInput, f *TransferFilter) ([]TransferState, PageInfo, error) {
	if err := f.Validate(); err != nil {
		return nil, PageInfo{}, fmt.Errorf("list transfer summaries: %w", err)
	}
	var out struct {
		TransferSummaries []TransferState `json:"transferSummaries"`
		Page              PageInfo        `json:"page"`
	}
	if err := c.list(ctx, "/platform/transfer-summaries", listBody{Page: &p, Filter: filterOrNil(f)}, &out); err != nil {
		return nil, PageInfo{}, fmt.Errorf("list transfer summaries: %w", err)
	}
	return out.TransferSummaries, out.Page, nil
}

// TransferStates iterates over the summaries matching f (nil for all) as
// TransferStates, paged as Transfers pages.
func (c *Client) TransferStates(ctx context.Context, f *TransferFilter) iter.Seq2[TransferState, error] {
	return paginatePages(ctx, f, c.listTransferStates, c.pageSz, c.pages)
}
