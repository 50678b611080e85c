package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/term"

	"github.com/settle-dev/settle/httpapi"
	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// wiring holds what the pipeline commands share.
type wiring struct {
	st  *store.Store
	p   *jobs.Pipeline
	api *transfer.Client // set when wired with needPortOne
}

func (w *wiring) Close() {
	if w.st != nil {
		w.st.Close()
	}
}

// terminal returns w when it is a terminal (progress is shown there), else nil.
func terminal(w io.Writer) io.Writer {
	under := w
	if l, ok := w.(*lockedWriter); ok {
		under = l.w
	}
	if f, ok := under.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return w
	}
	return nil
}

// wire opens the store and, when needPortOne, the PortOne client, and
// builds the pipeline.
func wire(ctx context.Context, e *env, needPortOne bool, outDir string) (*wiring, error) {
	cal, err := e.cfg.Calendar()
	if err != nil {
		return nil, usageError{err}
	}
	var api *transfer.Client
	if needPortOne {
		if e.cfg.APISecret == "" {
			return nil, usagef("PORTONE_API_SECRET is not set")
		}
		api, err = transfer.New(transfer.Config{BaseURL: e.cfg.APIBase, APISecret: e.cfg.APISecret, TestMode: e.cfg.TestMode,
			Connections: max(e.cfg.Concurrency, transfer.DefaultConnections)})
		if err != nil {
			return nil, usageError{err}
		}
	}
	if err := checkDB(e); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, e.cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("SETTLE_DB: %w", err)
	}
	w := &wiring{st: st, api: api}
	w.p = jobs.NewPipeline(st, clientOrNil(api), jobs.Options{
		Loc: e.cfg.TZ, Calendar: cal, Rounding: e.cfg.Rounding, Rules: e.cfg.Rules, Lease: e.cfg.Lease, Concurrency: e.cfg.Concurrency, OutDir: outDir, Version: e.cfg.Version,
		Logger: e.logger(slog.LevelInfo), Progress: terminal(e.stderr),
	})
	return w, nil
}

func parseDateFlag(name, v string) (settlement.Date, error) {
	if v == "" {
		return settlement.Date{}, usagef("--%s is required (YYYY-MM-DD)", name)
	}
	d, err := parseDate(v)
	if err != nil {
		return d, usagef("--%s: %v", name, err)
	}
	return d, nil
}

// splitArgs moves positional arguments after the flags, so that
// `settle run post --date …` and `settle run --date … post` both parse.
func splitArgs(args []string, valued map[string]bool) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...)
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && valued[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
			continue
		}
		positional = append(positional, a)
	}
	return flags, positional
}

func runJob(ctx context.Context, e *env) error {
	fs := newFlags(e, "run", "JOB --date YYYY-MM-DD [--dry-run [--requests FILE]] [--force] [--share] [--out DIR]\n  JOB is settle, post, reconcile, sync, export, refresh or nightly")
	date := fs.String("date", "", "business date (YYYY-MM-DD)")
	dry := fs.Bool("dry-run", false, "compute, reconcile and export, but post nothing")
	force := fs.Bool("force", false, "redo the job even if it is done for the date")
	out := fs.String("out", ".", "directory for the workbook of the export job")
	requests := fs.String("requests", "", "with --dry-run: write the exact request body of each transfer that would be posted to this file (JSON Lines)")
	share := fs.Bool("share", false, "post: help a post another instance is running (claims keep each transfer once) instead of skipping it")
	flags, pos := splitArgs(e.args, map[string]bool{"date": true, "out": true, "requests": true})
	if err := parseFlags(fs, flags); err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one JOB, got %d", len(pos))
	}
	if err := jobs.CheckJob(jobs.Job(pos[0])); err != nil {
		return usageError{err}
	}
	if *requests != "" && !*dry {
		return usagef("--requests needs --dry-run")
	}
	if *share && jobs.Job(pos[0]) != jobs.JobPost {
		return usagef("--share is for the post job")
	}
	d, err := parseDateFlag("date", *date)
	if err != nil {
		return err
	}
	// Only the jobs that bring data in may start a database.
	e.mayCreate = jobs.Job(pos[0]) == jobs.JobRefresh || jobs.Job(pos[0]) == jobs.JobNightly
	w, err := wire(ctx, e, true, *out)
	if err != nil {
		return err
	}
	defer w.Close()
	defer batchGC()()
	opts := jobs.RunOptions{DryRun: *dry, Force: *force, Share: *share}
	var results []jobs.JobResult
	if jobs.Job(pos[0]) == jobs.JobNightly {
		results, err = w.p.Nightly(ctx, d, opts)
	} else {
		var r jobs.JobResult
		r, err = w.p.RunJob(ctx, jobs.Job(pos[0]), d, opts)
		results = []jobs.JobResult{r}
	}
	if errors.Is(err, jobs.ErrUnknownJob) {
		return usageError{err}
	}
	err = withAttention(ctx, w.p, err, *dry, jobs.Job(pos[0]), d)
	if *dry {
		if job := jobs.Job(pos[0]); err == nil && (job == jobs.JobPost || job == jobs.JobNightly || job == jobs.JobSettle) {
			return summarizeDryRun(ctx, e.stdout, w.p, d, *requests)
		}
		return err
	}
	summarizeRun(ctx, e.stdout, w.p, d, results, err, *out)
	return err
}

// withAttention adds to a run's error what is left for a person among d's
// transfers (jobs.ErrNeedsAttention, exit 4), after the jobs that post.
// A failed run keeps its own error: its exit is 1 either way.
func withAttention(ctx context.Context, p *jobs.Pipeline, err error, dry bool, job jobs.Job, d settlement.Date) error {
	if dry || (job != jobs.JobPost && job != jobs.JobNightly) || (err != nil && !errors.Is(err, jobs.ErrMismatches)) {
		return err
	}
	if aerr := p.CheckIntents(ctx, d); aerr != nil {
		return errors.Join(aerr, err)
	}
	return err
}

func runBackfill(ctx context.Context, e *env) error {
	fs := newFlags(e, "backfill", "--from DATE --to DATE [--dry-run] [--out DIR]")
	from := fs.String("from", "", "first business date")
	to := fs.String("to", "", "last business date")
	dry := fs.Bool("dry-run", false, "compute, reconcile and export, but post nothing")
	out := fs.String("out", ".", "directory for the workbooks")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	f, err := parseDateFlag("from", *from)
	if err != nil {
		return err
	}
	t, err := parseDateFlag("to", *to)
	if err != nil {
		return err
	}
	if t.Before(f) {
		return usagef("--to %s is before --from %s", t, f)
	}
	e.mayCreate = true
	w, err := wire(ctx, e, true, *out)
	if err != nil {
		return err
	}
	defer w.Close()
	var attention []error
	total := map[jobs.Job]jobs.Counts{}
	dates := 0
	err = w.p.Backfill(ctx, f, t, jobs.RunOptions{DryRun: *dry}, func(d settlement.Date, rs []jobs.JobResult) {
		dates++
		if aerr := withAttention(ctx, w.p, nil, *dry, jobs.JobNightly, d); aerr != nil {
			attention = append(attention, aerr)
		}
		for _, r := range rs {
			if r.Skipped != "" {
				continue
			}
			if total[r.Job] == nil {
				total[r.Job] = jobs.Counts{}
			}
			for k, v := range r.Counts {
				total[r.Job][k] += v
			}
		}
		var parts []string
		for _, r := range rs {
			s := string(r.Job)
			if r.Skipped != "" {
				s += " (skipped: " + r.Skipped + ")"
			}
			parts = append(parts, s)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", d, strings.Join(parts, ", "))
	})
	summarizeBackfill(e.stdout, f, t, dates, total, attention, err, *out)
	if err != nil && !errors.Is(err, jobs.ErrMismatches) {
		return err
	}
	return errors.Join(append(attention, err)...)
}

func runImport(ctx context.Context, e *env) error {
	fs := newFlags(e, "import", "FILE...  (.jsonl/.ndjson or .csv; see README for the CSV columns)")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no FILE given")
	}
	for _, name := range fs.Args() {
		if _, err := os.Stat(name); err != nil {
			return usageError{err}
		}
	}
	e.mayCreate = true
	w, err := wire(ctx, e, false, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	defer batchGC()()
	prog := jobs.NewProgress(terminal(e.stderr), "import")
	rep, err := intake.ImportFiles(ctx, w.st, fs.Args(), intake.Options{Location: e.cfg.TZ, TestMode: e.cfg.TestMode,
		HorizonDays: e.cfg.HorizonDays, Terms: w.p.TermsFor, OnRecord: func() { prog.Add(1) }})
	prog.Done()
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(e.stderr, p.Error())
	}
	if rep.MoreProblems > 0 {
		fmt.Fprintf(e.stderr, "… and %d more (all kept in rejected records)\n", rep.MoreProblems)
	}
	summarizeImport(e.stdout, fs.NArg(), rep.Counts)
	if !rep.OK() {
		return usagef("some records were rejected or conflict with stored ones (kept in rejected records)")
	}
	return nil
}

func runExport(ctx context.Context, e *env) error {
	fs := newFlags(e, "export", "--from DATE --to DATE --out FILE [--lang ko|en] [--partner P] [--force]\n"+
		"  .xlsx: the reconciliation workbook; .csv: the flat order detail;\n"+
		"  --partner P: partner P's statement (정산서, .xlsx laid out to print as PDF)")
	from := fs.String("from", "", "first business date")
	to := fs.String("to", "", "last business date")
	out := fs.String("out", "", "output file: .xlsx or .csv")
	lang := fs.String("lang", "ko", "language of the headers, sheet names and words: ko or en")
	partner := fs.String("partner", "", "write this partner's statement instead of the workbook")
	force := fs.Bool("force", false, "replace an existing file even when the range has no settlement")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	f, err := parseDateFlag("from", *from)
	if err != nil {
		return err
	}
	t, err := parseDateFlag("to", *to)
	if err != nil {
		return err
	}
	if t.Before(f) {
		return usagef("--to %s is before --from %s", t, f)
	}
	if *out == "" {
		return usagef("--out is required")
	}
	ext := strings.ToLower(*out)
	if !strings.HasSuffix(ext, ".xlsx") && !strings.HasSuffix(ext, ".csv") {
		return usagef("--out %s: want a .xlsx or .csv file", *out)
	}
	if *partner != "" && !strings.HasSuffix(ext, ".xlsx") {
		return usagef("--out %s: a partner's statement is a .xlsx file", *out)
	}
	if *lang != "ko" && *lang != "en" {
		return usagef("--lang %q: want ko or en", *lang)
	}
	w, err := wire(ctx, e, false, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	err = w.p.ExportFile(ctx, f, t, *out, jobs.ExportOptions{Lang: *lang, PartnerID: settlement.PartnerID(*partner), Force: *force})
	if errors.Is(err, jobs.ErrNoSuchPartner) || errors.Is(err, jobs.ErrEmptyExport) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, *out)
	return nil
}

func runServe(ctx context.Context, e *env) error {
	fs := newFlags(e, "serve", "[--out DIR]  (cron schedule SETTLE_CRON, HTTP API on SETTLE_HTTP_ADDR)")
	out := fs.String("out", ".", "directory for the nightly workbooks")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if e.cfg.APIToken == "" {
		return usagef("SETTLE_API_TOKEN is not set: the HTTP API does not start without a token")
	}
	e.mayCreate = true
	w, err := wire(ctx, e, true, *out)
	if err != nil {
		return err
	}
	defer w.Close()
	logger := e.logger(slog.LevelInfo)
	api, err := httpapi.NewServer(httpapi.Config{APIToken: string(e.cfg.APIToken), WebhookSecret: string(e.cfg.WebhookSecret),
		Location: e.cfg.TZ, TestMode: e.cfg.TestMode, HorizonDays: e.cfg.HorizonDays, Terms: w.p.TermsFor, Cron: e.cfg.Cron}, w.st, logger)
	if err != nil {
		return usageError{err}
	}
	metrics := httpapi.NewMetrics(w.st)
	w.p.SetHooks(metrics.ObserveJob, metrics.ObserveRun)
	api = httpapi.Ops(api, []httpapi.Check{
		{Name: "database", Fn: w.p.CheckDatabase},
		{Name: "last_run", Fn: w.p.CheckLastRun},
		{Name: "portone", Fn: w.p.CheckPortOne},
	}, metrics)
	return w.p.Serve(ctx, jobs.ServeOptions{Cron: e.cfg.Cron, API: api, Addr: e.cfg.HTTPAddr, Server: httpapi.NewHTTPServer})
}

// clientOrNil keeps a nil *transfer.Client from becoming a non-nil
// interface inside the pipeline.
func clientOrNil(c *transfer.Client) jobs.PortOne {
	if c == nil {
		return nil
	}
	return c
}

// batchGC sets the collector for a batch command (import, run) and
// returns what restores it. A batch allocates a great deal per record
// (decoded bodies, rows, PortOne's answers) over a small live heap (a few
// batches, flat in the night's size): collecting at 4× the live heap
// rather than 2× took a tenth off import's CPU time and 6 % off settle's
// at 100k (17.3 s against 18.5 s), for ~190 MB more RSS in settle (663
// against 477 MB; 735 MB at 1M). The soft limit keeps a larger live heap (a settle
// page, the workbook's buffers) from growing the process past its 1 GB
// budget beside SQLite's own page cache, which Go does not count. GOGC
// and GOMEMLIMIT, when set, decide.
func batchGC() (restore func()) {
	var undo []func()
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(400)
		undo = append(undo, func() { debug.SetGCPercent(old) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		old := debug.SetMemoryLimit(batchMemoryLimit)
		undo = append(undo, func() { debug.SetMemoryLimit(old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

// batchMemoryLimit is batchGC's soft limit on the Go heap and runtime.
const batchMemoryLimit = 640 << 20
