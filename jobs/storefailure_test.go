package jobs

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

// TestStoreFailureIsNotARejection: a database error met while settling a
// record (here the contracts table gone missing under the run) fails the
// settle run and keeps nothing as rejected; once the database is right
// again the rerun settles every record. Before, each order was kept as
// rejected with CONTRACT_NOT_FOUND, a final verdict on records that were
// not at fault, and never posted.
func TestStoreFailureIsNotARejection(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	h := newHarness(t, dsn, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	h.importFiles(t, filepath.Join("..", "testdata", "pipeline", "orders.jsonl"))
	ctx := context.Background()
	d := settlement.MustDate("2025-09-29")
	h.clock.Set(h.clock.Now().AddDate(0, 0, 1))
	if _, err := h.p.RunJob(ctx, JobRefresh, d, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec("ALTER TABLE contracts RENAME TO contracts_away")
	if _, err := h.p.RunJob(ctx, JobSettle, d, RunOptions{}); err == nil {
		t.Error("settle succeeded with the contracts table missing")
	}
	rejected := 0
	if err := h.st.RejectedRecords(ctx, store.RejectedQuery{}, func(*store.Rejected) error { rejected++; return nil }); err != nil {
		t.Fatal(err)
	}
	if rejected != 0 {
		t.Errorf("%d records kept as rejected after a database error", rejected)
	}
	exec("ALTER TABLE contracts_away RENAME TO contracts")
	res, err := h.p.RunJob(ctx, JobSettle, d, RunOptions{Force: true})
	if err != nil {
		t.Fatalf("settle after the database is back: %v", err)
	}
	if res.Counts["orders"] == 0 || res.Counts["rejected"] != 0 {
		t.Errorf("settle after the database is back: counts %v, want orders settled and none rejected", res.Counts)
	}
}
