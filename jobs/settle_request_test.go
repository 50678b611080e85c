package jobs

import (
	"bufio"
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// TestRequestFromRecordMatchesTyped: the PortOne request settle composes
// from a stored record without decoding it is the same bytes as decoding
// the record into PortOne's body type and encoding it again, for every
// record of the sample data and the test files (orders with and without
// lines, memos, tax-free amounts, external details, unknown fields, every
// cancel form), so what posts is what always posted.
func TestRequestFromRecordMatchesTyped(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Seoul")
	n := 0
	for _, file := range []string{"../demo/data/orders.jsonl", "../testdata/pipeline/orders.jsonl", "../testdata/ingest/records.jsonl"} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			rec, err := intake.DecodeRecord(line, loc)
			if len(line) == 0 || err != nil {
				continue
			}
			if _, ok := orderShape.compose(rec.JSON(), nil); !ok && rec.Order != nil {
				t.Errorf("%s: %s: intake's record is not composed without decoding", file, rec.Key())
			}
			if _, ok := cancelShape.compose(rec.JSON(), nil); !ok && rec.Cancel != nil {
				t.Errorf("%s: %s: intake's record is not composed without decoding", file, rec.Key())
			}
			var fast, slow []byte
			var ferr, serr error
			if o := rec.Order; o != nil {
				sr := &store.OrderRecord{Order: o.Order, Request: o.JSON}
				for _, contract := range []string{"ct-1", o.Order.ContractID} {
					if contract == "" {
						continue
					}
					fast, ferr = orderRequest(sr, contract)
					slow, serr = orderRequestTyped(sr, contract)
					if !bytes.Equal(fast, slow) || ferr != nil || serr != nil {
						t.Errorf("%s: %s\ncomposed %s (%v)\ntyped    %s (%v)", file, rec.Key(), fast, ferr, slow, serr)
					}
				}
			} else {
				c := rec.Cancel
				sr := &store.CancellationRecord{Cancellation: c.Cancellation, PartnerID: settlement.PartnerID(c.Body.PartnerID),
					PaymentID: settlement.PaymentID(c.Body.PaymentID), Request: c.JSON}
				fast, ferr = cancelRequest(sr, 0)
				slow, serr = cancelRequestTyped(sr, 0)
				if !bytes.Equal(fast, slow) || ferr != nil || serr != nil {
					t.Errorf("%s: %s\ncomposed %s (%v)\ntyped    %s (%v)", file, rec.Key(), fast, ferr, slow, serr)
				}
			}
			n++
		}
		f.Close()
	}
	if n < 50 {
		t.Fatalf("compared %d records, want the sample data's", n)
	}
	// A record intake did not write (no "type") is composed the slow way.
	sr := &store.OrderRecord{Order: settlement.Order{PartnerID: "p", PaymentID: "q"},
		Request: []byte(`{"partnerId":"p","paymentId":"q","memo":"","orderDetail":{"orderAmount":1000},"discounts":null}`)}
	fast, _ := orderRequest(sr, "ct")
	slow, _ := orderRequestTyped(sr, "ct")
	if !bytes.Equal(fast, slow) {
		t.Errorf("record without type: composed %s, typed %s", fast, slow)
	}
}

// FuzzRequestFromRecord: for any record intake accepts, the request
// composed from its stored form is the bytes the typed round trip makes.
func FuzzRequestFromRecord(f *testing.F) {
	for _, file := range []string{"../testdata/ingest/records.jsonl", "../testdata/pipeline/orders.jsonl"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.Split(b, []byte("\n")) {
			f.Add(l)
		}
	}
	loc := time.FixedZone("KST", 9*3600)
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, err := intake.DecodeRecord(line, loc)
		if err != nil {
			return
		}
		var fast, slow []byte
		if o := rec.Order; o != nil {
			sr := &store.OrderRecord{Order: o.Order, Request: o.JSON}
			fast, _ = orderRequest(sr, "ct-1")
			slow, _ = orderRequestTyped(sr, "ct-1")
		} else {
			c := rec.Cancel
			sr := &store.CancellationRecord{Cancellation: c.Cancellation, PartnerID: settlement.PartnerID(c.Body.PartnerID),
				PaymentID: settlement.PaymentID(c.Body.PaymentID), Request: c.JSON}
			fast, _ = cancelRequest(sr, 0)
			slow, _ = cancelRequestTyped(sr, 0)
		}
		if !bytes.Equal(fast, slow) {
			t.Fatalf("record %s\ncomposed %s\ntyped    %s", line, fast, slow)
		}
	})
}
