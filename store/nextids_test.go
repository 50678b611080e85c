package store

import (
	"context"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// TestSettlementSaveIDs: the ids a save of settlements reports are those of
// the rows stored, each intent points at its settlement, and a later batch
// (after a settlement of the first was deleted, as a void does) takes the
// ids after every stored one, as SQLite's own choice would: on SQLite the
// ids are named by the insert (nextIDs), on PostgreSQL returned by it.
func TestSettlementSaveIDs(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		check := func(payments ...string) map[int64]bool {
			t.Helper()
			var recs []SettlementRecord
			for _, p := range payments {
				recs = append(recs, sampleSettlement("partner-1", p, 2))
			}
			outs, err := s.SaveSettlements(ctx, recs)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[int64]bool{}
			for i, p := range payments {
				if outs[i].Kind != Created || ids[outs[i].ID] {
					t.Fatalf("outcome of %s = %+v, want Created with an id of its own", p, outs[i])
				}
				ids[outs[i].ID] = true
				got, err := s.Settlement(ctx, "partner-1", settlement.PaymentID(p), settlement.KindOrder, "")
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != outs[i].ID || len(got.Transfer.Lines) != 2 {
					t.Errorf("settlement of %s: id %d with %d lines, want id %d with 2", p, got.ID, len(got.Transfer.Lines), outs[i].ID)
				}
				in, err := s.IntentByKey(ctx, "partner-1", settlement.PaymentID(p), settlement.KindOrder, "")
				if err != nil {
					t.Fatal(err)
				}
				if in.SettlementID != outs[i].ID {
					t.Errorf("intent of %s points at settlement %d, want %d", p, in.SettlementID, outs[i].ID)
				}
			}
			return ids
		}
		first := check("pay-1", "pay-2", "pay-3")
		var top int64
		for id := range first {
			top = max(top, id)
		}
		if err := s.db.Exec("DELETE FROM settlement_lines WHERE settlement_ref = ?", top).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.db.Exec("UPDATE transfer_intents SET settlement_ref = NULL WHERE settlement_ref = ?", top).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.db.Exec("DELETE FROM settlements WHERE id = ?", top).Error; err != nil {
			t.Fatal(err)
		}
		for id := range check("pay-4", "pay-5") {
			if first[id] && id != top {
				t.Errorf("second batch reused id %d of a stored settlement", id)
			}
		}
	})
}
