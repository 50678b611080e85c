package intake

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// place is where a problem is reported: file, line, field and error type.
type place struct {
	File  string
	Line  int
	Field string
	Type  settlement.ErrorType
}

func placesOf(ps []*Problem) []place {
	out := make([]place, 0, len(ps))
	for _, p := range ps {
		out = append(out, place{filepath.Base(p.Source), p.Line, p.Field(), p.Err.Type})
	}
	return out
}

// wantImportProblems is every bad record of testdata/ingest/orders.csv and
// records.jsonl, in file order.
var wantImportProblems = []place{
	{"orders.csv", 4, "quantity", settlement.ErrInvalidRequest},
	{"orders.csv", 6, "unitAmount", settlement.ErrInvalidRequest},
	{"orders.csv", 7, "paidAt", settlement.ErrInvalidRequest},
	{"orders.csv", 9, "productId", settlement.ErrProductIDNotFound},
	{"orders.csv", 11, "settlementDate", settlement.ErrSettlementDateEarlierThanSettlementStartDate},
	{"orders.csv", 14, "channel", settlement.ErrInvalidRequest},
	{"records.jsonl", 3, "", settlement.ErrInvalidRequest},
	{"records.jsonl", 5, "type", settlement.ErrInvalidRequest},
	{"records.jsonl", 7, "discounts", settlement.ErrSettlementAmountExceeded},
	{"records.jsonl", 8, "paidAt", settlement.ErrInvalidRequest},
	{"records.jsonl", 9, "orderDetail.orderLines[0].quantity", settlement.ErrInvalidRequest},
	{"records.jsonl", 10, "orderDetail.orderLines[0].quantity", settlement.ErrCancellableProductQuantityExceeded},
	{"records.jsonl", 12, "", settlement.ErrInvalidRequest},
}

func countRejected(t *testing.T, st *store.Store) []store.Rejected {
	t.Helper()
	var out []store.Rejected
	err := st.RejectedRecords(context.Background(), store.RejectedQuery{}, func(r *store.Rejected) error {
		out = append(out, *r)
		return nil
	})
	if err != nil {
		t.Fatalf("RejectedRecords: %v", err)
	}
	return out
}

func TestImportMixedFiles(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	files := []string{testdata("orders.csv"), testdata("records.jsonl")}
	opts := Options{Location: seoul}

	rep, err := ImportFiles(ctx, st, files, opts)
	if err != nil {
		t.Fatalf("ImportFiles: %v", err)
	}
	if diff := cmp.Diff(wantImportProblems, placesOf(rep.Problems)); diff != "" {
		t.Errorf("ImportFiles problems (-want +got):\n%s", diff)
	}
	wantCounts := Counts{Read: 22, Created: 9, Rejected: 13}
	if diff := cmp.Diff(wantCounts, rep.Counts); diff != "" {
		t.Errorf("ImportFiles counts (-want +got):\n%s", diff)
	}
	if got, want := rep.Problems[0].Error(), "orders.csv line 4: quantity: must be 1..2147483647, got -2"; !strings.HasSuffix(got, want) {
		t.Errorf("first problem = %q, want it to end in %q", got, want)
	}

	// Every good record is stored, with settlementStartDate filled in from
	// paidAt in SETTLE_TZ and unknown fields kept.
	for _, k := range []struct{ partner, payment, start string }{
		{"partner-a", "pay-1001", "2025-10-01"},
		{"partner-b", "pay-1003", "2025-10-01"}, // paid 2025-09-30T16:00Z = 01:00 in Seoul
		{"partner-c", "pay-1008", "2025-10-01"},
		{"partner-j", "pay-2001", "2025-10-01"},
		{"partner-j", "pay-2002", "2025-10-01"}, // paid 2025-09-30T15:30Z
	} {
		o, err := st.Order(ctx, settlement.PartnerID(k.partner), settlement.PaymentID(k.payment))
		if err != nil {
			t.Errorf("Order(%s, %s): %v", k.partner, k.payment, err)
			continue
		}
		if got := o.Order.SettlementStartDate.String(); got != k.start {
			t.Errorf("Order(%s, %s) settlementStartDate = %s, want %s", k.partner, k.payment, got, k.start)
		}
		var req map[string]any
		if err := json.Unmarshal(o.Request, &req); err != nil {
			t.Fatalf("stored request of %s: %v", k.payment, err)
		}
		if req["settlementStartDate"] != k.start || req["type"] != TypeOrder {
			t.Errorf("stored request of %s: settlementStartDate %v type %v, want %s ORDER", k.payment, req["settlementStartDate"], req["type"], k.start)
		}
	}
	o, _ := st.Order(ctx, "partner-j", "pay-2001")
	if !strings.Contains(string(o.Request), `"marketplaceOrderNo":"M-0001"`) {
		t.Errorf("stored pay-2001 lost its unknown field: %s", o.Request)
	}
	o, _ = st.Order(ctx, "partner-a", "pay-1001")
	if !strings.Contains(string(o.Request), `"channel":"app"`) || len(o.Order.Lines) != 2 {
		t.Errorf("stored pay-1001 = %d lines, request %s; want 2 lines and the channel column kept", len(o.Order.Lines), o.Request)
	}
	for _, k := range []struct{ partner, cancellation string }{
		{"partner-a", "cancel-1"}, {"partner-b", "cancel-3"}, {"partner-j", "cancel-2002-1"}, {"partner-j", "cancel-2001-2"},
	} {
		if _, err := st.Cancellation(ctx, settlement.PartnerID(k.partner), settlement.CancellationID(k.cancellation)); err != nil {
			t.Errorf("Cancellation(%s, %s): %v", k.partner, k.cancellation, err)
		}
	}
	// Every bad record is kept with its reason, file, line and field.
	rejected := countRejected(t, st)
	if len(rejected) != len(wantImportProblems) {
		t.Fatalf("rejected records = %d, want %d", len(rejected), len(wantImportProblems))
	}
	var gotRejected []place
	for _, r := range rejected {
		gotRejected = append(gotRejected, place{filepath.Base(r.File), r.Line, r.Field, settlement.ErrorType(r.ErrorType)})
		if r.Reason == "" || len(r.Payload) == 0 || r.Source != store.SourceImport {
			t.Errorf("rejected record %s line %d: reason %q, %d payload bytes, source %q", r.File, r.Line, r.Reason, len(r.Payload), r.Source)
		}
	}
	if diff := cmp.Diff(wantImportProblems, gotRejected); diff != "" {
		t.Errorf("rejected records (-want +got):\n%s", diff)
	}

	// Importing the same files again changes nothing.
	rep2, err := ImportFiles(ctx, st, files, opts)
	if err != nil {
		t.Fatalf("ImportFiles again: %v", err)
	}
	if diff := cmp.Diff(Counts{Read: 22, Duplicate: 9, Rejected: 13}, rep2.Counts); diff != "" {
		t.Errorf("ImportFiles again counts (-want +got):\n%s", diff)
	}
	if n := len(countRejected(t, st)); n != len(wantImportProblems) {
		t.Errorf("rejected records after the second import = %d, want %d", n, len(wantImportProblems))
	}
}

func TestImportConflict(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	opts := Options{Location: seoul}
	if _, err := ImportFiles(ctx, st, []string{testdata("orders.csv"), testdata("records.jsonl")}, opts); err != nil {
		t.Fatalf("ImportFiles: %v", err)
	}
	orig, err := os.ReadFile(testdata("orders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// pay-1001 again (lines 1-3), its first line's quantity 2 → 3.
	lines := strings.SplitN(string(orig), "\n", 4)
	csvText := lines[0] + "\n" + strings.Replace(lines[1], ",20000,,2,", ",20000,,3,", 1) + "\n" + lines[2] + "\n"
	jsonlText := `{"type":"ORDER","partnerId":"partner-j","paymentId":"pay-2002","paidAt":"2025-09-30T15:30:00Z","orderDetail":{"orderAmount":60000},"discounts":[{"sharePolicyId":"disc-2","amount":5000}],"additionalFees":[]}` + "\n"
	rep, err := Import(ctx, st, []Input{
		{Name: "fix.csv", R: strings.NewReader(csvText)},
		{Name: "fix.jsonl", R: strings.NewReader(jsonlText)},
	}, opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if diff := cmp.Diff(Counts{Read: 2, Conflict: 2}, rep.Counts); diff != "" {
		t.Errorf("Import counts (-want +got):\n%s", diff)
	}
	want := []place{
		{"fix.csv", 2, "quantity", "PLATFORM_TRANSFER_ALREADY_EXISTS"},
		{"fix.jsonl", 1, "orderDetail.orderAmount", "PLATFORM_TRANSFER_ALREADY_EXISTS"},
	}
	if diff := cmp.Diff(want, placesOf(rep.Problems)); diff != "" {
		t.Fatalf("Import problems (-want +got):\n%s", diff)
	}
	for i, diff := range []string{"orderDetail.orderLines[0].quantity: stored 2, got 3", "orderDetail.orderAmount: stored 50000, got 60000"} {
		if !strings.Contains(rep.Problems[i].Error(), diff) {
			t.Errorf("conflict problem = %q, want the difference %q named", rep.Problems[i], diff)
		}
	}
	o, err := st.Order(ctx, "partner-j", "pay-2002")
	if err != nil || o.Order.OrderAmount != 50000 {
		t.Errorf("stored pay-2002 after a conflict = %d, %v; want 50000 unchanged", o.Order.OrderAmount, err)
	}
}

func TestImportErrors(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := Import(ctx, st, []Input{{Name: "x.jsonl", R: strings.NewReader("")}}, Options{}); err == nil {
		t.Errorf("Import without a location: no error")
	}
	if _, err := Import(ctx, st, []Input{{Name: "x.txt", R: strings.NewReader("")}}, Options{Location: seoul}); err == nil {
		t.Errorf("Import of x.txt: no error, want an unknown file type")
	}
	if _, err := ImportFiles(ctx, st, []string{testdata("missing.csv")}, Options{Location: seoul}); err == nil {
		t.Errorf("ImportFiles of a missing file: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := Import(cctx, st, []Input{{Name: "x.jsonl", R: strings.NewReader("{}\n")}}, Options{Location: seoul})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Import with a cancelled context = %v, want context.Canceled", err)
	}
}
