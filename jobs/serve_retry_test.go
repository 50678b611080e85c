package jobs

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

// TestServeRetriesAFailedRun (issue #13.3): when PortOne is unreachable
// at the catch-up run, serve retries it with backoff instead of waiting
// for the next night; each outcome reaches OnRun.
func TestServeRetriesAFailedRun(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	h.importFiles(t, filepath.Join("..", "testdata", "pipeline", "orders.jsonl"))
	d := settlement.MustDate("2025-09-29")
	h.clock.Set(time.Date(2025, 9, 30, 2, 0, 0, 0, h.loc))
	// More 503s than the client's own attempts (5): the first run fails.
	h.emu.Script(emulator.Match{Method: "GET", Path: "/platform/partners*"}, 8, emulator.Fault{Kind: emulator.Fault5xx, Status: 503})
	var log logBuffer
	var outcomes []string
	h.p.opts.Logger = slog.New(slog.NewTextHandler(&log, nil))
	h.p.log = h.p.opts.Logger
	done := make(chan struct{})
	h.p.opts.OnRun = func(err error) {
		if err != nil {
			outcomes = append(outcomes, "failed")
			return
		}
		outcomes = append(outcomes, "done")
		close(done)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- h.p.Serve(ctx, ServeOptions{Cron: neverCron, RetryBackoff: 20 * time.Millisecond})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the catch-up run was not retried to success; log:\n%s", log.String())
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if strings.Join(outcomes, ",") != "failed,done" || !strings.Contains(log.String(), "catch-up failed; retrying") {
		t.Errorf("outcomes %v; log:\n%s", outcomes, log.String())
	}
	run, err := h.st.RunOf(context.Background(), string(JobExport), d)
	if err != nil || run.Status != store.RunDone {
		t.Errorf("export of %s after the retry: %+v %v", d, run, err)
	}
	checkOnePerIntent(t, h, d)
}
