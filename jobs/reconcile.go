package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// stuckGraceDays is how long a status may lag its dates before it is
// reported: PortOne moves statuses in batches, not at midnight.
const stuckGraceDays = 1

// Reconcile compares, for every transfer of d that PortOne answered, our
// block with PortOne's field by field, for the order and for each line,
// with zero tolerance; it reports intents PortOne never confirmed,
// transfers PortOne lists for d that we never intended, statuses stuck
// behind their dates, the adjustments made on d that PortOne does not hold
// as asked (reconcileAdjustments) and records rejected since d began. The result
// replaces d's mismatches in the store. It returns ErrMismatches when our
// numbers and PortOne's differ (rejected records are listed, not counted).
func (p *Pipeline) Reconcile(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error) {
	c := Counts{}
	today := p.Today()
	var ms []store.Mismatch
	add := func(m store.Mismatch) {
		m.BusinessDate = d
		ms = append(ms, m)
		if m.Reason == settlement.RejectedRecord {
			c["rejected"]++
		} else {
			c["mismatches"]++
		}
	}
	// Transfers PortOne lists for d that we never intended: listed while
	// our own are compared (the listing waits on PortOne, the comparison
	// on the database).
	type listed struct {
		ms    []store.Mismatch
		count int64
		err   error
	}
	unknownDone := make(chan listed, 1)
	lctx, stopListing := context.WithCancel(ctx)
	defer stopListing()
	go func() {
		var l listed
		l.ms, l.count, l.err = p.unknownTransfers(lctx, d)
		unknownDone <- l
	}()
	// Our settlements against PortOne's answers as post and sync recorded
	// them (the create responses, GET on adoption, sync's since): the
	// database compares every pair column by column, and only the pairs
	// that differ are loaded and compared field by field.
	var differ []int64
	err := p.st.ReconcileChecks(ctx, d, func(ch *store.ReconcileCheck) error {
		c["compared"]++
		base := store.Mismatch{PartnerID: ch.PartnerID, PaymentID: ch.PaymentID, IntentID: ch.IntentID, TransferID: ch.TransferID}
		if !ch.Answered {
			m := base
			m.Reason, m.Field = settlement.MissingAtPortOne, "transfer"
			m.LocalText, m.PortOneText = string(ch.IntentStatus), "no answer recorded"
			add(m)
			return nil
		}
		if ch.Differs {
			differ = append(differ, ch.IntentRef)
		}
		if st := ch.Status; settlement.IsStuck(st, ch.SettlementStartDate, ch.SettlementDate, today, stuckGraceDays) {
			m := base
			m.Reason, m.Field = settlement.StatusStuck, "status"
			m.LocalText = string(settlement.ExpectedStatus(ch.SettlementStartDate, ch.SettlementDate, today))
			m.PortOneText = string(st)
			add(m)
		}
		return nil
	})
	if err == nil {
		err = p.st.ReconcileItemsOf(ctx, differ, func(it *store.ReconcileItem) error {
			if it.PortOne == nil {
				return nil // answered a moment ago, gone now: the next run sees it
			}
			ours, theirs := it.Settlement.Transfer, &it.PortOne.Transfer // theirs positive for a cancel: Observe made it so
			base := store.Mismatch{PartnerID: ours.PartnerID, PaymentID: ours.PaymentID, IntentID: it.Intent.IntentID, TransferID: it.Intent.PortOneTransferID}
			for _, sm := range settlement.Compare(&ours, theirs) {
				m := base
				m.ProductID, m.Reason, m.Field = sm.ProductID, sm.Reason, sm.Field
				m.Local, m.PortOne, m.Diff = sm.Local, sm.PortOne, sm.Diff
				if sm.Reason == settlement.DateDiffers {
					if sm.Field == "settlementDate" {
						m.LocalText, m.PortOneText = ours.SettlementDate.String(), theirs.SettlementDate.String()
					} else {
						m.LocalText, m.PortOneText = ours.SettlementStartDate.String(), theirs.SettlementStartDate.String()
					}
				}
				add(m)
			}
			return nil
		})
	}
	c["differing"] = int64(len(differ))
	if err != nil {
		stopListing()
	}
	l := <-unknownDone
	if err != nil {
		return c, err
	}
	if l.err != nil {
		return c, l.err
	}
	c["listed"] = l.count
	for _, m := range l.ms {
		add(m)
	}
	// Intents PortOne never confirmed.
	err = p.st.UnfinishedIntents(ctx, d, func(in *store.Intent) error {
		if opts.DryRun && in.Status == store.IntentPending {
			c["would_post"]++ // a dry run posts nothing: pending is expected
			return nil
		}
		add(store.Mismatch{PartnerID: in.PartnerID, PaymentID: in.PaymentID, IntentID: in.IntentID,
			Reason: settlement.MissingAtPortOne, Field: "transfer", LocalText: string(in.Status), PortOneText: in.LastError})
		return nil
	})
	if err != nil {
		return c, err
	}
	// Adjustments made on d, read back from PortOne.
	ams, n, err := p.reconcileAdjustments(ctx, d)
	if err != nil {
		return c, err
	}
	c["adjustments"] = n
	for _, m := range ams {
		add(m)
	}
	// Records rejected on d: at intake during the day, or at settle time for
	// a record of d. Not settled, so a partner may be owed money we have not
	// computed.
	addRejected := func(r *store.Rejected) {
		add(store.Mismatch{PartnerID: r.PartnerID, PaymentID: settlement.PaymentID(r.RecordKey), Reason: settlement.RejectedRecord, Field: r.Field, LocalText: r.ErrorType, PortOneText: r.Reason})
	}
	err = p.st.RejectedRecords(ctx, store.RejectedQuery{Since: d.Time(p.opts.Loc), Until: d.AddDays(1).Time(p.opts.Loc)}, func(r *store.Rejected) error {
		if r.Source != store.SourcePipeline {
			addRejected(r)
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	err = p.st.RejectedRecords(ctx, store.RejectedQuery{Source: store.SourcePipeline}, func(r *store.Rejected) error {
		if p.businessDateOf(ctx, r) == d {
			addRejected(r)
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if err := p.st.ReplaceMismatches(ctx, d, ms); err != nil {
		return c, err
	}
	// Rejected records are listed for finance but are not differences
	// between our numbers and PortOne's: they do not fail the run.
	if n := c["mismatches"]; n > 0 {
		return c, fmt.Errorf("%s: %d: %w", d, n, ErrMismatches)
	}
	return c, nil
}

// unknownTransfers lists PortOne's transfers of d and returns the
// mismatches of those we never intended, looked up a page at a time, and
// how many were listed. The listing is the one request per page of the
// night that reconciliation makes (pages fetched in parallel by the
// client): only a listing can show what nobody asked us to post.
func (p *Pipeline) unknownTransfers(ctx context.Context, d settlement.Date) ([]store.Mismatch, int64, error) {
	var ms []store.Mismatch
	var listed int64
	f := &transfer.TransferFilter{SettlementStartDateRange: &transfer.DateRange{From: d.String(), Until: d.String()}}
	var page []transfer.TransferState
	unknown := func() error {
		ids := make([]settlement.TransferID, len(page))
		for i := range page {
			ids[i] = settlement.TransferID(page[i].ID)
		}
		known, err := p.st.KnownTransfers(ctx, ids)
		if err != nil {
			return err
		}
		for i := range page {
			if !known[ids[i]] {
				m, gone, err := p.unknownTransfer(ctx, &page[i])
				if err != nil {
					return err
				}
				if !gone {
					ms = append(ms, m)
				}
			}
		}
		page = page[:0]
		return nil
	}
	for s, err := range p.api.TransferStates(ctx, f) {
		if err != nil {
			return nil, listed, fmt.Errorf("reconcile: list PortOne's transfers of %s: %w", d, err)
		}
		listed++
		if page = append(page, s); len(page) == 1000 {
			if err := unknown(); err != nil {
				return nil, listed, err
			}
		}
	}
	if err := unknown(); err != nil {
		return nil, listed, err
	}
	return ms, listed, nil
}

// unknownTransfer is the mismatch of a transfer PortOne lists that we never
// intended. An order or cancel transfer is fetched in full and goes through
// transfer.Observe, like every answer we keep, so its settlement has the
// one sign (a cancel positive); gone is true when it vanished meanwhile.
func (p *Pipeline) unknownTransfer(ctx context.Context, s *transfer.TransferState) (m store.Mismatch, gone bool, err error) {
	m = store.Mismatch{PartnerID: settlement.PartnerID(s.Partner.ID), TransferID: settlement.TransferID(s.ID), Reason: settlement.UnknownAtPortOne,
		Field: "transfer", PortOneText: s.Type + " " + s.Status}
	m.PaymentID = settlement.PaymentID(s.PaymentID())
	switch {
	case s.Amount != nil:
		w, err := p.api.GetTransfer(ctx, s.ID)
		if errors.Is(err, settlement.ErrTransferNotFound) {
			return m, true, nil
		}
		if err != nil {
			return m, false, fmt.Errorf("reconcile: get transfer %s: %w", s.ID, err)
		}
		o := transfer.Observe(w)
		m.PortOne = o.Transfer.Amounts.Settlement
	case s.SettlementAmount != nil: // MANUAL
		m.PortOne = settlement.Won(*s.SettlementAmount)
	}
	m.Diff = m.PortOne
	return m, false, nil
}

// businessDateOf is the business date of the order or cancellation a
// settle-time rejection is about (zero when it cannot be told).
func (p *Pipeline) businessDateOf(ctx context.Context, r *store.Rejected) settlement.Date {
	if o, err := p.st.Order(ctx, r.PartnerID, settlement.PaymentID(r.RecordKey)); err == nil {
		return o.BusinessDate
	}
	if c, err := p.st.Cancellation(ctx, r.PartnerID, settlement.CancellationID(r.RecordKey)); err == nil {
		return c.BusinessDate
	}
	return settlement.Date{}
}
