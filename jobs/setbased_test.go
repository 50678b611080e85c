package jobs

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm/logger"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// statementCounter counts the SQL statements GORM runs (a GORM logger).
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) LogMode(logger.LogLevel) logger.Interface      { return c }
func (c *statementCounter) Info(context.Context, string, ...interface{})  {}
func (c *statementCounter) Warn(context.Context, string, ...interface{})  {}
func (c *statementCounter) Error(context.Context, string, ...interface{}) {}
func (c *statementCounter) Trace(context.Context, time.Time, func() (string, int64), error) {
	c.n.Add(1)
}

// TestImportAndSettleAreSetBased: importing and settling the sample
// marketplace's week (2,002 orders, 253 cancellations) takes a few
// statements per batch of records, not a few per record. Before, import
// looked the terms up for every order (about five queries each) and saved
// each cancellation in its own transaction after loading its order and
// cancellations, and settle did the same for every cancellation: thousands
// of statements for these 2,255 records.
func TestImportAndSettleAreSetBased(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "settle.db")
	h := newHarness(t, dsn, "../demo/data/marketplace.json")
	last := settlement.MustDate("2025-10-05")
	if _, err := h.p.Refresh(ctx, last, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	var count statementCounter
	st, err := store.Open(ctx, dsn, store.WithGormLogger(&count))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := NewPipeline(st, nil, Options{Loc: h.loc, Now: h.clock.Now, Owner: "test"})

	count.n.Store(0)
	rep, err := intake.ImportFiles(ctx, st, []string{"../demo/data/orders.jsonl"}, intake.Options{Location: h.loc, Terms: p.TermsFor})
	if err != nil {
		t.Fatal(err)
	}
	records := int64(rep.Read)
	if rep.Created != rep.Read || records < 2000 {
		t.Fatalf("import = %+v, want every record created", rep.Counts)
	}
	t.Logf("import: %d statements for %d records", count.n.Load(), records)
	if n := count.n.Load(); n > records/20 {
		t.Errorf("import of %d records ran %d statements, want at most %d (a few per batch)", records, n, records/20)
	}

	count.n.Store(0)
	c, err := p.Settle(ctx, last, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c["created"] != records {
		t.Fatalf("settle counts = %v, want %d created", c, records)
	}
	t.Logf("settle: %d statements for %d records", count.n.Load(), records)
	if n := count.n.Load(); n > records/20 {
		t.Errorf("settle of %d records ran %d statements, want at most %d (a few per page)", records, n, records/20)
	}
}
