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

// Sync follows PortOne's status changes of the transfers we recorded
// (PortOne sends no webhooks for them) and records each change, with its
// time, in the transfer's status history. It is not limited to d: a
// transfer of any date may move.
//
// It asks only about the transfers whose status can change tonight
// (store.FollowGroup): those whose start or settlement date has come and
// those waiting for a payout. Each group is listed by the dates that hold
// them, a run of consecutive dates per listing, with PortOne's narrowest
// filter: the date range and, for a payout, the statuses after SETTLED. A
// listed transfer whose status moved while its amounts and dates did not
// is recorded from the listing, in groups; one whose amounts or dates
// moved (or that was SCHEDULED, when PortOne may still recompute it), and
// a transfer due tonight that the listing did not show (deleted at
// PortOne, or a date PortOne moved), is fetched in full. A transfer in a
// status this program does not know is fetched in full.
func (p *Pipeline) Sync(ctx context.Context, d settlement.Date, _ RunOptions) (Counts, error) {
	today := p.Today()
	s := &syncer{p: p, d: d, today: today, c: Counts{"open": 0, "listed": 0, "changed": 0, "gone": 0}}
	for _, g := range []store.FollowGroup{store.FollowDue, store.FollowStarted, store.FollowPayout} {
		dates, _, err := p.st.FollowDates(ctx, g, today)
		if err != nil {
			return s.c, err
		}
		for _, r := range dateRuns(dates) {
			if err := s.syncRange(ctx, g, r[0], r[1]); err != nil {
				return s.c, err
			}
		}
	}
	var other []*store.Followed
	err := p.st.FollowedTransfers(ctx, store.FollowOther, today, settlement.Date{}, settlement.Date{}, func(f *store.Followed) error {
		v := *f
		other = append(other, &v)
		return nil
	})
	if err != nil {
		return s.c, err
	}
	s.c["open"] += int64(len(other))
	return s.c, s.fetch(ctx, other)
}

// dateRuns merges ordered dates into runs of consecutive days, [first, last].
func dateRuns(dates []settlement.Date) [][2]settlement.Date {
	var runs [][2]settlement.Date
	for _, d := range dates {
		if n := len(runs); n > 0 && runs[n-1][1].AddDays(1) == d {
			runs[n-1][1] = d
			continue
		}
		runs = append(runs, [2]settlement.Date{d, d})
	}
	return runs
}

// statusChunk is how many status changes one transaction records.
const statusChunk = 2000

type syncer struct {
	p     *Pipeline
	d     settlement.Date
	today settlement.Date
	c     Counts
}

// syncRange follows group g's transfers whose listing date is within
// from..until.
func (s *syncer) syncRange(ctx context.Context, g store.FollowGroup, from, until settlement.Date) error {
	p := s.p
	ours := map[string]*store.Followed{}
	err := p.st.FollowedTransfers(ctx, g, s.today, from, until, func(f *store.Followed) error {
		v := *f
		ours[string(f.TransferID)] = &v
		return nil
	})
	if err != nil || len(ours) == 0 {
		return err
	}
	s.c["open"] += int64(len(ours))
	rng := &transfer.DateRange{From: from.String(), Until: until.String()}
	f := &transfer.TransferFilter{SettlementDateRange: rng}
	switch g {
	case store.FollowStarted:
		f = &transfer.TransferFilter{SettlementStartDateRange: rng}
	case store.FollowPayout:
		f.Statuses = []string{string(settlement.StatusPayoutConfirmed), string(settlement.StatusInPayout), string(settlement.StatusPaidOut)}
	}
	var updates []store.StatusUpdate
	var full []*store.Followed
	flush := func() error {
		if err := p.st.RecordStatuses(ctx, updates, "sync"); err != nil {
			return err
		}
		s.c["changed"] += int64(len(updates))
		updates = updates[:0]
		return nil
	}
	for sum, err := range p.api.TransferStates(ctx, f) {
		if err != nil {
			return fmt.Errorf("sync: list transfers %s..%s: %w", from, until, err)
		}
		s.c["listed"]++
		o, ok := ours[sum.ID]
		if !ok {
			continue // not ours, or already seen: reconcile's business
		}
		delete(ours, sum.ID)
		if settlement.TransferStatus(sum.Status) == o.Status {
			continue
		}
		if o.Status == settlement.StatusScheduled || !sameSummary(o, &sum) {
			full = append(full, o)
			continue
		}
		updates = append(updates, store.StatusUpdate{TransferID: o.TransferID, IntentID: o.IntentID, PartnerID: o.PartnerID,
			From: o.Status, To: settlement.TransferStatus(sum.Status), ObservedAt: p.opts.Now()})
		if len(updates) == statusChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if g != store.FollowPayout {
		// Due tonight and not listed under its date: gone, or moved.
		for _, o := range ours {
			full = append(full, o)
		}
	}
	return s.fetch(ctx, full)
}

// sameSummary says whether a listed summary has the dates and settlement
// amount we recorded, so that only its status moved.
func sameSummary(o *store.Followed, s *transfer.TransferState) bool {
	if s.SettlementDate != o.SettlementDate.String() || (s.SettlementStartDate != "" && s.SettlementStartDate != o.SettlementStartDate.String()) {
		return false
	}
	amount, ok := s.Settlement()
	if !ok {
		return false
	}
	if o.Kind == settlement.KindOrderCancel && amount < 0 {
		amount = -amount // the one sign: transfer.Observe stores a cancel positive
	}
	return settlement.Won(amount) == o.Settlement
}

// fetch gets transfers in full, Concurrency at a time, and records each
// answer; a transfer PortOne no longer has is counted and logged.
func (s *syncer) fetch(ctx context.Context, ts []*store.Followed) error {
	if len(ts) == 0 {
		return nil
	}
	p := s.p
	var recorded, gone atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.opts.Concurrency)
	for _, o := range ts {
		g.Go(func() error {
			id := string(o.TransferID)
			w, err := p.api.GetTransfer(gctx, id)
			if errors.Is(err, settlement.ErrTransferNotFound) {
				gone.Add(1)
				p.log.Warn("transfer gone at PortOne", "transfer_id", id, "business_date", s.d.String())
				return nil
			}
			if err != nil {
				return fmt.Errorf("sync: get transfer %s: %w", id, err)
			}
			if err := p.st.RecordTransfer(gctx, p.answer(w, o.IntentID), "sync"); err != nil {
				return err
			}
			recorded.Add(1)
			return nil
		})
	}
	err := g.Wait()
	s.c["changed"] += recorded.Load()
	s.c["gone"] += gone.Load()
	return err
}
