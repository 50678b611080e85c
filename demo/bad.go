package demo

import (
	"bytes"
	"fmt"
	"time"

	"github.com/settle-dev/settle/transfer"
)

// genBad writes the records settle must refuse, one per kind of mistake,
// so that the demo's Rejected sheet has something to show. The two bad
// cancellations name orders of OrdersFile that have no cancellation.
func (g *gen) genBad() ([]byte, error) {
	var buf bytes.Buffer
	from, _ := Week()
	day := func(d, h, m int) time.Time {
		return from.AddDays(d).Time(seoul).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	line := func(id, name string, price, qty int64) transfer.OrderLineInput {
		return transfer.OrderLineInput{
			Product:  transfer.ProductInput{ID: id, Name: name, Amount: price},
			Quantity: qty, Discounts: []transfer.DiscountInput{}, AdditionalFees: []transfer.AdditionalFeeInput{},
		}
	}
	order := func(partner, payment string) transfer.CreateOrderTransferBody {
		return transfer.CreateOrderTransferBody{
			PartnerID: partner, PaymentID: payment,
			Discounts: []transfer.DiscountInput{}, AdditionalFees: []transfer.AdditionalFeeInput{},
		}
	}
	write := func(field string, at time.Time, body any) error { return writeRecord(&buf, field, at, body) }

	// 1. A negative quantity.
	b := order("p-hanbit", "pay-20251001-9001")
	b.OrderDetail.OrderLines = []transfer.OrderLineInput{line("HB-TEE-01", "오버핏 반팔 티셔츠", 19_900, -2)}
	if err := write("paidAt", day(2, 10, 12), b); err != nil {
		return nil, err
	}
	// 2. A discount larger than the order.
	b = order("p-techmall", "pay-20251001-9002")
	b.OrderDetail.OrderAmount = i64(10_000)
	b.Discounts = []transfer.DiscountInput{{SharePolicyID: dspPartner, Amount: 15_000}}
	if err := write("paidAt", day(2, 11, 40), b); err != nil {
		return nil, err
	}
	// 3. A discount share policy the marketplace does not have.
	b = order("p-chorok", "pay-20251002-9003")
	l := line("CR-GRANOLA", "수제 그래놀라", 12_800, 2)
	l.Discounts = []transfer.DiscountInput{{SharePolicyID: "dsp-vip", Amount: 2_000}}
	b.OrderDetail.OrderLines = []transfer.OrderLineInput{l}
	if err := write("paidAt", day(3, 9, 5), b); err != nil {
		return nil, err
	}
	// 4. An additional fee policy the marketplace does not have.
	b = order("p-kim-craft", "pay-20251002-9004")
	b.OrderDetail.OrderAmount = i64(30_000)
	b.AdditionalFees = []transfer.AdditionalFeeInput{{PolicyID: afpPG}, {PolicyID: "afp-express"}}
	if err := write("paidAt", day(3, 15, 30), b); err != nil {
		return nil, err
	}
	// 5. A product whose tax-free part exceeds its price.
	b = order("p-seoul-books", "pay-20251003-9005")
	l = line("SB-NOVEL-101", "장편소설 『가을의 끝』", 14_220, 1)
	l.Product.TaxFreeAmount = i64(20_000)
	b.OrderDetail.OrderLines = []transfer.OrderLineInput{l}
	if err := write("paidAt", day(4, 20, 45), b); err != nil {
		return nil, err
	}
	// 6. paidAt that is not RFC 3339.
	b = order("p-dongne-bakery", "pay-20251004-9006")
	b.OrderDetail.OrderAmount = i64(15_600)
	if err := writeRecordText(&buf, "paidAt", "2025-10-04 13:05:00", b); err != nil {
		return nil, err
	}
	// 7. A partner the marketplace does not have.
	b = order("p-unknown", "pay-20251004-9007")
	b.OrderDetail.OrderAmount = i64(42_000)
	if err := write("paidAt", day(5, 18, 20), b); err != nil {
		return nil, err
	}
	// 8. A malformed line: the JSON stops half-way.
	buf.WriteString(`{"paidAt":"2025-10-05T11:11:00+09:00","partnerId":"p-hanbit","paymentId":"pay-20251005-9008","orderDetail":{"orderLines":[{"product":{"id":"HB-CAP-06","name":"볼캡","amount":17450},"quantity":1,` + "\n")

	// 9. A cancel of more units than the order line has.
	lo, ao := g.uncancelled()
	if lo == nil || ao == nil {
		return nil, fmt.Errorf("no uncancelled orders for the bad cancels")
	}
	at := lo.paidAt.Add(2 * time.Hour)
	c := transfer.CreateOrderCancelTransferBody{
		PartnerID: lo.body.PartnerID, PaymentID: lo.body.PaymentID, CancellationID: "cxl-bad-quantity", Memo: "고객 변심",
		OrderDetail: &transfer.CancelOrderDetailInput{OrderLines: []transfer.CancelOrderLineInput{
			{ProductID: lo.lines[0].p.id, Quantity: lo.lines[0].qty + 2, Discounts: []transfer.DiscountInput{}},
		}},
		Discounts: []transfer.DiscountInput{},
	}
	if lo.body.ExternalPaymentDetail != nil {
		c.ExternalCancellationDetail = &transfer.ExternalCancellationDetail{CancelledAt: at.Format(time.RFC3339)}
	}
	if err := write("cancelledAt", at, c); err != nil {
		return nil, err
	}
	// 10. A cancel of a larger amount than the order.
	at = ao.paidAt.Add(3 * time.Hour)
	c = transfer.CreateOrderCancelTransferBody{
		PartnerID: ao.body.PartnerID, PaymentID: ao.body.PaymentID, CancellationID: "cxl-bad-amount", Memo: "주문 실수",
		OrderDetail: &transfer.CancelOrderDetailInput{OrderAmount: i64(ao.amount + 10_000)},
		Discounts:   []transfer.DiscountInput{},
	}
	if ao.body.ExternalPaymentDetail != nil {
		c.ExternalCancellationDetail = &transfer.ExternalCancellationDetail{CancelledAt: at.Format(time.RFC3339)}
	}
	if err := write("cancelledAt", at, c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// uncancelled returns a line order and an amount order of the third day
// that have no cancellation and were paid in the morning (so the bad
// cancels stay within the week).
func (g *gen) uncancelled() (lines, amount *orderState) {
	from, _ := Week()
	for _, o := range g.orders {
		if o.cancels > 0 || !o.paidAt.After(from.AddDays(2).Time(seoul).Add(9*time.Hour)) {
			continue
		}
		if lines == nil && o.lines != nil {
			lines = o
		}
		if amount == nil && o.lines == nil && o.taxTF == 0 {
			amount = o
		}
		if lines != nil && amount != nil {
			break
		}
	}
	return lines, amount
}
