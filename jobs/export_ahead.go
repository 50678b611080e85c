package jobs

import (
	"context"
	"errors"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// transfersAhead reads the workbook's transfers (store.ReadReportTransfers)
// on a goroutine of its own from the start of the export, so that the
// store's read, the longest wait of an export, runs while the Summary is
// summed and the front sheets are made rather than after them. The
// Orders, Cancellations and Order lines sheets then take the rows from it
// through a pipeline: a goroutine hands out the stored rows and converts
// them, in batches, while the workbook writes the batch before (each half
// of the work has a core).
type transfersAhead struct {
	batch  int // transfers a batch holds: batchTransfers, fewer in tests
	cancel context.CancelFunc
	done   chan struct{}
	rows   *store.ReportTransferRows // once done is closed, when err is nil
	err    error
}

// readTransfersAhead starts reading q's transfers. close must be called.
func readTransfersAhead(ctx context.Context, st *store.Store, q store.Query) *transfersAhead {
	ctx, cancel := context.WithCancel(ctx)
	a := &transfersAhead{batch: batchTransfers, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.rows, a.err = st.ReadReportTransfers(ctx, q)
	}()
	return a
}

// transferBatch is transfers as the workbook shows them, with the lines
// and PortOne's amounts they point into; reused once the workbook has
// written them.
type transferBatch struct {
	rows  []reports.TransferRow
	lines []reports.LineRow
	wons  []settlement.Won
}

// batchTransfers is how many transfers a batch holds.
const batchTransfers = 512

func (b *transferBatch) reset() {
	b.rows, b.lines, b.wons = b.rows[:0], b.lines[:0], b.wons[:0]
}

// won is a pointer to a copy of w that lives as long as the batch (an
// element of wons, which only grows until reset: a pointer into an array
// it outgrew stays valid).
func (b *transferBatch) won(w settlement.Won) *settlement.Won {
	b.wons = append(b.wons, w)
	return &b.wons[len(b.wons)-1]
}

// errStopped ends the converting goroutine when the workbook stopped.
var errStopped = errors.New("the workbook stopped taking transfers")

// each waits for the read, then hands out the transfers in the order
// store.ReportTransfers gives them: a goroutine converts them with add
// into batches, and yield is called with each row of each batch here.
func (a *transfersAhead) each(ctx context.Context, add func(*transferBatch, *store.ReportTransfer) error,
	yield func(*reports.TransferRow) error) error {
	select {
	case <-a.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if a.err != nil {
		return a.err
	}
	full := make(chan *transferBatch, 2)
	free := make(chan *transferBatch, 3)
	for range cap(free) {
		free <- &transferBatch{}
	}
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(full)
		b := <-free
		send := func() error {
			select {
			case full <- b:
			case <-stop:
				return errStopped
			}
			select {
			case b = <-free:
			case <-stop:
				return errStopped
			}
			b.reset()
			return nil
		}
		readErr = a.rows.Each(ctx, func(t *store.ReportTransfer) error {
			if err := add(b, t); err != nil {
				return err
			}
			if len(b.rows) < a.batch {
				return nil
			}
			return send()
		})
		if readErr == nil && len(b.rows) > 0 {
			readErr = send()
		}
	}()
	var err error
	for b := range full {
		if err == nil {
			for i := range b.rows {
				if err = yield(&b.rows[i]); err != nil {
					close(stop)
					break
				}
			}
		}
		if err == nil {
			free <- b
		}
	}
	if err != nil {
		return err
	}
	return readErr
}

// close stops the read if it still runs and removes its files.
func (a *transfersAhead) close() {
	a.cancel()
	<-a.done
	if a.rows != nil {
		a.rows.Close()
	}
}
