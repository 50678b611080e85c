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

// Sync polls PortOne for status changes of the open transfers we know of
// (PortOne sends no webhooks for them) and records each change, with its
// time, in the transfer's status history. It is not limited to d: a
// transfer of any date may move.
//
// It lists PortOne's transfer summaries over the open transfers' start
// dates, a page of a hundred at a time, and fetches a transfer in full only
// when its status changed, or when the listing did not show it (deleted at
// PortOne, or a start date PortOne moved).
func (p *Pipeline) Sync(ctx context.Context, d settlement.Date, _ RunOptions) (Counts, error) {
	open := map[string]settlement.TransferStatus{}
	var from settlement.Date
	err := p.st.OpenTransfers(ctx, func(t *store.PortOneTransfer) error {
		open[string(t.TransferID)] = t.Status
		if s := t.SettlementStartDate; !s.IsZero() && (from.IsZero() || s.Before(from)) {
			from = s
		}
		return nil
	})
	if err != nil || len(open) == 0 {
		return Counts{"open": 0}, err
	}
	until := p.Today()
	if until.Before(from) {
		until = from
	}
	var changed []string
	seen := map[string]bool{}
	f := &transfer.TransferFilter{SettlementStartDateRange: &transfer.DateRange{From: from.String(), Until: until.String()}}
	for s, err := range p.api.Transfers(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("sync: list transfers %s..%s: %w", from, until, err)
		}
		old, ok := open[s.ID]
		if !ok {
			continue
		}
		seen[s.ID] = true
		if settlement.TransferStatus(s.Status) != old {
			changed = append(changed, s.ID)
		}
	}
	for id := range open {
		if !seen[id] {
			changed = append(changed, id)
		}
	}
	var recorded, gone atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.opts.Concurrency)
	for _, id := range changed {
		g.Go(func() error {
			w, err := p.api.GetTransfer(gctx, id)
			if errors.Is(err, settlement.ErrTransferNotFound) {
				gone.Add(1)
				p.log.Warn("transfer gone at PortOne", "transfer_id", id, "business_date", d.String())
				return nil
			}
			if err != nil {
				return fmt.Errorf("sync: get transfer %s: %w", id, err)
			}
			old, err := p.st.PortOneTransferByID(gctx, settlement.TransferID(id))
			if err != nil {
				return err
			}
			if err := p.st.RecordTransfer(gctx, p.answer(w, old.IntentID), "sync"); err != nil {
				return err
			}
			recorded.Add(1)
			return nil
		})
	}
	err = g.Wait()
	return Counts{"open": int64(len(open)), "changed": recorded.Load(), "gone": gone.Load()}, err
}
