package store

import (
	"context"
	"errors"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// FuzzDetailText: the detail text a settle run writes is byte for byte
// encodeDetail's (encoding/json's), which stored settlement hashes and
// every reader of detail_json depend on.
func FuzzDetailText(f *testing.F) {
	f.Add("d1", "f1", "userA", int64(1000), int64(-5), uint8(7))
	f.Add("p<1>&", "노트북", "a\"b\\c\u2028\n", int64(0), int64(1)<<62, uint8(255))
	f.Add("", "\xff", "k\x00", int64(-1), int64(0), uint8(0))
	f.Fuzz(func(t *testing.T, id, fee, user string, a, b int64, mask uint8) {
		var ds []settlement.DiscountResult
		var fs []settlement.FeeResult
		var us map[string]settlement.Won
		if mask&1 != 0 {
			ds = append(ds, settlement.DiscountResult{SharePolicyID: id, Amount: settlement.Won(a), TaxFree: settlement.Won(b),
				ShareAmount: settlement.Won(a ^ b), ShareTaxFree: settlement.Won(-a)})
		}
		if mask&2 != 0 {
			ds = append(ds, settlement.DiscountResult{SharePolicyID: fee, Amount: settlement.Won(b)})
		}
		if mask&4 != 0 {
			fs = append(fs, settlement.FeeResult{PolicyID: fee, Amount: settlement.Won(a), VAT: settlement.Won(b)})
		}
		if mask&8 != 0 {
			fs = append(fs, settlement.FeeResult{PolicyID: id})
		}
		if mask&16 != 0 {
			us = map[string]settlement.Won{user: settlement.Won(a), id: settlement.Won(b)}
		}
		if mask&32 != 0 {
			us = map[string]settlement.Won{} // empty: left out, as omitempty does
		}
		if got, want := detailText(ds, fs, us), encodeDetail(ds, fs, us); got != want {
			t.Fatalf("detailText = %s\nencodeDetail = %s", got, want)
		}
	})
}

// TestSettleBatchRacingVoid: a settle batch computed from orders and
// cancellations read before one of them was voided (or taken by another
// run) stores nothing — not the voided record's settlement, and not the
// rest of the batch either — and the records still waiting stay waiting,
// for the next run. The save fails with ErrSettleRaced, or on the foreign
// key of the voided row, which comes first on either database.
func TestSettleBatchRacingVoid(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, db testDB) {
		ctx := context.Background()
		for _, pay := range []string{"pay-1", "pay-2", "pay-3", "pay-4"} {
			if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", pay, 2)); err != nil {
				t.Fatal(err)
			}
		}
		// pay-4's order is settled, with a cancellation waiting.
		if _, err := s.SaveSettlement(ctx, sampleSettlement("partner-1", "pay-4", 2)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveCancellation(ctx, sampleCancel("partner-1", "pay-4", "cx-1", 1)); err != nil {
			t.Fatal(err)
		}
		read := func() []SettlementRecord {
			batch, err := unsettledBatch(ctx, s, settlement.MustDate("2025-10-02"))
			if err != nil {
				t.Fatal(err)
			}
			return batch
		}
		waiting := func() int64 { return count(t, s, "unsettled_orders") }

		cases := []struct {
			name  string
			batch func() []SettlementRecord
			race  func()
			// sentinel: the error must be ErrSettleRaced (the foreign keys
			// cannot see the race: the rows are all there)
			sentinel bool
		}{
			{name: "order voided", batch: read, race: func() {
				if _, err := s.VoidRecord(ctx, VoidRequest{Kind: settlement.KindOrder, PartnerID: "partner-1", PaymentID: "pay-2", By: "kim", Reason: "test"}); err != nil {
					t.Fatal(err)
				}
			}},
			{name: "order taken by another run", batch: read, sentinel: true, race: func() {
				if err := s.db.Exec("DELETE FROM unsettled_orders WHERE id = (SELECT id FROM orders WHERE payment_id = 'pay-3')").Error; err != nil {
					t.Fatal(err)
				}
			}},
			{name: "cancellation voided", batch: func() []SettlementRecord {
				var batch []SettlementRecord
				err := s.UnsettledCancellationPages(ctx, settlement.MustDate("2025-10-02"), 100, func(recs []CancellationRecord) error {
					for _, r := range recs {
						sr := sampleCancelSettlement(string(r.Cancellation.CancellationID))
						sr.Transfer.PaymentID = r.PaymentID
						sr.CancellationRecordID = r.ID
						batch = append(batch, sr)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(batch) != 1 {
					t.Fatalf("%d cancellations waiting, want 1", len(batch))
				}
				return batch
			}, race: func() {
				if _, err := s.VoidRecord(ctx, VoidRequest{Kind: settlement.KindOrderCancel, PartnerID: "partner-1", CancellationID: "cx-1", By: "kim", Reason: "test"}); err != nil {
					t.Fatal(err)
				}
			}},
		}
		for _, c := range cases {
			batch := c.batch()
			p, err := s.PrepareSettlements(batch)
			if err != nil {
				t.Fatal(err)
			}
			settlementsBefore, waitingBefore := count(t, s, "settlements"), waiting()
			c.race()
			waitingRaced := waiting()
			_, err = s.SavePreparedSettlements(ctx, p)
			switch {
			case err == nil:
				t.Errorf("%s: the batch was saved", c.name)
			case c.sentinel && !errors.Is(err, ErrSettleRaced):
				t.Errorf("%s: error %v, want ErrSettleRaced", c.name, err)
			}
			if n := count(t, s, "settlements"); n > settlementsBefore {
				t.Errorf("%s: %d settlements after the failed save, want at most %d", c.name, n, settlementsBefore)
			}
			if n := waiting(); n != waitingRaced {
				t.Errorf("%s: %d orders waiting after the failed save, want %d (%d before the race)", c.name, n, waitingRaced, waitingBefore)
			}
		}
		if n := count(t, s, "transfer_intents"); n != 1 {
			t.Errorf("%d intents, want 1 (pay-4's, saved before)", n)
		}
		// The writer's foreign keys, off for each settle batch on SQLite,
		// are on again for every other write.
		if db.name == "sqlite" {
			var fk int
			if err := s.db.Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
				t.Errorf("writer's foreign_keys after settle batches = %d, %v; want 1", fk, err)
			}
			if err := s.db.Exec("INSERT INTO settlement_lines (settlement_ref, line_no, product_id, quantity, settlement_start_date, settlement_date) VALUES (999999, 1, 'p', 1, '2025-10-01', '2025-10-03')").Error; err == nil {
				t.Error("a line of no settlement was stored after settle batches: foreign keys are off")
			}
		}
	})
}

// TestSettleBatchKeyTakenMidStatement: a settle batch whose rows are
// inserted before a row whose key is stored already (another instance
// settled that record) keeps none of its partial statement — the
// inserts stop at the first failing row (OR FAIL on SQLite), the
// transaction is rolled back whole, and the rerun stores each row once,
// its lines and intent with it, and the stored one as a Duplicate.
func TestSettleBatchKeyTakenMidStatement(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		pays := []string{"pay-1", "pay-2", "pay-3"}
		for _, pay := range pays {
			if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", pay, 2)); err != nil {
				t.Fatal(err)
			}
		}
		batch, err := unsettledBatch(ctx, s, settlement.MustDate("2025-10-01"))
		if err != nil || len(batch) != 3 {
			t.Fatalf("read %d orders, %v; want 3", len(batch), err)
		}
		p, err := s.PrepareSettlements(batch)
		if err != nil {
			t.Fatal(err)
		}
		// Another run settles pay-2 meanwhile: the same settlement.
		if _, err := s.SaveSettlement(ctx, batch[1]); err != nil {
			t.Fatal(err)
		}
		outs, err := s.SavePreparedSettlements(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if outs[0].Kind != Created || outs[1].Kind != Duplicate || outs[2].Kind != Created {
			t.Errorf("outcomes %v %v %v, want Created, Duplicate, Created", outs[0].Kind, outs[1].Kind, outs[2].Kind)
		}
		for table, want := range map[string]int64{"settlements": 3, "settlement_lines": 6, "transfer_intents": 3, "unsettled_orders": 0} {
			if n := count(t, s, table); n != want {
				t.Errorf("%d rows in %s, want %d", n, table, want)
			}
		}
		var orphans int64
		if err := s.db.Raw(`SELECT COUNT(*) FROM settlement_lines l WHERE NOT EXISTS (SELECT 1 FROM settlements s WHERE s.id = l.settlement_ref)`).Scan(&orphans).Error; err != nil || orphans != 0 {
			t.Errorf("%d lines of no settlement (%v), want 0", orphans, err)
		}
	})
}

// unsettledBatch is a settle batch of the orders of d still waiting, as a
// settle run reads them (with their row ids and business dates), each
// settled as sampleSettlement of two lines.
func unsettledBatch(ctx context.Context, s *Store, d settlement.Date) ([]SettlementRecord, error) {
	var batch []SettlementRecord
	err := s.UnsettledOrderPages(ctx, d, 100, func(recs []OrderRecord) error {
		for _, r := range recs {
			sr := sampleSettlement(string(r.Order.PartnerID), string(r.Order.PaymentID), 2)
			sr.OrderID, sr.OrderBusinessDate = r.ID, r.BusinessDate
			batch = append(batch, sr)
		}
		return nil
	})
	return batch, err
}
