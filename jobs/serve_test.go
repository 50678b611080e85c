package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// neverCron is a schedule that does not fire while a test runs (02:00 on
// January 1st): what Serve runs is its catch-up at start.
const neverCron = "0 2 1 1 *"

// serveRig is one PostgreSQL database, the emulator and a simulated clock
// at 02:00 of the day after d, the night the cron would run d's nightly,
// with d's demo orders and cancellations imported.
type serveRig struct {
	t      *testing.T
	dsn    string
	loc    *time.Location
	clock  *SimClock
	emu    *emulator.Server
	url    string
	st     *store.Store // the test's own view of the database
	d      settlement.Date
	orders int
	cancel int
}

func newServeRig(t *testing.T, d settlement.Date) *serveRig {
	t.Helper()
	ctx := context.Background()
	r := &serveRig{t: t, dsn: storetest.PostgresDSN(t), loc: seoul(t), d: d}
	r.clock = NewSimClock(time.Date(d.Year, d.Month, d.Day+1, 2, 0, 0, 0, r.loc))
	r.emu = emulator.New(emulator.Options{Secret: testSecret, Now: r.clock.Now, Location: r.loc})
	if err := r.emu.Seed(bytes.NewReader(demoFile(t, "marketplace.json"))); err != nil {
		t.Fatal(err)
	}
	var closeEmu func()
	r.url, closeEmu = r.emu.Start()
	t.Cleanup(closeEmu)
	var err error
	r.st, err = store.Open(ctx, r.dsn, store.WithClock(r.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.st.Close() })
	data, orders, cancels := dayRecords(t, r.loc, d)
	r.orders, r.cancel = orders[d], cancels[d]
	rep, err := intake.Import(ctx, r.st, []intake.Input{{Name: "orders-" + d.String() + ".jsonl", R: bytes.NewReader(data), Format: intake.FormatJSONL}},
		intake.Options{Location: r.loc})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Created != r.orders+r.cancel {
		t.Fatalf("import: %+v, want %d records created", rep.Counts, r.orders+r.cancel)
	}
	return r
}

// logBuffer is a pipeline's log, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	postedAttr  = regexp.MustCompile(` posted=(\d+)`)
	adoptedAttr = regexp.MustCompile(` adopted=(\d+)`)
)

// postings sums what an instance's log says it posted and adopted: its
// post job's "job done" line, and the "helped post" lines of the posting
// it shared while another instance held the job.
func postings(log string) (n int64) {
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `msg="helped post"`) && !(strings.Contains(line, `msg="job done"`) && strings.Contains(line, " job=post ")) {
			continue
		}
		for _, re := range []*regexp.Regexp{postedAttr, adoptedAttr} {
			if m := re.FindStringSubmatch(line); m != nil {
				v, _ := strconv.ParseInt(m[1], 10, 64)
				n += v
			}
		}
	}
	return n
}

// pipeline is one `settle serve` instance: a store of its own on the
// database, its own client, its own name in leases.
func (r *serveRig) pipeline(owner string, lease time.Duration) *Pipeline {
	return r.pipelineLogged(owner, lease, nil)
}

func (r *serveRig) pipelineLogged(owner string, lease time.Duration, log *logBuffer) *Pipeline {
	r.t.Helper()
	st, err := store.Open(context.Background(), r.dsn, store.WithClock(r.clock.Now))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { st.Close() })
	client, err := transfer.New(transfer.Config{BaseURL: r.url, APISecret: testSecret, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	var logger *slog.Logger
	if log != nil {
		logger = slog.New(slog.NewTextHandler(log, nil))
	}
	return NewPipeline(st, client, Options{Loc: r.loc, Now: r.clock.Now, OutDir: r.t.TempDir(), Owner: owner, Concurrency: 8, Lease: lease, Logger: logger})
}

// serving is a Serve call running in the background.
type serving struct {
	cancel context.CancelFunc
	done   chan error
}

func serve(p *Pipeline) *serving {
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- p.Serve(ctx, ServeOptions{Cron: neverCron}) }()
	return s
}

// stop cancels Serve (SIGTERM) and returns how long it took to return.
func (s *serving) stop(t *testing.T, name string) time.Duration {
	t.Helper()
	start := time.Now()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Serve %s: %v", name, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Serve %s did not return 30 s after its context ended", name)
	}
	return time.Since(start)
}

// waitRun polls the ledger until job is done for the rig's date.
func (r *serveRig) waitRun(job Job, timeout time.Duration) store.Run {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		run, err := r.st.RunOf(context.Background(), string(job), r.d)
		if err == nil && run.Status == store.RunDone {
			return run
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			r.t.Fatal(err)
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s %s not done after %v: %+v (%v)", job, r.d, timeout, run, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runs is the ledger of the rig's date, job by job.
func (r *serveRig) runs() map[Job]store.Run {
	r.t.Helper()
	out := map[Job]store.Run{}
	for _, j := range NightlyJobs {
		run, err := r.st.RunOf(context.Background(), string(j), r.d)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			r.t.Fatal(err)
		}
		out[j] = run
	}
	return out
}

// checkNight asserts what one completed night must show: every job done
// (with attempts as given), the settle job's counts, one transfer per
// intent, and a reconciliation without mismatches.
func (r *serveRig) checkNight(attempts map[Job]int) {
	t := r.t
	t.Helper()
	runs := r.runs()
	for _, j := range NightlyJobs {
		run, ok := runs[j]
		want := attempts[j]
		if want == 0 {
			want = 1
		}
		switch {
		case !ok:
			t.Errorf("%s %s: no run in the ledger", j, r.d)
		case run.Status != store.RunDone || run.Attempts != want:
			t.Errorf("%s %s: %q after %d attempts (owner %s, error %q), want done after %d", j, r.d, run.Status, run.Attempts, run.Owner, run.Error, want)
		}
	}
	if c := runs[JobSettle].Counts; c["orders"] != int64(r.orders) || c["cancellations"] != int64(r.cancel) || c["rejected"] != 0 {
		t.Errorf("settle %s counted %v, want %d orders and %d cancellations, none rejected", r.d, c, r.orders, r.cancel)
	}
	n := checkTransfers(t, r.st, r.emu, r.d)
	if n != r.orders+r.cancel {
		t.Errorf("%d intents for %d records", n, r.orders+r.cancel)
	}
	if c := runs[JobReconcile].Counts; c["mismatches"] != 0 || c["compared"] != int64(n) {
		t.Errorf("reconcile %s counted %v, want %d compared and no mismatches", r.d, c, n)
	}
}

// TestServeTwoInstancesOnePostgres: two `settle serve` instances start on
// one PostgreSQL at 02:00 with no history, so both catch up the night
// before. Each job of that night runs once (one ledger row, one attempt),
// and PortOne gets one transfer per intent.
func TestServeTwoInstancesOnePostgres(t *testing.T) {
	d := settlement.MustDate("2025-09-29")
	r := newServeRig(t, d)
	begin := time.Now()
	var logA, logB logBuffer
	a, b := serve(r.pipelineLogged("serve-a", 0, &logA)), serve(r.pipelineLogged("serve-b", 0, &logB))
	exp := r.waitRun(JobExport, time.Minute)
	took := time.Since(begin)
	runs := r.runs() // as it stood when export was done
	a.stop(t, "a")
	b.stop(t, "b")
	for _, j := range NightlyJobs {
		run := runs[j]
		t.Logf("%-9s %-7s by %s ×%d %v", j, run.Status, run.Owner, run.Attempts, run.Counts)
	}
	if v := (ledgerState{runs: runs}).orderViolation(); v != "" {
		t.Errorf("when export of %s was done (by %s), %s: a job ran on an earlier one's unfinished work", d, exp.Owner, v)
	}
	r.checkNight(nil)
	// Posting may be shared; what the two posted adds up to the intents.
	pa, pb := postings(logA.String()), postings(logB.String())
	t.Logf("posted or adopted: serve-a %d, serve-b %d", pa, pb)
	if pa+pb != int64(r.orders+r.cancel) {
		t.Errorf("serve-a posted or adopted %d and serve-b %d: %d in all, want %d\nserve-a:\n%s\nserve-b:\n%s",
			pa, pb, pa+pb, r.orders+r.cancel, logA.String(), logB.String())
	}
	t.Logf("the night of %s with two instances took %v; %d calls at the emulator", d, took.Round(time.Millisecond), len(r.emu.Requests()))
}

// TestServeSIGTERMDuringPost: a single Serve is stopped (its context
// cancelled, as SIGTERM does) while it posts. It returns promptly, the
// ledger shows post not done and nothing after it done, no claim is left
// leased, and a second instance finishes the night with one transfer per
// intent.
func TestServeSIGTERMDuringPost(t *testing.T) {
	d := settlement.MustDate("2025-09-29")
	r := newServeRig(t, d)
	// Slow posting down so that the stop lands in it.
	r.emu.SetFaults(emulator.FaultConfig{Match: emulator.Match{Method: "POST", Path: "/platform/transfers/*"},
		RateSlow: 1, Slow: 10 * time.Millisecond})
	a := serve(r.pipeline("serve-a", 5*time.Second))
	deadline := time.Now().Add(time.Minute)
	for len(r.emu.Transfers(false)) < 40 {
		if time.Now().After(deadline) {
			t.Fatalf("posting did not start within a minute: %+v", r.runs())
		}
		time.Sleep(2 * time.Millisecond)
	}
	stopped := a.stop(t, "a")
	atStop := len(r.emu.Transfers(false))
	t.Logf("Serve returned %v after its context ended, with %d transfers at the emulator", stopped.Round(time.Millisecond), atStop)
	if stopped > 3*time.Second {
		t.Errorf("Serve took %v to return after SIGTERM", stopped)
	}
	runs := r.runs()
	if post, ok := runs[JobPost]; !ok || post.Status == store.RunDone {
		t.Errorf("post after SIGTERM: %+v, want a run not done", post)
	} else {
		t.Logf("post after SIGTERM: %s, error %q, counts %v", post.Status, post.Error, post.Counts)
	}
	for _, j := range []Job{JobSync, JobReconcile, JobExport} {
		if run, ok := runs[j]; ok && run.Status == store.RunDone {
			t.Errorf("%s is done after SIGTERM in post: %+v", j, run)
		}
	}
	// Nothing left claimed: the stopped instance released what it held.
	var claimed []string
	err := r.st.IntentsOn(context.Background(), d, func(in *store.Intent) error {
		if in.Status == store.IntentPending && in.ClaimOwner == "serve-a" && in.LeaseExpires.After(r.clock.Now()) {
			claimed = append(claimed, fmt.Sprintf("%s (%s)", in.IntentID, in.Kind))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) > 0 {
		t.Errorf("after SIGTERM %d intents are still claimed by the stopped instance: %v", len(claimed), claimed)
	}

	r.emu.SetFaults(emulator.FaultConfig{})
	b := serve(r.pipeline("serve-b", 5*time.Second))
	r.waitRun(JobExport, time.Minute)
	b.stop(t, "b")
	r.checkNight(map[Job]int{JobPost: 2})
	post := r.runs()[JobPost]
	if post.Owner != "serve-b" {
		t.Errorf("post finished by %s, want serve-b", post.Owner)
	}
	t.Logf("the second instance: post %v", post.Counts)
}

// TestServeSIGTERMWhilePostingCancels: the stop lands while post works
// through the night's cancels, one at a time, with more of them claimed
// and waiting. The interrupted cancels must stay pending for the next run:
// a stop is no reason for an intent to fail.
func TestServeSIGTERMWhilePostingCancels(t *testing.T) {
	d := settlement.MustDate("2025-09-29")
	r := newServeRig(t, d)
	r.emu.SetFaults(emulator.FaultConfig{Match: emulator.Match{Method: "POST", Path: "/platform/transfers/order-cancel"},
		RateSlow: 1, Slow: 300 * time.Millisecond})
	pa := r.pipeline("serve-a", 5*time.Second)
	pa.opts.Concurrency = 1 // claims of 4, posted one after the other
	a := serve(pa)
	deadline := time.Now().Add(time.Minute)
	for len(r.emu.Transfers(false)) < r.orders {
		if time.Now().After(deadline) {
			t.Fatalf("the orders were not posted within a minute: %+v", r.runs())
		}
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the first cancel is on its way
	a.stop(t, "a")
	var failed []string
	err := r.st.IntentsOn(context.Background(), d, func(in *store.Intent) error {
		if in.Status != store.IntentPending && in.Status != store.IntentPosted && in.Status != store.IntentAdopted {
			failed = append(failed, fmt.Sprintf("%s (%s %s) %s: %q", in.IntentID, in.Kind, in.PaymentID, in.Status, in.LastError))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) > 0 {
		t.Errorf("after SIGTERM in post %d intents are no longer pending nor posted: %v", len(failed), failed)
	}
	r.emu.SetFaults(emulator.FaultConfig{})
	b := serve(r.pipeline("serve-b", 5*time.Second))
	r.waitRun(JobExport, time.Minute)
	b.stop(t, "b")
	r.checkNight(map[Job]int{JobPost: 2})
}
