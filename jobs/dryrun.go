package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// PartnerPlan is what a run would post to one partner: the pending
// transfers of a business date and the net of their settlement amounts
// (orders minus cancels, our numbers).
type PartnerPlan struct {
	PartnerID settlement.PartnerID
	Orders    int
	Cancels   int
	Net       settlement.Won
}

// WouldPost lists, per partner in id order, the transfers of d that are
// pending (a dry run's settle leaves them so), and writes the exact
// request of each to requests, if not nil, as JSON Lines:
// {"method":"POST","path":…,"id":…,"body":…} in the order they would be
// claimed.
func (p *Pipeline) WouldPost(ctx context.Context, d settlement.Date, requests io.Writer) ([]PartnerPlan, error) {
	amounts := map[settlement.TransferID]settlement.Won{}
	err := p.st.SettlementRows(ctx, store.Query{From: d, To: d}, func(r *store.SettlementRow) error {
		if r.IntentStatus == store.IntentPending {
			amounts[r.IntentID] = r.Amounts.Settlement
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	plans := map[settlement.PartnerID]*PartnerPlan{}
	enc := json.NewEncoder(io.Discard)
	if requests != nil {
		enc = json.NewEncoder(requests)
	}
	err = p.st.IntentsOn(ctx, d, func(in *store.Intent) error {
		if in.Status != store.IntentPending {
			return nil
		}
		pl := plans[in.PartnerID]
		if pl == nil {
			pl = &PartnerPlan{PartnerID: in.PartnerID}
			plans[in.PartnerID] = pl
		}
		v := amounts[in.IntentID]
		path := "/platform/transfers/order"
		if in.Kind == settlement.KindOrderCancel {
			path += "-cancel"
			pl.Cancels++
			v = -v
		} else {
			pl.Orders++
		}
		sum := pl.Net + v
		if (v > 0 && sum < pl.Net) || (v < 0 && sum > pl.Net) {
			return fmt.Errorf("partner %s: the net of the transfers to post overflows", in.PartnerID)
		}
		pl.Net = sum
		return enc.Encode(struct {
			Method string          `json:"method"`
			Path   string          `json:"path"`
			ID     string          `json:"id"`
			Body   json.RawMessage `json:"body"`
		}{"POST", path, string(in.IntentID), in.Request})
	})
	if err != nil {
		return nil, err
	}
	out := make([]PartnerPlan, 0, len(plans))
	for _, pl := range plans {
		out = append(out, *pl)
	}
	slices.SortFunc(out, func(a, b PartnerPlan) int { return cmp.Compare(a.PartnerID, b.PartnerID) })
	return out, nil
}
