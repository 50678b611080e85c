package transfer

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// TestObserveMakesTheAnswerRightOnce: a cancel PortOne answers with negated
// amounts comes out as positive magnitudes, flagged; the partner's bank
// account and the contract snapshot do not survive into Raw.
func TestObserveMakesTheAnswerRightOnce(t *testing.T) {
	neg := SettlementAmount{Settlement: -4450, Order: -5000, Payment: -5000, PlatformFee: -500, PlatformFeeVat: -50, PaymentSupply: -4546, PaymentVat: -454}
	w := Transfer{
		Type: "ORDER_CANCEL", ID: "stl-c-1", Status: "SCHEDULED", SettlementDate: "2023-08-31", SettlementStartDate: "2023-08-12",
		Partner:      json.RawMessage(`{"id":"p-1","name":"가게","account":{"bank":"KOOKMIN","number":"123-456-789012","holder":"홍길동"}}`),
		Contract:     &Contract{ID: "c-1", Name: "기본", PlatformFeeVatPayer: "PARTNER"},
		Payment:      &Payment{ID: "pay-1"},
		Cancellation: &Cancellation{ID: "cx-1"},
		Amount:       &neg,
		OrderLines:   []TransferOrderLine{{Product: Product{ID: "a"}, Quantity: 1, Amount: neg}},
	}
	o := Observe(w)
	if !o.Negated {
		t.Errorf("Observe: Negated = false for a negated cancel")
	}
	if got := o.Transfer.Amounts.Settlement; got != 4450 {
		t.Errorf("Observe: settlement = %d, want 4450", got)
	}
	if got := o.Transfer.Lines[0].Amounts.Order; got != 5000 {
		t.Errorf("Observe: line order = %d, want 5000", got)
	}
	if o.Transfer.PartnerID != "p-1" || o.Transfer.PaymentID != "pay-1" || o.Transfer.CancellationID != "cx-1" || o.ID != "stl-c-1" {
		t.Errorf("Observe: ids = %q %q %q %q", o.Transfer.PartnerID, o.Transfer.PaymentID, o.Transfer.CancellationID, o.ID)
	}
	if o.Status != settlement.StatusScheduled {
		t.Errorf("Observe: status = %q", o.Status)
	}
	raw := string(o.Raw)
	for _, leak := range []string{"123-456-789012", "456", "KOOKMIN", "PARTNER"} {
		if strings.Contains(raw, leak) {
			t.Errorf("Observe: Raw keeps %q: %s", leak, raw)
		}
	}
	if !strings.Contains(raw, `"partner":{"id":"p-1","name":"가게"}`) || !strings.Contains(raw, `"contract":{"id":"c-1","name":"기본"}`) {
		t.Errorf("Observe: Raw lost the partner or contract id: %s", raw)
	}
}

// TestObserve: the sign of a cancel is normalised only when the whole
// block reads as a negation, ids come out typed, and Raw keeps no account
// wherever PortOne puts one while keeping every number digit for digit.
func TestObserve(t *testing.T) {
	pos := SettlementAmount{Settlement: 4450, Order: 5000, Payment: 5000, PlatformFee: 500, PlatformFeeVat: 50, PaymentSupply: 4546, PaymentVat: 454}
	neg := SettlementAmount{Settlement: -4450, Order: -5000, Payment: -5000, PlatformFee: -500, PlatformFeeVat: -50, PaymentSupply: -4546, PaymentVat: -454}
	mixed := SettlementAmount{Settlement: 4450, Order: -5000, Payment: 5000, PlatformFee: 500}
	partner := json.RawMessage(`{"id":"p-1","name":"가게","account":{"bank":"KOOKMIN","number":"123-456-789012","holder":"홍길동"}}`)
	base := func(typ string, a SettlementAmount, f func(*Transfer)) Transfer {
		w := Transfer{Type: typ, ID: "tr-1", Status: "SCHEDULED", Partner: partner, Payment: &Payment{ID: "pay-1"}, Amount: &a,
			SettlementDate: "2023-08-31", SettlementStartDate: "2023-08-12",
			OrderLines: []TransferOrderLine{{Product: Product{ID: "a", Amount: 5000}, Quantity: 1, Amount: a}},
			Discounts:  []TransferDiscount{{SharePolicy: DiscountSharePolicy{ID: "d"}, Amount: a.Discount}},
		}
		if typ == "ORDER_CANCEL" {
			w.Cancellation = &Cancellation{ID: "k-1"}
		}
		if f != nil {
			f(&w)
		}
		return w
	}
	for _, tc := range []struct {
		name        string
		w           Transfer
		negated     bool
		settlement  settlement.Won
		partnerID   settlement.PartnerID
		rawPartner  string // the partner member of Raw, "" for none
		rawContains []string
	}{
		{"order", base("ORDER", pos, nil), false, 4450, "p-1", `{"id":"p-1","name":"가게"}`, nil},
		{"positive cancel", base("ORDER_CANCEL", pos, nil), false, 4450, "p-1", `{"id":"p-1","name":"가게"}`, nil},
		{"negated cancel", base("ORDER_CANCEL", neg, nil), true, 4450, "p-1", `{"id":"p-1","name":"가게"}`, nil},
		{"mixed signs stay as sent, for reconcile to flag", base("ORDER_CANCEL", mixed, nil), false, 4450, "p-1", `{"id":"p-1","name":"가게"}`, nil},
		{"a negated order is not flipped", base("ORDER", neg, nil), false, -4450, "p-1", `{"id":"p-1","name":"가게"}`, nil},
		{"partner not an object", base("ORDER", pos, func(w *Transfer) { w.Partner = json.RawMessage(`"p-1 123-456-789012"`) }), false, 4450, "", "", nil},
		{"no partner", base("ORDER", pos, func(w *Transfer) { w.Partner = nil }), false, 4450, "", "", nil},
		{"accounts PortOne adds later", base("ORDER", pos, func(w *Transfer) {
			w.Extra = map[string]json.RawMessage{
				"payoutAccount": json.RawMessage(`{"number":"123-456-789012"}`),
				"settlementTo":  json.RawMessage(`{"bankAccountNumber":"123-456-789012","bank":"KOOKMIN","kept":1}`),
				"bigNumber":     json.RawMessage(`9007199254740993`),
			}
		}), false, 4450, "p-1", `{"id":"p-1","name":"가게"}`, []string{`"settlementTo":{"bank":"KOOKMIN","kept":1}`, `"bigNumber":9007199254740993`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Observe(tc.w)
			if o.Negated != tc.negated || o.Transfer.Amounts.Settlement != tc.settlement {
				t.Errorf("Negated %t, settlement %d; want %t, %d", o.Negated, o.Transfer.Amounts.Settlement, tc.negated, tc.settlement)
			}
			if tc.negated {
				if l := o.Transfer.Lines[0].Amounts; l.Order != 5000 || l.Settlement != 4450 {
					t.Errorf("line not normalised with the block: %+v", l)
				}
			}
			if o.ID != "tr-1" || o.Transfer.PaymentID != "pay-1" || o.Transfer.PartnerID != tc.partnerID || o.Status != settlement.StatusScheduled {
				t.Errorf("ids %q %q %q, status %q", o.ID, o.Transfer.PaymentID, o.Transfer.PartnerID, o.Status)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(o.Raw, &raw); err != nil {
				t.Fatalf("Raw %s: %v", o.Raw, err)
			}
			if got := string(raw["partner"]); got != tc.rawPartner {
				t.Errorf("Raw partner = %s, want %s", got, tc.rawPartner)
			}
			for _, leak := range []string{"123-456-789012", "789012", "account", "Account", "홍길동"} {
				if strings.Contains(string(o.Raw), leak) {
					t.Errorf("Raw keeps %q: %s", leak, o.Raw)
				}
			}
			// The amounts are Transfer's (and Negated the sign PortOne
			// sent), not repeated in Raw.
			if strings.Contains(string(o.Raw), `"amount":{`) || strings.Contains(string(o.Raw), `"settlement":`) {
				t.Errorf("Raw repeats the amount blocks: %s", o.Raw)
			}
			for _, want := range tc.rawContains {
				if !strings.Contains(string(o.Raw), want) {
					t.Errorf("Raw lacks %s: %s", want, o.Raw)
				}
			}
		})
	}
}

// BenchmarkObserve: one answer of three lines with a discount and a fee
// each, as posting observes every create response.
func BenchmarkObserve(b *testing.B) {
	a := SettlementAmount{Settlement: 4450, Order: 5000, Payment: 5000, PlatformFee: 500, PlatformFeeVat: 50, PaymentSupply: 4546, PaymentVat: 454}
	w := Transfer{
		Type: "ORDER", ID: "stl-o-1", Status: "SCHEDULED", SettlementDate: "2023-08-31", SettlementStartDate: "2023-08-12",
		Partner:  json.RawMessage(`{"id":"p-1","name":"가게","account":{"bank":"KOOKMIN","number":"123-456-789012","holder":"홍길동"},"contact":{"name":"김","email":"a@b.c"},"tags":["x"]}`),
		Contract: &Contract{ID: "c-1", Name: "기본", PlatformFeeVatPayer: "PARTNER"},
		Payment:  &Payment{ID: "pay-1"},
		Amount:   &a,
	}
	for i := range 3 {
		w.OrderLines = append(w.OrderLines, TransferOrderLine{Product: Product{ID: fmt.Sprint("sku-", i), Name: "상품"}, Quantity: 2, Amount: a,
			Discounts:      []TransferDiscount{{SharePolicy: DiscountSharePolicy{ID: "d-1", Name: "반반"}, Amount: 100}},
			AdditionalFees: []TransferAdditionalFee{{Policy: AdditionalFeePolicy{ID: "f-1", Name: "PG"}, Amount: 30, Vat: 3}}})
	}
	b.ReportAllocs()
	for b.Loop() {
		Observe(w)
	}
}

// BenchmarkDecodeTransfer: one answer of three lines with a discount and a
// fee each and a member this package does not know, decoded as the client
// decodes every create response.
func BenchmarkDecodeTransfer(b *testing.B) {
	a := SettlementAmount{Settlement: 4450, Order: 5000, Payment: 5000, PlatformFee: 500, PlatformFeeVat: 50, PaymentSupply: 4546, PaymentVat: 454}
	w := Transfer{
		Type: "ORDER", ID: "stl-o-1", Status: "SCHEDULED", SettlementDate: "2023-08-31", SettlementStartDate: "2023-08-12",
		Partner:  json.RawMessage(`{"id":"p-1","name":"가게"}`),
		Contract: &Contract{ID: "c-1", Name: "기본", PlatformFeeVatPayer: "PARTNER"},
		Payment:  &Payment{ID: "pay-1"},
		Amount:   &a,
		Extra:    map[string]json.RawMessage{"newField": json.RawMessage(`{"x":[1,2,3]}`)},
	}
	for i := range 3 {
		w.OrderLines = append(w.OrderLines, TransferOrderLine{Product: Product{ID: fmt.Sprint("sku-", i), Name: "상품"}, Quantity: 2, Amount: a,
			Discounts:      []TransferDiscount{{SharePolicy: DiscountSharePolicy{ID: "d-1", Name: "반반"}, Amount: 100}},
			AdditionalFees: []TransferAdditionalFee{{Policy: AdditionalFeePolicy{ID: "f-1", Name: "PG"}, Amount: 30, Vat: 3}}})
	}
	data, err := json.Marshal(w)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var got Transfer
		if err := json.Unmarshal(data, &got); err != nil || len(got.Extra) != 1 {
			b.Fatal(err, got.Extra)
		}
	}
}
