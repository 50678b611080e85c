package settlement_test

import (
	"fmt"

	"github.com/settle-dev/settle/settlement"
)

// Example settles PortOne's documented order G3 (two lines, 10 % fee, the
// partner paying the fee's VAT) and then cancels two units of the first
// line (G4), to the won.
func Example() {
	terms := settlement.Terms{
		Contract: settlement.Contract{
			ID:                  "contractA",
			PlatformFee:         settlement.Fee{Kind: settlement.FeeFixedRate, Rate: 10000}, // 10 %
			PlatformFeeVatPayer: settlement.PayerPartner,
			Cycle: settlement.Cycle{LagDays: 2, DatePolicy: settlement.HolidayBefore,
				Method: settlement.CycleMonthly, DaysOfMonth: []int{31}},
		},
	}
	order := settlement.Order{
		PartnerID: "partner-1", PaymentID: "payment-1", HasLines: true,
		SettlementStartDate: settlement.MustDate("2023-08-11"),
		Lines: []settlement.Line{
			{Product: settlement.Product{ID: "product_A", Amount: 2000}, Quantity: 5},
			{Product: settlement.Product{ID: "product_B", Amount: 4000}, Quantity: 1},
		},
	}
	book, err := settlement.NewBook(order, terms)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := book.Order()
	fmt.Println("order:", t.Amounts.Order, "fee:", t.Amounts.PlatformFee, "VAT:", t.Amounts.PlatformFeeVat,
		"settlement:", t.Amounts.Settlement, "on", t.SettlementDate)
	for _, l := range t.Lines {
		fmt.Println(" ", l.Product.ID, l.Amounts.Settlement)
	}
	c, err := book.Cancel(settlement.Cancellation{
		CancellationID: "cancel-1", Form: settlement.CancelByLines,
		Lines:               []settlement.CancelLine{{ProductID: "product_A", Quantity: 2}},
		SettlementStartDate: settlement.MustDate("2023-08-12"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("cancel:", c.Amounts.Order, "settlement:", c.Amounts.Settlement, "remaining:", book.Remaining().Settlement)
	// Output:
	// order: 14000 fee: 1400 VAT: 140 settlement: 12460 on 2023-08-31
	//   product_A 8900
	//   product_B 3560
	// cancel: 4000 settlement: 3560 remaining: 8900
}
