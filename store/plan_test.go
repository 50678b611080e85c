package store

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/logger"

	"github.com/settle-dev/settle/settlement"
)

// sqlRecorder keeps the SQL of every statement GORM runs (a GORM logger).
type sqlRecorder struct {
	mu  sync.Mutex
	sql []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface      { return r }
func (r *sqlRecorder) Info(context.Context, string, ...interface{})  {}
func (r *sqlRecorder) Warn(context.Context, string, ...interface{})  {}
func (r *sqlRecorder) Error(context.Context, string, ...interface{}) {}
func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.sql = append(r.sql, s)
	r.mu.Unlock()
}

// TestSettleWalksNeedNoSort: every page query of a settle run (the
// unsettled orders and cancellations, first page and following ones) is
// answered from an index in the walk's order, on SQLite: no temporary
// B-tree, so a page costs the page, not a sort of every unsettled record
// of the night. Before, the cancellations' pages were sorted by
// (cancelled_at, id) out of an index on business date, every page.
func TestSettleWalksNeedNoSort(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "settle.db")
	rec := &sqlRecorder{}
	s := openT(t, path, WithGormLogger(rec))
	for i, pay := range []string{"pay-1", "pay-2", "pay-3"} {
		if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", pay, 1)); err != nil {
			t.Fatal(err)
		}
		st := sampleSettlement("partner-1", pay, 2)
		if i > 0 { // pay-1 stays unsettled: its cancellations wait
			if _, err := s.SaveSettlement(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		for _, cx := range []string{"a", "b"} {
			if _, err := s.SaveCancellation(ctx, sampleCancel("partner-1", pay, pay+cx, 1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	d := settlement.MustDate("2025-10-02")
	rec.mu.Lock()
	rec.sql = nil
	rec.mu.Unlock()
	n := 0
	if err := s.UnsettledOrderPages(ctx, d, 1, func(p []OrderRecord) error { n += len(p); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.UnsettledCancellationPages(ctx, d, 1, func(p []CancellationRecord) error { n += len(p); return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1+4 {
		t.Fatalf("walked %d records, want 1 order and 4 cancellations", n)
	}
	rec.mu.Lock()
	queries := rec.sql
	rec.mu.Unlock()
	pages := 0
	for _, q := range queries {
		if !strings.Contains(q, "LIMIT") {
			continue
		}
		pages++
		for _, detail := range explainPlan(t, s.rdb, q) {
			if strings.Contains(detail, "TEMP B-TREE") || strings.HasPrefix(detail, "SCAN orders") || strings.HasPrefix(detail, "SCAN cancellations") {
				t.Errorf("page query sorts or scans (%s):\n%s", detail, q)
			}
		}
	}
	if pages < 4 {
		t.Errorf("saw %d page queries, want the first and following pages of both walks", pages)
	}
}
