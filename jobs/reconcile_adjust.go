package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// reconcileAdjustments reads back from PortOne the adjustments (manual
// transfers, settle adjust) made on business date d and compares each with
// what was asked (adjustmentDiffs, as settle adjust --check does): its
// mismatches belong to d, as an order's belong to its business date, so a
// date's reconcile, rerun, finds exactly its own. The posted ones are read
// with one listing of PortOne's MANUAL transfers over their settlement
// dates; only one the listing does not show (its date moved, or it is
// gone) is fetched by id. PortOne's current status and amount are
// recorded. An adjustment PortOne never confirmed (pending, failed,
// conflict) is MISSING_AT_PORTONE, as an unfinished intent is. It returns
// the mismatches and how many adjustments were compared.
func (p *Pipeline) reconcileAdjustments(ctx context.Context, d settlement.Date) ([]store.Mismatch, int64, error) {
	adjs, err := p.st.AdjustmentsOf(ctx, store.AdjustmentQuery{Since: d.Time(p.opts.Loc), Until: d.AddDays(1).Time(p.opts.Loc)})
	if err != nil {
		return nil, 0, err
	}
	var ms []store.Mismatch
	byID := map[settlement.TransferID]*store.Adjustment{}
	var from, until settlement.Date
	for i := range adjs {
		a := &adjs[i]
		if a.Status != store.IntentPosted && a.Status != store.IntentAdopted {
			ms = append(ms, store.Mismatch{PartnerID: a.PartnerID, PaymentID: settlement.PaymentID(a.Reference), IntentID: a.ClientID,
				Reason: settlement.MissingAtPortOne, Field: "transfer", Local: a.Amount, LocalText: string(a.Status), PortOneText: a.LastError})
			continue
		}
		byID[adjustmentHeldID(a)] = a
		if from.IsZero() || a.SettlementDate.Before(from) {
			from = a.SettlementDate
		}
		if until.IsZero() || a.SettlementDate.After(until) {
			until = a.SettlementDate
		}
	}
	if len(byID) == 0 {
		return ms, 0, nil
	}
	compared := int64(len(byID))
	compare := func(a *store.Adjustment, seen *manualSeen) error {
		if err := recordReadBack(ctx, p.st, a, seen); err != nil {
			return err
		}
		ms = append(ms, adjustmentDiffs(a, seen)...)
		return nil
	}
	f := &transfer.TransferFilter{Types: []string{string(settlement.KindManual)},
		SettlementDateRange: &transfer.DateRange{From: from.String(), Until: until.String()}}
	for s, err := range p.api.Transfers(ctx, f) {
		if err != nil {
			return nil, compared, fmt.Errorf("reconcile: list PortOne's manual transfers of %s–%s: %w", from, until, err)
		}
		a := byID[settlement.TransferID(s.ID)]
		if a == nil {
			continue // not an adjustment of d
		}
		delete(byID, settlement.TransferID(s.ID))
		seen := manualOfSummary(&s)
		if err := compare(a, &seen); err != nil {
			return nil, compared, err
		}
	}
	// Not listed: moved to another settlement date, or gone.
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		a := byID[id]
		got, err := p.api.GetTransfer(ctx, string(id))
		if errors.Is(err, settlement.ErrTransferNotFound) {
			ms = append(ms, goneMismatch(a))
			continue
		}
		if err != nil {
			return nil, compared, fmt.Errorf("reconcile: adjustment %s of partner %s: %w", a.Reference, a.PartnerID, err)
		}
		seen := manualOf(&got)
		if err := compare(a, &seen); err != nil {
			return nil, compared, err
		}
	}
	return ms, compared, nil
}
