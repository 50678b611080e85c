package jobs

import (
	"context"
	"fmt"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// addAdjustments adds our manual transfers (settle adjust) that PortOne
// holds, of the settlement dates from..until, to book: PortOne counts a
// MANUAL transfer in the partner's settlements and payout like any other
// (one MANUAL settlement per partner and settlement date), so without them
// every payout of a partner with an adjustment would differ by it. A
// MANUAL transfer has no start date.
func (p *Pipeline) addAdjustments(ctx context.Context, book *settlement.SettlementBook, from, until settlement.Date) error {
	adjs, err := p.st.AdjustmentsOf(ctx, store.AdjustmentQuery{BySettlementDate: true, From: from, To: until})
	if err != nil {
		return err
	}
	for _, a := range adjs {
		if a.Status != store.IntentPosted && a.Status != store.IntentAdopted {
			continue // PortOne does not hold it
		}
		k := settlement.SettlementKey{PartnerID: a.PartnerID, Kind: settlement.KindManual, SettlementDate: a.SettlementDate, Currency: settlement.KRW}
		if _, err := book.Add(k, settlement.Date{}, settlement.Amounts{Settlement: a.Amount, SettlementTaxFree: a.TaxFree}); err != nil {
			return fmt.Errorf("adjustment %s of partner %q: %w", a.Reference, a.PartnerID, err)
		}
	}
	return nil
}
