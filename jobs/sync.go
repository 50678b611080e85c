package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// Sync polls PortOne for the open transfers we know of (PortOne sends no
// webhooks for transfer status changes) and records each status change with
// its time in the transfer's status history. It is not limited to d: a
// transfer of any date may move.
func (p *Pipeline) Sync(ctx context.Context, d settlement.Date, _ RunOptions) (Counts, error) {
	var ids []string
	err := p.st.OpenTransfers(ctx, func(t *store.PortOneTransfer) error {
		ids = append(ids, t.TransferID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var checked, gone atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.opts.Concurrency)
	for _, id := range ids {
		g.Go(func() error {
			w, err := p.api.GetTransfer(gctx, id)
			if errors.Is(err, transfer.ErrTransferNotFound) {
				gone.Add(1)
				p.log.Warn("transfer gone at PortOne", "transfer_id", id, "business_date", d.String())
				return nil
			}
			if err != nil {
				return fmt.Errorf("sync: get transfer %s: %w", id, err)
			}
			old, err := p.st.PortOneTransferByID(gctx, id)
			if err != nil {
				return err
			}
			ans := portOneAnswer(w, old.IntentID, p.opts.Now())
			if err := p.st.RecordTransfer(gctx, ans, "sync"); err != nil {
				return err
			}
			checked.Add(1)
			return nil
		})
	}
	err = g.Wait()
	return Counts{"checked": checked.Load(), "gone": gone.Load()}, err
}
