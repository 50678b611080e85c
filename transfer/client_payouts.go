package transfer

import (
	"context"
	"iter"
)

// Partner settlements and payouts: read only (PortOne builds them from
// transfers; creating or paying out is console-only).

// listPartnerSettlements fetches one page of partner settlements. PortOne
// requires a filter; nil sends an empty one.
func (c *Client) listPartnerSettlements(ctx context.Context, p PageInput, f *PartnerSettlementFilter) ([]PartnerSettlement, PageInfo, error) {
	if f == nil {
		f = &PartnerSettlementFilter{}
	}
	return listItems[PartnerSettlement](ctx, c, "partner settlements", "/platform/partner-settlements", p, f)
}

// PartnerSettlements iterates over every partner settlement matching f.
func (c *Client) PartnerSettlements(ctx context.Context, f *PartnerSettlementFilter) iter.Seq2[PartnerSettlement, error] {
	return paginate(ctx, f, c.listPartnerSettlements)
}

// listPayouts fetches one page of payouts.
func (c *Client) listPayouts(ctx context.Context, p PageInput, f *PayoutFilter) ([]Payout, PageInfo, error) {
	return listItems[Payout](ctx, c, "payouts", "/platform/payouts", p, filterOrNil(f))
}

// Payouts iterates over every payout matching f.
func (c *Client) Payouts(ctx context.Context, f *PayoutFilter) iter.Seq2[Payout, error] {
	return paginate(ctx, f, c.listPayouts)
}
