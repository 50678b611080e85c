package transfer

import (
	"encoding/json"
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
