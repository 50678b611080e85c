package jobs

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

func TestZZProfExport(t *testing.T) {
	db := os.Getenv("PROF_DB")
	if db == "" {
		t.Skip()
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := settlement.MustDate(os.Getenv("PROF_DATE"))
	to := d
	if v := os.Getenv("PROF_TO"); v != "" {
		to = settlement.MustDate(v)
	}
	p := NewPipeline(st, nil, Options{})
	start := time.Now()
	out := io.Discard
	if f := os.Getenv("PROF_OUT"); f != "" {
		w, _ := os.Create(f)
		defer w.Close()
		out = w
	}
	if err := p.ExportTo(ctx, out, d, to, ExportOptions{Lang: os.Getenv("PROF_LANG"), PartnerID: settlement.PartnerID(os.Getenv("PROF_PARTNER"))}); err != nil {
		t.Fatal(err)
	}
	t.Logf("export took %v", time.Since(start))
}
