package transfer

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiffers(t *testing.T) {
	linesBody := CreateOrderTransferBody{
		ID: "t", PartnerID: "p", PaymentID: "pay",
		OrderDetail: OrderDetailInput{OrderLines: []OrderLineInput{
			{Product: ProductInput{ID: "A", Name: "a", Amount: 2000}, Quantity: 5, Discounts: []DiscountInput{{SharePolicyID: "d", Amount: 100}}},
			{Product: ProductInput{ID: "B", Name: "b", Amount: 4000}, Quantity: 1},
		}},
		Discounts:      []DiscountInput{{SharePolicyID: "d", Amount: 2000}},
		AdditionalFees: []AdditionalFeeInput{{PolicyID: "f"}},
	}
	linesGot := Transfer{
		Type: "ORDER", Partner: []byte(`{"id":"p"}`), Payment: &Payment{ID: "pay"},
		OrderLines: []TransferOrderLine{
			{Product: Product{ID: "B", Amount: 4000}, Quantity: 1},
			{Product: Product{ID: "A", Amount: 2000}, Quantity: 5, Discounts: []TransferDiscount{{SharePolicy: DiscountSharePolicy{ID: "d"}, Amount: 100}}},
		},
		Discounts:      []TransferDiscount{{SharePolicy: DiscountSharePolicy{ID: "d"}, Amount: 2000}},
		AdditionalFees: []TransferAdditionalFee{{Policy: AdditionalFeePolicy{ID: "f"}}},
	}
	changed := func(f func(*Transfer)) Transfer {
		g := linesGot
		g.OrderLines = append([]TransferOrderLine(nil), linesGot.OrderLines...)
		f(&g)
		return g
	}
	cancelBody := CreateOrderCancelTransferBody{ID: "c1", TransferID: "t", CancellationID: "can", OrderDetail: &CancelOrderDetailInput{OrderAmount: amount(5000)}}
	cancelGot := Transfer{Type: "ORDER_CANCEL", Cancellation: &Cancellation{ID: "can"}, Amount: &SettlementAmount{Order: -5000}}
	for _, tc := range []struct {
		name string
		body any
		got  Transfer
		want []string
	}{
		{"same lines in another order", &linesBody, linesGot, nil},
		{"by value", linesBody, linesGot, nil},
		{"other partner", &linesBody, changed(func(g *Transfer) { g.Partner = []byte(`{"id":"q"}`) }), []string{"partnerId"}},
		{"other payment", &linesBody, changed(func(g *Transfer) { g.Payment = &Payment{ID: "x"} }), []string{"paymentId"}},
		{"other type", &linesBody, changed(func(g *Transfer) { g.Type = "MANUAL" }), []string{"type"}},
		{"other quantity", &linesBody, changed(func(g *Transfer) { g.OrderLines[1].Quantity = 4 }), []string{"orderDetail.orderLines[0].quantity"}},
		{"line discount lost", &linesBody, changed(func(g *Transfer) { g.OrderLines[1].Discounts = nil }), []string{"orderDetail.orderLines[0].discounts"}},
		{"order discount amount", &linesBody, changed(func(g *Transfer) {
			g.Discounts = []TransferDiscount{{SharePolicy: DiscountSharePolicy{ID: "d"}, Amount: 1}}
		}), []string{"discounts"}},
		{"fees", &linesBody, changed(func(g *Transfer) { g.AdditionalFees = nil }), []string{"additionalFees"}},
		{"missing line", &linesBody, changed(func(g *Transfer) { g.OrderLines = g.OrderLines[:1] }), []string{"orderDetail.orderLines"}},
		{"cancel by magnitude", &cancelBody, cancelGot, nil},
		{"cancel other cancellation", &cancelBody, Transfer{Type: "ORDER_CANCEL", Cancellation: &Cancellation{ID: "zz"}, Amount: &SettlementAmount{Order: 5000}}, []string{"cancellationId"}},
		{"manual", &CreateManualTransferBody{ID: "m", PartnerID: "p", SettlementAmount: -300, SettlementDate: "2026-01-01"},
			Transfer{Type: "MANUAL", Partner: []byte(`{"id":"p"}`), SettlementAmount: amount(300), SettlementDate: "2026-01-01"}, []string{"settlementAmount"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Differs(tc.body, tc.got)); diff != "" {
				t.Errorf("Differs (-want +got):\n%s", diff)
			}
		})
	}
}
