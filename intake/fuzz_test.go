package intake

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// fuzzCheck is the import's engine check without a store: orders are
// settled with neutral terms.
func fuzzCheck(_ context.Context, rec Record) (*settlement.Error, error) {
	if o := rec.Order; o != nil {
		if _, err := settlement.SettleOrder(o.Order, neutralTerms(o.Order)); err != nil {
			return asFieldError(err, ""), nil
		}
	}
	return nil, nil
}

// checkAccepted asserts that an accepted record's stored form decodes to
// the same record and passes validation again.
func checkAccepted(t *testing.T, rec Record) {
	t.Helper()
	again, err := DecodeRecord(rec.JSON(), seoul)
	if err != nil {
		t.Fatalf("stored form of accepted %s does not decode: %v\n%s", rec.Key(), err, rec.JSON())
	}
	if again.Key() != rec.Key() || !bytes.Equal(again.JSON(), rec.JSON()) {
		t.Fatalf("stored form of %s decodes to %s:\n%s\n%s", rec.Key(), again.Key(), rec.JSON(), again.JSON())
	}
	if c, err := store.CanonicalRequest(rec.JSON()); err != nil || !bytes.Equal(c, rec.Order.canonicalOf(rec.Cancel)) {
		t.Fatalf("canonical form of %s: %s, want %s (%v)", rec.Key(), rec.Order.canonicalOf(rec.Cancel), c, err)
	}
	if ferr, _ := fuzzCheck(context.Background(), again); ferr != nil {
		t.Fatalf("stored form of accepted %s fails validation: %v", rec.Key(), ferr)
	}
}

func checkProblem(t *testing.T, p *Problem, lines int) {
	t.Helper()
	if p.Err == nil || p.Err.Type == "" {
		t.Fatalf("problem without an error: %+v", p)
	}
	if p.Line < 1 || p.Line > lines+1 {
		t.Fatalf("problem on line %d of %d: %v", p.Line, lines, p)
	}
	_ = p.Error()
}

func addFileSeeds(f *testing.F, name string) {
	b, err := os.ReadFile(testdata(name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, l := range bytes.Split(b, []byte("\n")) {
		f.Add(l)
	}
}

func FuzzDecodeJSONL(f *testing.F) {
	addFileSeeds(f, "records.jsonl")
	f.Add([]byte(`{"cancellationId":"c","partnerId":"p","paymentId":"q","cancelledAt":"2025-10-01T00:00:00Z","orderDetail":{"all":{}}}`))
	f.Add([]byte("{\"type\":null,\"paidAt\":\"2025-10-01T00:00:00Z\"}\r\n\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		err := readJSONL(context.Background(), bytes.NewReader(data), "fuzz.jsonl",
			readOpts{rules: Rules{Location: seoul}, maxLine: 4096, check: fuzzCheck}, func(it item) error {
				for _, p := range it.probs {
					checkProblem(t, p, lines)
				}
				if len(it.probs) > 0 {
					return nil
				}
				checkAccepted(t, it.rec)
				return nil
			})
		if err != nil {
			t.Fatalf("readJSONL: %v", err)
		}
	})
}

func FuzzDecodeCSV(f *testing.F) {
	addFileSeeds(f, "orders.csv")
	f.Add([]byte("partnerId,paymentId,paidAt,productId,productName,unitAmount,quantity,memo\n" +
		"p,q,2025-10-01T00:00:00Z,a,\"x\ny\",1,1,\"multi\nline\"\n"))
	f.Add([]byte("partnerId,paymentId,cancellationId,cancelledAt,cancelAll\np,q,c,2025-10-01T00:00:00Z,true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		err := readCSV(context.Background(), bytes.NewReader(data), "fuzz.csv",
			readOpts{rules: Rules{Location: seoul}, maxLine: 4096, check: fuzzCheck}, func(it item) error {
				for _, p := range it.probs {
					checkProblem(t, p, lines)
				}
				if len(it.probs) > 0 {
					return nil
				}
				checkAccepted(t, it.rec)
				return nil
			})
		if err != nil {
			t.Fatalf("readCSV: %v", err)
		}
	})
}
