package intake

import (
	"bytes"
	"fmt"
	"testing"
)

// unknownFlood is a 1 MiB order whose top level is a hundred thousand
// unknown members: what took `settle serve` to 1.6 GB (issue #10.9).
func unknownFlood() []byte {
	var b bytes.Buffer
	b.WriteString(`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderAmount":1000}`)
	for i := 0; b.Len() < (1<<20)-200; i++ {
		fmt.Fprintf(&b, `,"u%d":[1]`, i)
	}
	b.WriteString("}")
	return b.Bytes()
}

// BenchmarkDecodeUnknownFlood: refusing the flood costs about 5 MB (the kept
// unknown fields), not the 33 MB that tracking every name for duplicates
// first would (go test -bench DecodeUnknownFlood -benchmem ./intake).
func BenchmarkDecodeUnknownFlood(b *testing.B) {
	data := unknownFlood()
	r := Rules{Location: seoul}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := r.DecodeOrder(data); err == nil {
			b.Fatal("the flood was accepted")
		}
	}
}

// BenchmarkDecodeOrder decodes and validates a typical order.
func BenchmarkDecodeOrder(b *testing.B) {
	data := []byte(`{"partnerId":"partner-j","paymentId":"pay-2001","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"노트북","amount":1500000},"quantity":1,"discounts":[{"sharePolicyId":"disc-1","amount":100000}],"additionalFees":[]},{"product":{"id":"sku-2","name":"마우스","amount":30000,"taxFreeAmount":0},"quantity":2,"discounts":[],"additionalFees":[{"policyId":"fee-1"}]}]},"discounts":[],"additionalFees":[],"marketplaceOrderNo":"M-0001"}`)
	r := Rules{Location: seoul}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := r.DecodeOrder(data); err != nil {
			b.Fatal(err)
		}
	}
}
