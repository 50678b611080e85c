package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// namedOrder is sampleOrder with externalPaymentDetail.orderName name in
// its request ("" for a request without one).
func namedOrder(t *testing.T, partner, payment, name string) OrderRecord {
	t.Helper()
	r := sampleOrder(partner, payment, 2)
	if name == "" {
		return r
	}
	var req map[string]any
	if err := json.Unmarshal(r.Request, &req); err != nil {
		t.Fatal(err)
	}
	req["externalPaymentDetail"] = map[string]any{"currency": "KRW", "orderName": name}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Request, r.OrderName = b, name
	return r
}

// orderNames are the order names the tests store, by payment: quotes,
// escapes, Korean and none.
var orderNames = map[string]string{"pay-1": `무선 마우스 외 1건`, "pay-2": "", "pay-3": `say "hi" \ <b>&`, "pay-4": "  spaced  "}

// reportOrderNames is the order name of each payment ReportTransfers shows
// for 2025-10-01, "payment=name" joined by commas in its order.
func reportOrderNames(t *testing.T, s *Store) string {
	t.Helper()
	d := settlement.MustDate("2025-10-01")
	var got []string
	if err := s.ReportTransfers(context.Background(), Query{From: d, To: d}, func(r *ReportTransfer) error {
		got = append(got, string(r.PaymentID)+"="+r.OrderName)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(got, ",")
}

const wantOrderNames = `pay-1=무선 마우스 외 1건,pay-2=,pay-3=say "hi" \ <b>&,pay-4=  spaced  `

// TestOrderNameKeptAtImport: an order's name is stored in order_name when
// the order is saved, equal to what the report read from the request
// before (json_extract, jsonb), and the report shows it.
func TestOrderNameKeptAtImport(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		for _, p := range []string{"pay-1", "pay-2", "pay-3", "pay-4"} {
			if _, err := s.SaveOrder(ctx, namedOrder(t, "partner-1", p, orderNames[p])); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SaveSettlements(ctx, []SettlementRecord{sampleSettlement("partner-1", p, 2)}); err != nil {
				t.Fatal(err)
			}
		}
		checkOrderNameColumn(t, s)
		if got := reportOrderNames(t, s); got != wantOrderNames {
			t.Errorf("report order names = %s, want %s", got, wantOrderNames)
		}
	})
}

// checkOrderNameColumn fails unless every order's order_name is what its
// request says, as the database reads the request.
func checkOrderNameColumn(t *testing.T, s *Store) {
	t.Helper()
	expr := "COALESCE(json_extract(request_json, '$.externalPaymentDetail.orderName'), '')"
	if s.dialect == Postgres {
		expr = "COALESCE(request_json::jsonb #>> '{externalPaymentDetail,orderName}', '')"
	}
	var rows []struct{ PaymentID, OrderName, FromRequest string }
	if err := s.db.Raw("SELECT payment_id, order_name, " + expr + " AS from_request FROM orders ORDER BY payment_id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(orderNames) {
		t.Fatalf("%d orders, want %d", len(rows), len(orderNames))
	}
	for _, r := range rows {
		if r.OrderName != r.FromRequest || r.OrderName != orderNames[r.PaymentID] {
			t.Errorf("order %s: order_name %q, its request says %q, want %q", r.PaymentID, r.OrderName, r.FromRequest, orderNames[r.PaymentID])
		}
	}
}

// TestMigration18FillsOrderNames: orders stored before migration 18 get
// their names from their requests.
func TestMigration18FillsOrderNames(t *testing.T) {
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			s := openT(t, db.dsn)
			for _, p := range []string{"pay-1", "pay-2", "pay-3", "pay-4"} {
				if _, err := s.SaveOrder(ctx, namedOrder(t, "partner-1", p, orderNames[p])); err != nil {
					t.Fatal(err)
				}
				if _, err := s.SaveSettlements(ctx, []SettlementRecord{sampleSettlement("partner-1", p, 2)}); err != nil {
					t.Fatal(err)
				}
			}
			// The database as it was before migration 18.
			for _, q := range []string{"ALTER TABLE orders DROP COLUMN order_name", "DELETE FROM schema_migrations WHERE version = 18"} {
				if err := s.db.Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			s = openT(t, db.dsn)
			checkOrderNameColumn(t, s)
			if got := reportOrderNames(t, s); got != wantOrderNames {
				t.Errorf("report order names after migration 18 = %s, want %s", got, wantOrderNames)
			}
		})
	}
}
