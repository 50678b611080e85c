package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

func TestOpenDSNForms(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{dir + "/a.db", "sqlite://" + dir + "/b.db", "sqlite:" + dir + "/c.db"} {
		s := openT(t, dsn)
		if s.Dialect() != SQLite {
			t.Errorf("Open(%q).Dialect() = %s, want sqlite", dsn, s.Dialect())
		}
		v, err := s.SchemaVersion(context.Background())
		if err != nil || v != LatestVersion() {
			t.Errorf("Open(%q): SchemaVersion = %d, %v; want %d", dsn, v, err, LatestVersion())
		}
		var mode string
		s.db.Raw("PRAGMA journal_mode").Scan(&mode)
		var fk int
		s.db.Raw("PRAGMA foreign_keys").Scan(&fk)
		if mode != "wal" || fk != 1 {
			t.Errorf("Open(%q): journal_mode %q foreign_keys %d, want wal and 1", dsn, mode, fk)
		}
	}
}

func TestDuplicateKeyIsTranslated(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := context.Background()
		row := func() *partnerRow {
			return &partnerRow{PartnerID: "p1", CreatedAt: at(c.Now()), UpdatedAt: at(c.Now())}
		}
		if err := s.w(ctx).Create(row()).Error; err != nil {
			t.Fatalf("first insert: %v", err)
		}
		err := s.w(ctx).Create(row()).Error
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Fatalf("second insert: err = %v, want gorm.ErrDuplicatedKey", err)
		}
		if err := dup(err, `partner "p1"`); !errors.Is(err, ErrDuplicate) || !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Errorf("dup(%v) = %v, want ErrDuplicate wrapping gorm.ErrDuplicatedKey", err, err)
		}
	})
}

func TestSaveOrderIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := context.Background()
		rec := sampleOrder("partner-1", "pay-1", 2)
		out, err := s.SaveOrder(ctx, rec)
		if err != nil || out.Kind != Created || out.ID == 0 {
			t.Fatalf("SaveOrder first = %+v, %v; want Created", out, err)
		}
		got, err := s.Order(ctx, "partner-1", "pay-1")
		if err != nil {
			t.Fatalf("Order: %v", err)
		}
		if diff := cmp.Diff(rec.Order, got.Order); diff != "" {
			t.Errorf("Order round trip (-saved +loaded):\n%s", diff)
		}
		if !got.PaidAt.Equal(rec.PaidAt) || got.BusinessDate != rec.BusinessDate {
			t.Errorf("Order: paidAt %v business date %v, want %v %v", got.PaidAt, got.BusinessDate, rec.PaidAt, rec.BusinessDate)
		}
		// One row per order: its lines, discounts and fees are in its detail.
		counts := func() [2]int64 {
			var detail string
			if err := s.db.Raw("SELECT hex(detail) FROM orders").Scan(&detail).Error; err != nil && s.dialect == SQLite {
				t.Fatal(err)
			}
			return [2]int64{count(t, s, "orders"), int64(len(detail))}
		}
		before := counts()
		if before[0] != 1 || (s.dialect == SQLite && before[1] == 0) {
			t.Errorf("rows, detail size after one order = %v, want one row with its detail", before)
		}

		// Same payload, different formatting and key order: a no-op.
		again := rec
		var indented bytes.Buffer
		_ = json.Indent(&indented, rec.Request, " ", "\t")
		again.Request = []byte(`{"paidAt": "2025-10-01T09:30:00+09:00", ` + indented.String()[1:])
		out, err = s.SaveOrder(ctx, again)
		if err != nil || out.Kind != Duplicate || out.ID != got.ID {
			t.Fatalf("SaveOrder again = %+v, %v; want Duplicate of %d", out, err, got.ID)
		}
		if after := counts(); after != before {
			t.Errorf("row counts after duplicate = %v, want %v", after, before)
		}

		// Same key, different quantity: a conflict naming the field.
		changed := sampleOrder("partner-1", "pay-1", 3)
		changed.Source, changed.File, changed.Line = SourceImport, "orders.jsonl", 7
		out, err = s.SaveOrder(ctx, changed)
		var ce *ConflictError
		if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || out.Kind != Conflict {
			t.Fatalf("SaveOrder changed = %+v, %v; want Conflict", out, err)
		}
		want := []FieldDiff{{Path: "orderDetail.orderLines[0].quantity", Stored: "2", Got: "3"}}
		if diff := cmp.Diff(want, ce.Diffs); diff != "" {
			t.Errorf("conflict diffs (-want +got):\n%s", diff)
		}
		if after := counts(); after != before {
			t.Errorf("row counts after conflict = %v, want %v", after, before)
		}
		stillThere, _ := s.Order(ctx, "partner-1", "pay-1")
		if stillThere.Order.Lines[0].Quantity != 2 {
			t.Errorf("stored quantity after conflict = %d, want 2 (never overwritten)", stillThere.Order.Lines[0].Quantity)
		}
		var rejected []Rejected
		collect := func() {
			rejected = nil
			if err := s.RejectedRecords(ctx, RejectedQuery{}, func(r *Rejected) error { rejected = append(rejected, *r); return nil }); err != nil {
				t.Fatalf("RejectedRecords: %v", err)
			}
		}
		collect()
		if len(rejected) != 1 {
			t.Fatalf("rejected records = %d, want 1", len(rejected))
		}
		r := rejected[0]
		if r.Source != SourceImport || r.File != "orders.jsonl" || r.Line != 7 || r.Field != "orderDetail.orderLines[0].quantity" ||
			r.ErrorType != "CONFLICT" || !strings.Contains(r.Reason, "orderDetail.orderLines[0].quantity: stored 2, got 3") ||
			string(r.Payload) != string(changed.Request) {
			t.Errorf("rejected record = %+v", r)
		}
		// The same conflicting import again records nothing new.
		if _, err := s.SaveOrder(ctx, changed); !errors.Is(err, ErrConflict) {
			t.Errorf("SaveOrder changed again: %v, want ErrConflict", err)
		}
		collect()
		if len(rejected) != 1 {
			t.Errorf("rejected records after repeated conflict = %d, want 1", len(rejected))
		}
	})
}

func TestSaveOrdersBulk(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		var recs []OrderRecord
		for i := range 1200 {
			recs = append(recs, sampleOrder("partner-1", "pay-"+strconv.Itoa(i), 1))
		}
		outs, err := s.SaveOrders(ctx, recs)
		if err != nil {
			t.Fatalf("SaveOrders: %v", err)
		}
		for i, o := range outs {
			if o.Kind != Created {
				t.Fatalf("outcome %d = %+v, want Created", i, o)
			}
		}
		// Re-import: the file again plus one changed record and one repeated within the batch.
		recs2 := append([]OrderRecord{}, recs[:10]...)
		recs2 = append(recs2, sampleOrder("partner-1", "pay-3", 5), sampleOrder("partner-2", "pay-x", 1), sampleOrder("partner-2", "pay-x", 1), sampleOrder("partner-2", "pay-x", 9))
		outs, err = s.SaveOrders(ctx, recs2)
		if err != nil {
			t.Fatalf("SaveOrders again: %v", err)
		}
		var kinds []OutcomeKind
		for _, o := range outs[9:] {
			kinds = append(kinds, o.Kind)
		}
		want := []OutcomeKind{Duplicate, Conflict, Created, Duplicate, Conflict}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if outs[12].ID != outs[11].ID || outs[13].ID != outs[11].ID {
			t.Errorf("in-batch repeats point at %d and %d, want %d", outs[12].ID, outs[13].ID, outs[11].ID)
		}
		if n := count(t, s, "orders"); n != 1201 {
			t.Errorf("orders = %d, want 1201", n)
		}
		if n := count(t, s, "rejected_records"); n != 2 {
			t.Errorf("rejected records = %d, want 2", n)
		}
		n := 0
		if err := s.OrdersByBusinessDate(ctx, settlement.MustDate("2025-10-01"), func(o *OrderRecord) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != 1201 {
			t.Errorf("OrdersByBusinessDate walked %d orders, want 1201", n)
		}
	})
}

func TestSaveCancellationIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		// The cancellation arrives before its order (a webhook can).
		c := sampleCancel("partner-1", "pay-1", "cx-1", 1)
		out, err := s.SaveCancellation(ctx, c)
		if err != nil || out.Kind != Created {
			t.Fatalf("SaveCancellation = %+v, %v", out, err)
		}
		if out, err := s.SaveCancellation(ctx, c); err != nil || out.Kind != Duplicate {
			t.Fatalf("SaveCancellation again = %+v, %v; want Duplicate", out, err)
		}
		changed := sampleCancel("partner-1", "pay-1", "cx-1", 2)
		_, err = s.SaveCancellation(ctx, changed)
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field() != "orderDetail.orderLines[0].quantity" {
			t.Fatalf("SaveCancellation changed: %v; want conflict on orderDetail.orderLines[0].quantity", err)
		}
		if n := count(t, s, "cancellations"); n != 1 {
			t.Errorf("cancellations = %d, want 1", n)
		}
		if n := count(t, s, "rejected_records"); n != 1 {
			t.Errorf("rejected records = %d, want 1", n)
		}
		got, err := s.Cancellation(ctx, "partner-1", "cx-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.Cancellation, got.Cancellation); diff != "" {
			t.Errorf("cancellation round trip (-saved +loaded):\n%s", diff)
		}
		if got.OrderID != 0 {
			t.Errorf("OrderID before the order = %d, want 0", got.OrderID)
		}
		o, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-1", 2))
		if err != nil {
			t.Fatal(err)
		}
		got, _ = s.Cancellation(ctx, "partner-1", "cx-1")
		if got.OrderID != o.ID {
			t.Errorf("OrderID after the order = %d, want %d", got.OrderID, o.ID)
		}
		cs, err := s.CancellationsOfOrder(ctx, "partner-1", "pay-1")
		if err != nil || len(cs) != 1 {
			t.Errorf("CancellationsOfOrder = %d, %v; want 1", len(cs), err)
		}
		if _, err := s.Cancellation(ctx, "partner-1", "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Cancellation(nope) err = %v, want ErrNotFound", err)
		}
	})
}

func TestWebhookReplay(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		ev := WebhookEvent{WebhookID: "msg_1", EventType: "Transaction.Cancelled", PaymentID: "pay-1", Raw: []byte(`{}`)}
		if o, err := s.SaveWebhookEvent(ctx, ev); err != nil || o.Kind != Created {
			t.Fatalf("SaveWebhookEvent = %+v, %v", o, err)
		}
		if o, err := s.SaveWebhookEvent(ctx, ev); err != nil || o.Kind != Duplicate {
			t.Fatalf("SaveWebhookEvent replay = %+v, %v; want Duplicate", o, err)
		}
		if err := s.MarkWebhookProcessed(ctx, "msg_1", ""); err != nil {
			t.Fatal(err)
		}
		got, err := s.WebhookEventByID(ctx, "msg_1")
		if err != nil || got.ProcessedAt.IsZero() {
			t.Errorf("WebhookEventByID = %+v, %v; want processed", got, err)
		}
	})
}

func TestContractVersions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		c := settlement.Contract{ID: "c1", Name: "basic", PlatformFee: settlement.Fee{Kind: settlement.FeeFixedRate, Rate: 10000},
			PlatformFeeVatPayer: settlement.PayerPartner,
			Cycle:               settlement.Cycle{LagDays: 2, DatePolicy: settlement.HolidayAfter, Method: settlement.CycleWeekly, DaysOfWeek: []time.Weekday{time.Monday, time.Thursday}}}
		v, created, err := s.SaveContract(ctx, c, "2025-01-01T00:00:00Z", []byte(`{"id":"c1"}`))
		if err != nil || v != 1 || !created {
			t.Fatalf("SaveContract = %d %v %v; want 1 true", v, created, err)
		}
		if v, created, _ = s.SaveContract(ctx, c, "", nil); v != 1 || created {
			t.Errorf("SaveContract unchanged = %d %v; want 1 false", v, created)
		}
		c2 := c
		c2.PlatformFee.Rate = 12000
		if v, created, _ = s.SaveContract(ctx, c2, "", nil); v != 2 || !created {
			t.Errorf("SaveContract changed = %d %v; want 2 true", v, created)
		}
		got, err := s.Contract(ctx, "c1", 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c, got.Value); diff != "" {
			t.Errorf("Contract v1 (-saved +loaded):\n%s", diff)
		}
		latest, _ := s.Contract(ctx, "c1", 0)
		if latest.Version != 2 || latest.Value.PlatformFee.Rate != 12000 {
			t.Errorf("latest contract = v%d rate %v; want v2 12000", latest.Version, latest.Value.PlatformFee.Rate)
		}
		p := settlement.DiscountSharePolicy{ID: "d1", Name: "half", PartnerShareRate: 50000}
		if v, _, err := s.SaveDiscountSharePolicy(ctx, p, "", nil); err != nil || v != 1 {
			t.Fatalf("SaveDiscountSharePolicy = %d, %v", v, err)
		}
		f := settlement.AdditionalFeePolicy{ID: "f1", Name: "pg", Fee: settlement.Fee{Kind: settlement.FeeFixedAmount, Amount: 300}, VatPayer: settlement.PayerMerchant}
		if v, _, err := s.SaveAdditionalFeePolicy(ctx, f, "", nil); err != nil || v != 1 {
			t.Fatalf("SaveAdditionalFeePolicy = %d, %v", v, err)
		}
		all, err := s.AllAdditionalFeePolicies(ctx)
		if err != nil || all["f1"].Value != f {
			t.Errorf("AllAdditionalFeePolicies = %+v, %v", all, err)
		}
		// The latest version of each, in one query.
		p2 := p
		p2.PartnerShareRate = 60000
		if v, _, err := s.SaveDiscountSharePolicy(ctx, p2, "", nil); err != nil || v != 2 {
			t.Fatalf("SaveDiscountSharePolicy v2 = %d, %v", v, err)
		}
		q := settlement.DiscountSharePolicy{ID: "d2", Name: "none"}
		if _, _, err := s.SaveDiscountSharePolicy(ctx, q, "", nil); err != nil {
			t.Fatal(err)
		}
		ds, err := s.AllDiscountSharePolicies(ctx)
		if err != nil || len(ds) != 2 || ds["d1"].Version != 2 || ds["d1"].Value != p2 || ds["d2"].Version != 1 || ds["d2"].Value != q {
			t.Errorf("AllDiscountSharePolicies = %+v, %v; want d1 v2 and d2 v1", ds, err)
		}
		if _, err := s.Contract(ctx, "zzz", 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("Contract(zzz) err = %v, want ErrNotFound", err)
		}
	})
}

func TestInvalidRecords(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "x.db"))
	ctx := context.Background()
	noPaidAt := sampleOrder("p", "pay", 1)
	noPaidAt.PaidAt = time.Time{}
	badJSON := sampleOrder("p", "pay", 1)
	badJSON.Request = []byte(`{"partnerId":`)
	noKey := sampleOrder("", "pay", 1)
	for name, rec := range map[string]OrderRecord{"no paidAt": noPaidAt, "bad JSON": badJSON, "no partner": noKey} {
		_, err := s.SaveOrder(ctx, rec)
		var ie *InvalidError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &ie) || ie.Field == "" {
			t.Errorf("SaveOrder(%s) err = %v, want *InvalidError naming the field", name, err)
		}
	}
	if n := count(t, s, "orders"); n != 0 {
		t.Errorf("orders = %d, want 0", n)
	}
}

// TestIdempotentWriteContract runs the one idempotent batch write through
// every kind of record it serves: new keys are Created, a key repeated in
// the batch is a Duplicate (same payload) or a Conflict (different) of its
// first occurrence and points at its row, a key already stored is a
// Duplicate or a Conflict of the stored row, and nothing is overwritten.
func TestIdempotentWriteContract(t *testing.T) {
	type rec struct{ key, variant int }
	pays := []string{"pay-a", "pay-b"}
	cases := []struct {
		name  string
		table string
		save  func(ctx context.Context, s *Store, recs []rec) ([]Outcome, error)
	}{
		{"order", "orders", func(ctx context.Context, s *Store, recs []rec) ([]Outcome, error) {
			var rs []OrderRecord
			for _, r := range recs {
				rs = append(rs, sampleOrder("partner-1", pays[r.key], int64(1+r.variant)))
			}
			return s.SaveOrders(ctx, rs)
		}},
		{"cancellation", "cancellations", func(ctx context.Context, s *Store, recs []rec) ([]Outcome, error) {
			var rs []CancellationRecord
			for _, r := range recs {
				rs = append(rs, sampleCancel("partner-1", "pay-a", "cx-"+pays[r.key], int64(1+r.variant)))
			}
			return s.SaveCancellations(ctx, rs)
		}},
		{"settlement", "settlements", func(ctx context.Context, s *Store, recs []rec) ([]Outcome, error) {
			var rs []SettlementRecord
			for _, r := range recs {
				rs = append(rs, sampleSettlement("partner-1", pays[r.key], 1+r.variant))
			}
			return s.SaveSettlements(ctx, rs)
		}},
		{"transfer intent", "transfer_intents", func(ctx context.Context, s *Store, recs []rec) ([]Outcome, error) {
			var outs []Outcome
			for _, r := range recs { // one at a time: CreateIntent has no batch form
				_, out, err := s.CreateIntent(ctx, IntentSpec{PartnerID: "partner-1", PaymentID: settlement.PaymentID(pays[r.key]),
					Kind: settlement.KindOrder, Request: []byte(fmt.Sprintf(`{"v":%d}`, r.variant))})
				if err != nil && !errors.Is(err, ErrConflict) {
					return nil, err
				}
				outs = append(outs, out)
			}
			return outs, nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
				ctx := context.Background()
				outs, err := c.save(ctx, s, []rec{{0, 0}, {1, 0}, {1, 0}, {1, 1}})
				if err != nil {
					t.Fatal(err)
				}
				kinds := func(outs []Outcome) []OutcomeKind {
					var ks []OutcomeKind
					for _, o := range outs {
						ks = append(ks, o.Kind)
					}
					return ks
				}
				want := []OutcomeKind{Created, Created, Duplicate, Conflict}
				if diff := cmp.Diff(want, kinds(outs)); diff != "" {
					t.Fatalf("first batch outcomes (-want +got):\n%s", diff)
				}
				if outs[2].ID != outs[1].ID || outs[3].ID != outs[1].ID || outs[0].ID == outs[1].ID {
					t.Errorf("ids %d %d %d %d: the repeats must point at the second record's row", outs[0].ID, outs[1].ID, outs[2].ID, outs[3].ID)
				}
				if outs[3].Conflict == nil || outs[3].Conflict.Record != c.name || len(outs[3].Conflict.Diffs) == 0 {
					t.Errorf("conflict = %+v, want one of record %q naming the fields", outs[3].Conflict, c.name)
				}
				again, err := c.save(ctx, s, []rec{{0, 0}, {0, 1}})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]OutcomeKind{Duplicate, Conflict}, kinds(again)); diff != "" || again[0].ID != outs[0].ID || again[1].ID != outs[0].ID {
					t.Errorf("second batch = %+v (-want +got kinds:\n%s)", again, diff)
				}
				if n := count(t, s, c.table); n != 2 {
					t.Errorf("%s rows = %d, want 2", c.table, n)
				}
				// Nothing overwritten: the stored payloads are the first ones.
				same, err := c.save(ctx, s, []rec{{0, 0}, {1, 0}})
				if err != nil || same[0].Kind != Duplicate || same[1].Kind != Duplicate {
					t.Errorf("the first payloads again = %+v, %v; want two Duplicates", same, err)
				}
			})
		})
	}
}
