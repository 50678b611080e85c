package jobs

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// TestTransfersAheadAsReadDirectly: the workbook's transfers read ahead
// and handed out through the batch pipeline are the transfers the store
// gives when asked directly, row by row and in the same order, with
// batches of one, of a few (most rows in the middle of a batch) and of
// all of them; an error of the workbook stops the pipeline with that
// error, and so does a cancel.
func TestTransfersAheadAsReadDirectly(t *testing.T) {
	r := buildDemoWeek(t)
	ctx := context.Background()
	q := store.Query{From: r.from, To: r.to}
	src, err := newExportSource(ctx, r.h.st, q, r.h.loc, r.h.p.opts.Now())
	if err != nil {
		t.Fatal(err)
	}
	collect := func(a *transfersAhead) []reports.TransferRow {
		src.transfers = a
		var out []reports.TransferRow
		if err := src.Transfers(ctx, func(tr *reports.TransferRow) error {
			out = append(out, snapshot(tr))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := collect(nil)
	if len(want) < 10 {
		t.Fatalf("fixture: %d transfers", len(want))
	}
	for _, n := range []int{1, 3, 1 << 20} {
		a := readTransfersAhead(ctx, r.h.st, q)
		a.batch = n // read by each, after this
		got := collect(a)
		a.close()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("batches of %d (-direct +ahead):\n%s", n, diff)
		}
	}

	stop := errors.New("stop")
	for _, after := range []int{0, 1, 5} {
		a := readTransfersAhead(ctx, r.h.st, q)
		a.batch = 2
		src.transfers = a
		n := 0
		err := src.Transfers(ctx, func(*reports.TransferRow) error {
			if n == after {
				return stop
			}
			n++
			return nil
		})
		a.close()
		if !errors.Is(err, stop) || n != after {
			t.Errorf("workbook stopped after %d rows: %v after %d, want %v", after, err, n, stop)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	a := readTransfersAhead(cctx, r.h.st, q)
	src.transfers = a
	err = src.Transfers(cctx, func(*reports.TransferRow) error { cancel(); return nil })
	a.close()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want %v", err, context.Canceled)
	}
}

// snapshot is a deep copy of a row the workbook is handed (its lines and
// PortOne's amounts live in a batch that is reused).
func snapshot(tr *reports.TransferRow) reports.TransferRow {
	c := *tr
	c.PortOneSettlement = clonePtr(tr.PortOneSettlement)
	c.Lines = nil // none is none, whether nil or empty
	if len(tr.Lines) > 0 {
		c.Lines = slices.Clone(tr.Lines)
	}
	for i := range c.Lines {
		c.Lines[i].PortOneSettlement = clonePtr(c.Lines[i].PortOneSettlement)
	}
	return c
}

func clonePtr(w *settlement.Won) *settlement.Won {
	if w == nil {
		return nil
	}
	v := *w
	return &v
}
