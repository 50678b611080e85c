package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSettlementSaveKeepsStatementJournalsInMemory: the writer keeps its
// statement journals in memory (set when the store opens)
// (temp_store = MEMORY, 2). With SQLite's default (file) each multi-row
// INSERT of a settle page spilled its statement journal to a temporary
// file, one write per page changed: three of every four system calls of a
// 100k settle. Seen failing without the PRAGMA (temp_store 0).
func TestSettlementSaveKeepsStatementJournalsInMemory(t *testing.T) {
	ctx := context.Background()
	s := openT(t, filepath.Join(t.TempDir(), "settle.db"))
	if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-1", 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSettlements(ctx, []SettlementRecord{sampleSettlement("partner-1", "pay-1", 2)}); err != nil {
		t.Fatal(err)
	}
	var mode int
	if err := s.db.Raw("PRAGMA temp_store").Scan(&mode).Error; err != nil {
		t.Fatal(err)
	}
	if mode != 2 {
		t.Errorf("writer's temp_store after a settlement save = %d, want 2 (MEMORY)", mode)
	}
}
