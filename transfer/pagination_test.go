package transfer

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// TestPaginatePagesFollowsTheServersSize: servers that cap the page size
// below what was asked, with or without saying so in page.size, and lists
// that end on a short page, are all read whole, each item once, in order;
// a server whose size changes in the middle of a list is an error, not a
// gap. A list shorter than a page costs two requests, not five.
func TestPaginatePagesFollowsTheServersSize(t *testing.T) {
	cases := []struct {
		name      string
		total     int
		cap       int  // the server's largest page
		sayCap    bool // page.size answers the cap (else the size asked)
		shortAt   int  // a page number answered one item short (0: none)
		wantItems int
		wantErr   string
		maxCalls  int // when not 0: at most this many requests
	}{
		{name: "no cap, ends on a short page", total: 2345, cap: 1 << 30, wantItems: 2345},
		{name: "no cap, ends on a full page", total: 2000, cap: 1 << 30, wantItems: 2000},
		{name: "cap said in page.size", total: 777, cap: 100, sayCap: true, wantItems: 777},
		{name: "cap not said", total: 777, cap: 100, wantItems: 777},
		{name: "short list", total: 3, cap: 1 << 30, wantItems: 3, maxCalls: 2}, // the first page, and the next one alone
		{name: "empty list", total: 0, cap: 1 << 30, wantItems: 0},
		{name: "size changes mid-list", total: 5000, cap: 1 << 30, shortAt: 2, wantErr: "changed its page size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			list := func(_ context.Context, p PageInput, _ struct{}) ([]int, PageInfo, error) {
				mu.Lock()
				calls++
				mu.Unlock()
				size := min(*p.Size, c.cap)
				lo := *p.Number * size
				var out []int
				for i := lo; i < min(lo+size, c.total); i++ {
					out = append(out, i)
				}
				if c.shortAt > 0 && *p.Number == c.shortAt && len(out) > 0 {
					out = out[:len(out)-1]
				}
				info := PageInfo{Number: *p.Number, Size: *p.Size, TotalCount: len(out)}
				if c.sayCap {
					info.Size = size
				}
				return out, info, nil
			}
			var got []int
			var err error
			for v, e := range paginatePages(context.Background(), struct{}{}, list, 1000, 4) {
				if e != nil {
					err = e
					break
				}
				got = append(got, v)
			}
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.wantItems {
				t.Fatalf("%d items, want %d", len(got), c.wantItems)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("item %d is %d: out of order or repeated", i, v)
				}
			}
			if c.maxCalls > 0 && calls > c.maxCalls {
				t.Errorf("%d requests, want at most %d", calls, c.maxCalls)
			}
			t.Logf("%d items in %d requests", len(got), calls)
		})
	}
}
