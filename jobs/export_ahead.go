package jobs

import (
	"context"

	"github.com/settle-dev/settle/store"
)

// transfersAhead reads the workbook's transfers (store.ReadReportTransfers)
// on a goroutine of its own from the start of the export, so that the
// store's read, the longest wait of an export, runs while the Summary is
// summed and the front sheets are made rather than after them; the
// Orders, Cancellations and Order lines sheets then take the rows from it.
type transfersAhead struct {
	cancel context.CancelFunc
	done   chan struct{}
	rows   *store.ReportTransferRows // once done is closed, when err is nil
	err    error
}

// readTransfersAhead starts reading q's transfers. close must be called.
func readTransfersAhead(ctx context.Context, st *store.Store, q store.Query) *transfersAhead {
	ctx, cancel := context.WithCancel(ctx)
	a := &transfersAhead{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.rows, a.err = st.ReadReportTransfers(ctx, q)
	}()
	return a
}

// each waits for the read and calls fn with every transfer, in the order
// store.ReportTransfers gives them (fn must not keep the transfer).
func (a *transfersAhead) each(ctx context.Context, fn func(*store.ReportTransfer) error) error {
	select {
	case <-a.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if a.err != nil {
		return a.err
	}
	return a.rows.Each(ctx, fn)
}

// close stops the read if it still runs and removes its files.
func (a *transfersAhead) close() {
	a.cancel()
	<-a.done
	if a.rows != nil {
		a.rows.Close()
	}
}
