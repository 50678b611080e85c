package intake

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/settle-dev/settle/store"
)

// oldForms is a JSON record's forms the way they were made before
// storedform.go: encoding/json writes the (normalised) body, then the own
// and unknown fields; the store canonicalises that. ok is false when data
// is not an accepted record.
func oldForms(t *testing.T, data []byte) (stored, canonical []byte, ok bool) {
	t.Helper()
	rec, err := DecodeRecord(data, seoul)
	if err != nil {
		return nil, nil, false
	}
	var body any
	own := map[string]string{}
	var unknown jsontext.Value
	if rec.Order != nil {
		var in orderInput
		if decodeStrict(data, &in, &in.Unknown, orderNames) != nil {
			t.Fatalf("accepted record does not decode again: %s", data)
		}
		body, own["type"], own["paidAt"], unknown = rec.Order.Body, TypeOrder, in.PaidAt, in.Unknown
	} else {
		var in cancelInput
		if decodeStrict(data, &in, &in.Unknown, cancelNames) != nil {
			t.Fatalf("accepted record does not decode again: %s", data)
		}
		body, own["type"], own["cancelledAt"], unknown = rec.Cancel.Body, TypeOrderCancel, in.CancelledAt, in.Unknown
	}
	s, err := storedForm(body, own, unknown)
	if err != nil {
		t.Fatalf("storedForm: %v", err)
	}
	c, err := store.CanonicalRequest(s)
	if err != nil {
		t.Fatalf("CanonicalRequest: %v", err)
	}
	return s, c, true
}

// checkForms asserts that an accepted record's stored and canonical forms
// are the bytes the old way made (so stored records and their hashes are
// unchanged, and a file imported before imports again as duplicates).
func checkForms(t *testing.T, data []byte) {
	t.Helper()
	stored, canonical, ok := oldForms(t, data)
	if !ok {
		return
	}
	rec, _ := DecodeRecord(data, seoul)
	got, canon := rec.JSON(), rec.Order.canonicalOf(rec.Cancel)
	if !bytes.Equal(got, stored) {
		t.Fatalf("stored form of %s:\n got %s\nwant %s", data, got, stored)
	}
	if !bytes.Equal(canon, canonical) {
		t.Fatalf("canonical form of %s:\n got %s\nwant %s", data, canon, canonical)
	}
}

// canonicalOf is the canonical form of whichever of o and c is set.
func (o *OrderRecord) canonicalOf(c *CancelRecord) []byte {
	if o != nil {
		return o.canonical
	}
	return c.canonical
}

var formCases = []string{
	// the scale generator's shapes
	`{"paidAt":"2026-11-30T00:00:00+09:00","partnerId":"p-chorok","paymentId":"s-1","orderDetail":{"orderLines":[{"product":{"id":"SKU-05682","name":"상품 1","amount":38708},"quantity":3,"discounts":[],"additionalFees":[]},{"product":{"id":"SKU-35192","name":"상품 3","amount":72610},"quantity":2,"discounts":[{"sharePolicyId":"dsp-partner","amount":7261}],"additionalFees":[]}]},"discounts":[],"additionalFees":[{"policyId":"afp-pg"}]}`,
	`{"cancelledAt":"2026-11-30T00:03:58+09:00","partnerId":"p-d","paymentId":"s-184","cancellationId":"cx-1","orderDetail":{"orderLines":[{"productId":"SKU-08534","quantity":3,"discounts":[]}]},"discounts":[]}`,
	`{"cancelledAt":"2026-11-30T00:06:58+09:00","partnerId":"p-d","paymentId":"s-273","cancellationId":"cx-2","orderDetail":{"all":{}},"discounts":[]}`,
	// every optional member of an order
	`{"type":"ORDER","id":"t-1","partnerId":"p","contractId":"c-1","memo":"메모 <b>&</b>","paymentId":"q","paidAt":"2025-10-01T10:00:00+09:00",
	  "orderDetail":{"orderLines":[{"product":{"id":"a","name":"A\u2028B","amount":1000,"taxFreeAmount":100,"tag":"t"},"quantity":1,
	  "discounts":[{"sharePolicyId":"d","amount":10,"taxFreeAmount":1}],"additionalFees":[{"policyId":"f"}]}]},
	  "taxFreeAmount":100,"settlementStartDate":"2025-10-01","settlementDate":"2025-10-05",
	  "discounts":[{"sharePolicyId":"d","amount":5}],"additionalFees":[{"policyId":"f"}],
	  "externalPaymentDetail":{"currency":"KRW","orderName":"주문","paidAt":"2025-10-01T10:00:00+09:00","method":{"easyPay":{"provider":"KAKAOPAY","methodType":"CARD"}}}}`,
	`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00Z","orderDetail":{"orderAmount":5000},"externalPaymentDetail":{"currency":"KRW","method":{"card":{}}}}`,
	`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00Z","orderDetail":{"orderAmount":5000},"externalPaymentDetail":{"currency":"KRW","method":{}}}`,
	`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00Z","orderDetail":{"orderAmount":5000},"memo":"tab\there \"quoted\" back\\slash"}`,
	// free JSON: parameters, userDefinedProperties, unknown fields
	`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00Z","orderDetail":{"orderAmount":5000},"parameters":{"z":{"decimal":1,"decimalScale":0}, "a":{"decimalScale":2,"decimal":5}}}`,
	`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00Z","orderDetail":{"orderAmount":5000},"userDefinedProperties":[{"key":"k","value":{"b":2,"a":1}}]}`,
	`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00Z","orderDetail":{"orderAmount":5000},"zeta":{"y":1,"x":2},"alpha":"<&>","marketplaceOrderNo":"M-1"}`,
	// every optional member of a cancellation
	`{"type":"ORDER_CANCEL","id":"t-2","partnerId":"p","paymentId":"q","transferId":"tr-1","cancellationId":"c","memo":"m","cancelledAt":"2025-10-02T10:00:00+09:00",
	  "orderDetail":{"orderLines":[{"productId":"a","quantity":1,"discounts":[{"sharePolicyId":"d","amount":1,"taxFreeAmount":0}]}]},
	  "taxFreeAmount":0,"discounts":[{"sharePolicyId":"d","amount":1}],"settlementStartDate":"2025-10-02","settlementDate":"2025-10-06",
	  "externalCancellationDetail":{"cancelledAt":"2025-10-02T10:00:00+09:00"}}`,
	`{"partnerId":"p","paymentId":"q","cancellationId":"c","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"orderAmount":100},"externalCancellationDetail":{},"note":"kept"}`,
	`{"partnerId":"p","paymentId":"q","cancellationId":"c","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"all":{}},"userDefinedProperties":[{"key":"k","value":"v"}]}`,
}

// TestStoredFormsMatch: the forms written straight from the typed body
// are the bytes encoding/json and the store's canonicaliser made, for
// every member of both bodies, strings that need escaping, and records
// with free JSON (which take the slow path).
func TestStoredFormsMatch(t *testing.T) {
	n := 0
	for _, c := range formCases {
		if _, _, ok := oldForms(t, []byte(c)); !ok {
			_, err := DecodeRecord([]byte(c), seoul)
			t.Errorf("case not accepted (%v): %s", err, c)
			continue
		}
		checkForms(t, []byte(c))
		n++
	}
	b, err := readFileLines(testdata("records.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range b {
		checkForms(t, l)
	}
	if n < len(formCases) {
		t.Fatalf("%d of %d cases accepted", n, len(formCases))
	}
}

func readFileLines(name string) ([][]byte, error) {
	b, err := os.ReadFile(name)
	return bytes.Split(b, []byte("\n")), err
}

func FuzzStoredForms(f *testing.F) {
	for _, c := range formCases {
		f.Add([]byte(c))
	}
	addFileSeeds(f, "records.jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		checkForms(t, data)
	})
}
