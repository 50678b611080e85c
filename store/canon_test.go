package store

import (
	"bytes"
	"testing"
)

// FuzzCanonicalJSON: the fast canonical form is byte for byte the one
// encoding/json makes (decode into maps, encode again), which every stored
// request hash was made with; and it fails exactly where that fails.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":[1,2,{"d":null,"c":true}],"e":"x"}`,
		`{"paymentId":"p<1>&","name":"노트북","memo":"a\"b\\c\u2028\n","n":1.50e3}`,
		`{"a":1,"a":2}`, `{"k\u00e9":"\ud83d\ude00","k":"\xff"}`, ` [ {} , [] , "" ] `, `{"a":1}x`, `{"a":}`, `"\u0000"`,
		`{"type":"ORDER","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"a","amount":1000},"quantity":1,"discounts":[],"additionalFees":[]}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, _, werr := canonical(raw)
		got, gerr := canonicalJSON(raw)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("canonical(%q) err %v, canonicalJSON err %v", raw, werr, gerr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("canonicalJSON(%q)\n = %s\nwant %s", raw, got, want)
		}
	})
}
