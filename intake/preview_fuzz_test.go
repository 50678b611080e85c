package intake

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzPreview: no input makes `settle preview` panic, and every accepted
// input yields transfers whose blocks tie.
func FuzzPreview(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "preview", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"order":{"orderDetail":{"orderLines":[{"quantity":-1}]}}}`))
	loc := time.FixedZone("KST", 9*3600)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Preview(data, loc)
		if err != nil {
			if _, ok := err.(*PreviewError); !ok {
				t.Fatalf("Preview: error %T is not a *PreviewError: %v", err, err)
			}
			return
		}
		for _, tr := range append([]PreviewTransfer{out.Transfer}, out.CancelTransfers...) {
			a := tr.Amount
			if a.Payment != a.Order-a.Discount ||
				a.Settlement != a.Order-a.DiscountShare-a.PlatformFee-a.PlatformFeeVat-a.AdditionalFee-a.AdditionalFeeVat-a.PaymentVatBurden {
				t.Fatalf("%s block does not tie: %+v", tr.Type, a)
			}
			var sum int64
			for _, l := range tr.OrderLines {
				sum += l.Amount.Order
			}
			if len(tr.OrderLines) > 0 && sum != a.Order {
				t.Fatalf("%s: Σ line orders %d != order %d", tr.Type, sum, a.Order)
			}
		}
	})
}
