package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 10, 1, 2, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testDB struct {
	name string
	dsn  string
}

// databases returns a fresh SQLite file and a fresh PostgreSQL database.
func databases(t *testing.T) []testDB {
	t.Helper()
	var out []testDB
	for _, d := range storetest.Databases(t) {
		out = append(out, testDB{d.Name, d.DSN})
	}
	return out
}

// eachDB runs f as a subtest per database with a migrated store on it.
func eachDB(t *testing.T, f func(t *testing.T, s *Store, c *clock, db testDB)) {
	t.Helper()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			c := newClock()
			s := openT(t, db.dsn, WithClock(c.Now))
			f(t, s, c, db)
		})
	}
}

func openT(t testing.TB, dsn string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatalf("Open(%q): %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t testing.TB, s *Store, table string) int64 {
	t.Helper()
	var n int64
	if err := s.db.Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// sampleOrder is an order with two lines, line and order discounts and fees,
// and its request JSON.
func sampleOrder(partner, payment string, qty int64) OrderRecord {
	o := settlement.Order{
		PartnerID: settlement.PartnerID(partner), PaymentID: settlement.PaymentID(payment), ContractID: "c1", HasLines: true,
		Lines: []settlement.Line{
			{Product: settlement.Product{ID: "p1", Name: "Shirt", Amount: 10000, TaxFree: 0, Tag: "apparel"}, Quantity: qty,
				Discounts: []settlement.Discount{{SharePolicyID: "d1", Amount: 1000, TaxFree: 0}}, AdditionalFees: []string{"f1"}},
			{Product: settlement.Product{ID: "p2", Name: "Book", Amount: 5000, TaxFree: 5000}, Quantity: 1},
		},
		Discounts:           []settlement.Discount{{SharePolicyID: "d2", Amount: 500}},
		AdditionalFees:      []string{"f2"},
		SettlementStartDate: settlement.MustDate("2025-10-01"),
	}
	req := map[string]any{
		"partnerId": partner, "paymentId": payment, "contractId": "c1",
		"orderDetail": map[string]any{"orderLines": []any{
			map[string]any{"product": map[string]any{"id": "p1", "name": "Shirt", "amount": 10000, "tag": "apparel"}, "quantity": qty,
				"discounts": []any{map[string]any{"sharePolicyId": "d1", "amount": 1000}}, "additionalFees": []any{map[string]any{"policyId": "f1"}}},
			map[string]any{"product": map[string]any{"id": "p2", "name": "Book", "amount": 5000, "taxFreeAmount": 5000}, "quantity": 1,
				"discounts": []any{}, "additionalFees": []any{}},
		}},
		"discounts":           []any{map[string]any{"sharePolicyId": "d2", "amount": 500}},
		"additionalFees":      []any{map[string]any{"policyId": "f2"}},
		"settlementStartDate": "2025-10-01",
		"paidAt":              "2025-10-01T09:30:00+09:00",
	}
	b, _ := json.Marshal(req)
	return OrderRecord{
		Order: o, PaidAt: time.Date(2025, 10, 1, 0, 30, 0, 0, time.UTC), BusinessDate: settlement.MustDate("2025-10-01"),
		Request: b, Source: SourceHTTP,
	}
}

func sampleCancel(partner, payment, cancellation string, qty int64) CancellationRecord {
	req := fmt.Sprintf(`{"partnerId":%q,"paymentId":%q,"cancellationId":%q,"orderDetail":{"orderLines":[{"productId":"p1","quantity":%d,"discounts":[]}]},"discounts":[],"cancelledAt":"2025-10-02T10:00:00+09:00"}`,
		partner, payment, cancellation, qty)
	return CancellationRecord{
		Cancellation: settlement.Cancellation{CancellationID: settlement.CancellationID(cancellation), Form: settlement.CancelByLines,
			Lines: []settlement.CancelLine{{ProductID: "p1", Quantity: qty}}},
		PartnerID: settlement.PartnerID(partner), PaymentID: settlement.PaymentID(payment), CancelledAt: time.Date(2025, 10, 2, 1, 0, 0, 0, time.UTC),
		BusinessDate: settlement.MustDate("2025-10-02"), Request: []byte(req), Source: SourceImport, File: "cancels.jsonl", Line: 3,
	}
}

// amounts returns a consistent-looking block scaled by k.
func amounts(k int64) settlement.Amounts {
	w := func(v int64) settlement.Won { return settlement.Won(v * k) }
	return settlement.Amounts{
		Settlement: w(8900), Payment: w(10000), PaymentVat: w(909), PaymentSupply: w(9091), Order: w(10000),
		PlatformFee: w(1000), PlatformFeeVat: w(100),
	}
}

func sampleSettlement(partner, payment string, lines int) SettlementRecord {
	t := settlement.Transfer{
		Kind: settlement.KindOrder, PartnerID: settlement.PartnerID(partner), PaymentID: settlement.PaymentID(payment), ContractID: "c1",
		SettlementStartDate: settlement.MustDate("2025-10-01"), SettlementDate: settlement.MustDate("2025-10-03"),
		Discounts:      []settlement.DiscountResult{{SharePolicyID: "d2", Amount: 500, ShareAmount: 250}},
		AdditionalFees: []settlement.FeeResult{{PolicyID: "f2", Amount: 100, VAT: 10}},
	}
	for i := range lines {
		a := amounts(int64(i + 1))
		t.Lines = append(t.Lines, settlement.LineResult{Product: settlement.Product{ID: fmt.Sprintf("p%d", i+1), Name: "P"}, Quantity: 1, Amounts: a})
		sum, err := t.Amounts.Add(a)
		if err != nil {
			panic(err) // small fixed amounts: cannot overflow
		}
		t.Amounts = sum
	}
	req, _ := json.Marshal(map[string]any{"id": IntentID(settlement.PartnerID(partner), settlement.PaymentID(payment), settlement.KindOrder, "", 0), "partnerId": partner, "paymentId": payment})
	return SettlementRecord{Transfer: t, BusinessDate: settlement.MustDate("2025-10-01"), ContractVersion: 1,
		PolicyVersions: map[string]int{"d2": 1, "f2": 2}, IntentRequest: req}
}
