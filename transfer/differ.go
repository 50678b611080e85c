package transfer

import (
	"fmt"
	"sort"
	"strings"
)

// Differs: whether a transfer PortOne already holds is the one we meant to
// create. The client uses it when it adopts a transfer on a duplicate answer.

// Differs lists the fields in which got, a transfer PortOne holds, differs
// from body, the create body we meant to post (*CreateOrderTransferBody,
// *CreateOrderCancelTransferBody or *CreateManualTransferBody, or the same
// by value). It compares the type, partner, payment, cancellation, contract
// and dates where the body sets them, the order amount or lines (product,
// unit amount, quantity, per-line discounts and fees) and the order-level
// discounts and fees. Amounts PortOne computes are not compared. Cancel
// amounts are compared by magnitude (their sign in PortOne's JSON is
// unconfirmed). The names are JSON paths of the body.
func Differs(body any, got Transfer) []string {
	var d differ
	switch b := body.(type) {
	case CreateOrderTransferBody:
		d.order(&b, got)
	case *CreateOrderTransferBody:
		d.order(b, got)
	case CreateOrderCancelTransferBody:
		d.cancel(&b, got)
	case *CreateOrderCancelTransferBody:
		d.cancel(b, got)
	case CreateManualTransferBody:
		d.manual(&b, got)
	case *CreateManualTransferBody:
		d.manual(b, got)
	default:
		return []string{fmt.Sprintf("body of type %T", body)}
	}
	return d.fields
}

type differ struct{ fields []string }

func (d *differ) check(ok bool, field string) {
	if !ok {
		d.fields = append(d.fields, field)
	}
}

func partnerIDOf(t Transfer) string {
	var p struct {
		ID string `json:"id"`
	}
	_ = unmarshal(t.Partner, &p)
	return p.ID
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// discountKey renders discounts as a sorted multiset of policy:amount.
func inputDiscountKey(ds []DiscountInput) string {
	ks := make([]string, 0, len(ds))
	for _, x := range ds {
		ks = append(ks, fmt.Sprintf("%s:%d", x.SharePolicyID, abs(x.Amount)))
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func gotDiscountKey(ds []TransferDiscount) string {
	ks := make([]string, 0, len(ds))
	for _, x := range ds {
		ks = append(ks, fmt.Sprintf("%s:%d", x.SharePolicy.ID, abs(x.Amount)))
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func inputFeeKey(fs []AdditionalFeeInput) string {
	ks := make([]string, 0, len(fs))
	for _, x := range fs {
		ks = append(ks, x.PolicyID)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func gotFeeKey(fs []TransferAdditionalFee) string {
	ks := make([]string, 0, len(fs))
	for _, x := range fs {
		ks = append(ks, x.Policy.ID)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func (d *differ) order(b *CreateOrderTransferBody, got Transfer) {
	d.check(got.Type == "ORDER", "type")
	d.check(partnerIDOf(got) == b.PartnerID, "partnerId")
	d.check(got.Payment != nil && got.Payment.ID == b.PaymentID, "paymentId")
	if b.ContractID != "" {
		d.check(got.Contract != nil && got.Contract.ID == b.ContractID, "contractId")
	}
	if b.SettlementStartDate != "" {
		d.check(got.SettlementStartDate == b.SettlementStartDate, "settlementStartDate")
	}
	if b.SettlementDate != "" {
		d.check(got.SettlementDate == b.SettlementDate, "settlementDate")
	}
	if b.TaxFreeAmount != nil {
		d.check(got.Amount != nil && got.Amount.OrderTaxFree == *b.TaxFreeAmount, "taxFreeAmount")
	}
	if a := b.OrderDetail.OrderAmount; a != nil {
		d.check(got.Amount != nil && got.Amount.Order == *a, "orderDetail.orderAmount")
		d.check(len(got.OrderLines) == 0, "orderDetail.orderLines")
	} else {
		d.lines(b.OrderDetail.OrderLines, got.OrderLines)
	}
	d.check(inputDiscountKey(b.Discounts) == gotDiscountKey(got.Discounts), "discounts")
	d.check(inputFeeKey(b.AdditionalFees) == gotFeeKey(got.AdditionalFees), "additionalFees")
}

func (d *differ) lines(want []OrderLineInput, got []TransferOrderLine) {
	if len(want) != len(got) {
		d.fields = append(d.fields, "orderDetail.orderLines")
		return
	}
	byID := make(map[string]TransferOrderLine, len(got))
	for _, l := range got {
		byID[l.Product.ID] = l
	}
	for i, w := range want {
		f := fmt.Sprintf("orderDetail.orderLines[%d]", i)
		g, ok := byID[w.Product.ID]
		if !ok {
			d.fields = append(d.fields, f+".product.id")
			continue
		}
		d.check(g.Product.Amount == w.Product.Amount, f+".product.amount")
		d.check(g.Quantity == w.Quantity, f+".quantity")
		if w.Product.TaxFreeAmount != nil {
			d.check(g.Product.TaxFreeAmount == *w.Product.TaxFreeAmount, f+".product.taxFreeAmount")
		}
		d.check(inputDiscountKey(w.Discounts) == gotDiscountKey(g.Discounts), f+".discounts")
		d.check(inputFeeKey(w.AdditionalFees) == gotFeeKey(g.AdditionalFees), f+".additionalFees")
	}
}

func (d *differ) cancel(b *CreateOrderCancelTransferBody, got Transfer) {
	d.check(got.Type == "ORDER_CANCEL", "type")
	d.check(got.Cancellation != nil && got.Cancellation.ID == b.CancellationID, "cancellationId")
	if b.PartnerID != "" {
		d.check(partnerIDOf(got) == b.PartnerID, "partnerId")
	}
	if b.PaymentID != "" {
		d.check(got.Payment != nil && got.Payment.ID == b.PaymentID, "paymentId")
	}
	if b.SettlementStartDate != "" {
		d.check(got.SettlementStartDate == b.SettlementStartDate, "settlementStartDate")
	}
	if b.SettlementDate != "" {
		d.check(got.SettlementDate == b.SettlementDate, "settlementDate")
	}
	if od := b.OrderDetail; od != nil {
		switch {
		case od.OrderAmount != nil:
			d.check(got.Amount != nil && abs(got.Amount.Order) == abs(*od.OrderAmount), "orderDetail.orderAmount")
		case len(od.OrderLines) > 0:
			if len(od.OrderLines) != len(got.OrderLines) {
				d.fields = append(d.fields, "orderDetail.orderLines")
				break
			}
			byID := make(map[string]TransferOrderLine, len(got.OrderLines))
			for _, l := range got.OrderLines {
				byID[l.Product.ID] = l
			}
			for i, w := range od.OrderLines {
				f := fmt.Sprintf("orderDetail.orderLines[%d]", i)
				g, ok := byID[w.ProductID]
				if !ok {
					d.fields = append(d.fields, f+".productId")
					continue
				}
				d.check(abs(g.Quantity) == abs(w.Quantity), f+".quantity")
			}
		}
	}
	// Discounts are not compared: PortOne decides which discount amounts a
	// cancel takes (a full cancel, or one that takes the last of a line,
	// takes every remaining discount whatever the body named), so the
	// answer's discounts legitimately differ from the request's.
	// Reconciliation compares every amount of the adopted transfer anyway.
}

func (d *differ) manual(b *CreateManualTransferBody, got Transfer) {
	d.check(got.Type == "MANUAL", "type")
	d.check(partnerIDOf(got) == b.PartnerID, "partnerId")
	d.check(got.SettlementAmount != nil && *got.SettlementAmount == b.SettlementAmount, "settlementAmount")
	d.check(got.SettlementDate == b.SettlementDate, "settlementDate")
	if b.SettlementTaxFreeAmount != nil {
		d.check(got.SettlementTaxFreeAmount != nil && *got.SettlementTaxFreeAmount == *b.SettlementTaxFreeAmount, "settlementTaxFreeAmount")
	}
	if b.SettlementCurrency != "" {
		d.check(got.SettlementCurrency == b.SettlementCurrency, "settlementCurrency")
	}
}
