package emulator

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// fuzzOrder builds an order body of up to four lines from fuzz values.
// Empty slices are nil, as decodeOrder returns them.
func fuzzOrder(id, name string, amount, taxFree int64, tag string, qty int64, policy string, disc int64, memo string, params []byte, external bool, n uint8) orderBody {
	var b orderBody
	o := &b.order
	o.HasLines = n%2 == 1
	o.OrderAmount = settlement.Won(amount)
	for i := range int(n % 5) {
		l := settlement.Line{
			Product:  settlement.Product{ID: id + string(rune('a'+i)), Name: name, Amount: settlement.Won(amount - int64(i)), TaxFree: settlement.Won(taxFree), Tag: tag},
			Quantity: qty + int64(i),
		}
		if i%2 == 0 {
			l.Discounts = []settlement.Discount{{SharePolicyID: policy, Amount: settlement.Won(disc), TaxFree: settlement.Won(-disc)}}
			l.AdditionalFees = []string{policy, name}
		}
		o.Lines = append(o.Lines, l)
	}
	if n%3 == 0 {
		tf := settlement.Won(taxFree)
		o.TaxFree = &tf
	}
	if n%4 == 0 {
		o.Discounts = []settlement.Discount{{SharePolicyID: policy, Amount: settlement.Won(disc)}}
		o.AdditionalFees = []string{policy}
	}
	o.SettlementStartDate = settlement.DateOf(time.Unix(amount%(1<<33), 0), time.UTC)
	if n%5 == 0 {
		o.SettlementDate = settlement.MakeDate(2024, time.Month(1+int(n)%12), 1+int(n)%28)
	}
	if external {
		b.payment = paymentBody{external: true, orderName: name, currency: transfer.Currency(tag), paidAtText: memo,
			method: transfer.PaymentMethod{Type: tag, Provider: policy, MethodType: id}}
	} else {
		b.payment = paymentBody{paidAt: amount}
	}
	b.extras.memo = memo
	if len(params) > 0 {
		b.extras.params = json.RawMessage(params)
	}
	if n%2 == 0 {
		b.extras.udp = []transfer.UserDefinedProperty{{Key: name, Value: json.RawMessage(params)}}
		if len(params) == 0 {
			b.extras.udp[0].Value = nil
		}
	}
	return b
}

// fuzzCancel builds a cancel body (with its computed transfer) from an
// order body's values.
func fuzzCancel(b orderBody) cancelBody {
	o := b.order
	c := cancelBody{
		cancellation: settlement.Cancellation{CancellationID: settlement.CancellationID(b.extras.memo), Form: settlement.CancelForm(len(o.Lines)),
			OrderAmount: o.OrderAmount, TaxFree: o.TaxFree, Discounts: o.Discounts,
			SettlementStartDate: o.SettlementStartDate, SettlementDate: o.SettlementDate},
		computed: settlement.Transfer{Kind: settlement.KindOrderCancel, PartnerID: "p", PaymentID: settlement.PaymentID(b.payment.orderName),
			ContractID: b.payment.paidAtText, CancellationID: settlement.CancellationID(b.extras.memo),
			SettlementStartDate: o.SettlementStartDate, SettlementDate: o.SettlementDate,
			Amounts: settlement.Amounts{Settlement: o.OrderAmount, DiscountShareTaxFree: -o.OrderAmount, PaymentVat: 7}},
		cancelledAt: b.payment.paidAtText,
		extras:      b.extras,
	}
	for i, l := range o.Lines {
		c.cancellation.Lines = append(c.cancellation.Lines, settlement.CancelLine{ProductID: l.Product.ID, Quantity: l.Quantity, Discounts: l.Discounts})
		lr := settlement.LineResult{Product: l.Product, Quantity: l.Quantity, Amounts: settlement.Amounts{Order: l.Product.Amount, PlatformFee: settlement.Won(i)}}
		if i%2 == 0 {
			lr.UserDefined = map[string]settlement.Won{l.Product.ID: settlement.Won(l.Quantity), "PG_FEE": -l.Product.Amount}
		}
		for _, d := range l.Discounts {
			lr.Discounts = append(lr.Discounts, settlement.DiscountResult{SharePolicyID: d.SharePolicyID, Amount: d.Amount, TaxFree: d.TaxFree, ShareAmount: -d.Amount, ShareTaxFree: 1})
		}
		for _, f := range l.AdditionalFees {
			lr.AdditionalFees = append(lr.AdditionalFees, settlement.FeeResult{PolicyID: f, Amount: l.Product.Amount, VAT: -1})
		}
		c.computed.Lines = append(c.computed.Lines, lr)
	}
	if len(o.Discounts) > 0 {
		c.computed.Discounts = []settlement.DiscountResult{{SharePolicyID: o.Discounts[0].SharePolicyID, Amount: 1}}
		c.computed.AdditionalFees = []settlement.FeeResult{{PolicyID: "f", VAT: 2}}
		c.computed.UserDefined = map[string]settlement.Won{"NET_AFTER_PG": o.OrderAmount}
	}
	return c
}

// FuzzOrderCodec: what encodeOrder, encodeCancel and encodeManual pack,
// their decoders give back exactly.
func FuzzOrderCodec(f *testing.F) {
	f.Add("sku", "사과", int64(12000), int64(0), "fruit", int64(2), "dsp50", int64(500), "memo", []byte(`{"a":1}`), false, uint8(3))
	f.Add("", "", int64(-1), int64(1<<62), "", int64(0), "", int64(-1<<62), "", []byte(nil), true, uint8(4))
	f.Fuzz(func(t *testing.T, id, name string, amount, taxFree int64, tag string, qty int64, policy string, disc int64, memo string, params []byte, external bool, n uint8) {
		want := fuzzOrder(id, name, amount, taxFree, tag, qty, policy, disc, memo, params, external, n)
		got, err := decodeOrder(encodeOrder(want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
		}
		c := fuzzCancel(want)
		if gc, err := decodeCancel(encodeCancel(c)); err != nil || !reflect.DeepEqual(gc, c) {
			t.Fatalf("cancel round trip:\n got %+v, %v\nwant %+v", gc, err, c)
		}
		m := manualBody{amount: amount, taxFree: taxFree, date: want.order.SettlementStartDate, currency: transfer.Currency(tag), extras: want.extras}
		if gm, err := decodeManual(encodeManual(m)); err != nil || !reflect.DeepEqual(gm, m) {
			t.Fatalf("manual round trip: %+v, %v, want %+v", gm, err, m)
		}
	})
}

// FuzzDecodeCorrupt: a body that is not what encodeOrder wrote is an error,
// never a panic or a huge allocation.
func FuzzDecodeCorrupt(f *testing.F) {
	f.Add(encodeOrder(fuzzOrder("a", "b", 1, 0, "", 1, "p", 1, "m", nil, false, 3)))
	f.Add("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = decodeOrder(s)
		_, _ = decodeManual(s)
		_, _ = decodeCancel(s)
	})
}
