package store

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// intentIDReference is IntentID as first written (printed with fmt): the
// ids of intents stored and posted since depend on its bytes.
func intentIDReference(partnerID settlement.PartnerID, paymentID settlement.PaymentID, kind settlement.Kind, cancellationID settlement.CancellationID, generation int) settlement.TransferID {
	h := sha256.New()
	for _, p := range []string{string(partnerID), string(paymentID), string(kind), string(cancellationID)} {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	if generation > 0 {
		fmt.Fprintf(h, "g%d;", generation)
	}
	sum := h.Sum(nil)
	prefix := "stl-o-"
	if kind == settlement.KindOrderCancel {
		prefix = "stl-c-"
	} else if kind != settlement.KindOrder {
		prefix = "stl-m-"
	}
	return settlement.TransferID(prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:25])))
}

// TestIntentIDLayout: IntentID makes the same ids as the printed layout it
// replaced, for every kind, generations and parts of any length.
func TestIntentIDLayout(t *testing.T) {
	long := strings.Repeat("가", 80)
	for _, c := range []struct {
		partner, payment, kind, cancellation string
		gen                                  int
	}{
		{"p1", "pay-1", "ORDER", "", 0},
		{"p1", "pay-1", "ORDER", "", 1},
		{"p-dongne-bakery", "pay-20250929-0075", "ORDER_CANCEL", "cxl-20250929-0075-1", 0},
		{"p-dongne-bakery", "pay-20250929-0075", "ORDER_CANCEL", "cxl-20250929-0075-1", 12},
		{"p1", "pay-1", "MANUAL", "", 0},
		{"", "", "", "", 0},
		{long, long, "ORDER", long, 123456789},
	} {
		got := IntentID(settlement.PartnerID(c.partner), settlement.PaymentID(c.payment), settlement.Kind(c.kind), settlement.CancellationID(c.cancellation), c.gen)
		want := intentIDReference(settlement.PartnerID(c.partner), settlement.PaymentID(c.payment), settlement.Kind(c.kind), settlement.CancellationID(c.cancellation), c.gen)
		if got != want || len(got) != 46 {
			t.Errorf("IntentID(%q, %q, %s, %q, %d) = %s, want %s (46 characters)", c.partner, c.payment, c.kind, c.cancellation, c.gen, got, want)
		}
	}
}

func FuzzIntentIDLayout(f *testing.F) {
	f.Add("p1", "pay-1", "ORDER", "", 0)
	f.Add("p1", "pay-1", "ORDER_CANCEL", "cx-1", 3)
	f.Fuzz(func(t *testing.T, partner, payment, kind, cancellation string, gen int) {
		got := IntentID(settlement.PartnerID(partner), settlement.PaymentID(payment), settlement.Kind(kind), settlement.CancellationID(cancellation), gen)
		want := intentIDReference(settlement.PartnerID(partner), settlement.PaymentID(payment), settlement.Kind(kind), settlement.CancellationID(cancellation), gen)
		if got != want {
			t.Errorf("IntentID = %s, want %s", got, want)
		}
	})
}
