package httpapi

import (
	_ "time/tzdata" // Asia/Seoul without system tzdata

	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/settle-dev/settle/store"
)

// seoul is SETTLE_TZ in every test.
var seoul = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		return time.FixedZone("KST", 9*60*60)
	}
	return loc
}()

// openStore opens a real SQLite store in a fresh temporary directory.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "settle.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
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
