// Command settle runs partner settlement for marketplaces on PortOne's
// platform API: it computes what each partner is owed, registers order and
// order-cancel transfers, reconciles PortOne's numbers against its own and
// writes the finance workbook. See README.md and `settle help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/settle-dev/settle/jobs"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes (DESIGN.md §3).
const (
	exitOK         = 0
	exitFailed     = 1
	exitUsage      = 2
	exitMismatches = 3
	exitAttention  = 4
)

// usageError marks bad usage or bad input: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// env is what a subcommand gets: standard streams, the loaded config and
// its own arguments.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	cfg            Config
	args           []string
	// mayCreate lets wire create a SQLite file that does not exist (the
	// commands that bring data in); the others refuse a missing one.
	mayCreate bool
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env) error
}

func commands() []command {
	return []command{
		{"demo", "[--dir DIR] [--lang ko|en]", "the whole pipeline on sample data, embedded SQLite, the PortOne emulator in-process", runDemo},
		{"preview", "[FILE]", "shadow calculation: PortOne's request shapes in (file or stdin), response shapes out", runPreview},
		{"serve", "[--out DIR]", "cron schedule + HTTP API (+ PortOne webhook receiver)", runServe},
		{"run", "JOB --date YYYY-MM-DD [--dry-run] [--force]", "one job: refresh|settle|post|sync|reconcile|payouts|export|nightly", runJob},
		{"backfill", "--from DATE --to DATE [--dry-run]", "nightly for each date, skipping what is done", runBackfill},
		{"import", "FILE...", "orders / cancellations from JSON Lines or CSV", runImport},
		{"export", "--from DATE --to DATE --out FILE [--lang en]", "workbook for a range (.xlsx), or flat order-line detail (.csv)", runExport},
		{"status", "[--days N] [--waiting N] [--json]", "per business date: jobs, intents by status, records waiting, last and next run", runStatus},
		{"intents", "[--status S] [--date D] [--partner P]", "transfer intents with PortOne's error", runIntents},
		{"retry", "--all|--date D|--partner P|ID...", "re-queue failed or conflicting intents once the cause is fixed", runRetry},
		{"void", "order|cancellation --partner P … --reason TEXT [--delete-transfer]", "withdraw a stored record (kept in history; a posted one's transfer deleted at PortOne), to import a corrected one", runVoid},
		{"adjust", "--partner P --ref REF --amount WON …", "correct a posted settlement with a manual transfer at PortOne (--check reads them back)", runAdjust},
		{"emulator", emulatorArgs, "the PortOne platform emulator as a server", runEmulator},
		{"calibrate", "[--out FILE] [--name NAME] [--evidence DIR]", "which rules PortOne applies for this merchant: probes in test mode, a rules file for SETTLE_RULES", runCalibrate},
		{"backup", "FILE", "a consistent copy of the SQLite database while serve runs (VACUUM INTO)", runBackup},
		{"version", "", "print the version (the build's commit)", func(_ context.Context, e *env) error {
			fmt.Fprintln(e.stdout, "settle", e.cfg.Version)
			return nil
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile, err := startProfile(os.Getenv, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitUsage)
	}
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Loggers, progress and messages each write to stderr from their own
	// goroutines; one lock keeps their lines whole whatever stderr is.
	stderr = &lockedWriter{w: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "settle: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "settle %s: configuration: %v\n", cmd.name, err)
		return exitUsage
	}
	cfg.Version = buildVersion()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, cfg: cfg, args: args[1:]}
	err = cmd.run(ctx, e)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, jobs.ErrNeedsAttention):
		// Unpaid transfers outrank mismatches: both are said, 4 is returned.
		fmt.Fprintf(stderr, "settle %s: %v\n", cmd.name, err)
		return exitAttention
	case errors.Is(err, jobs.ErrMismatches):
		fmt.Fprintf(stderr, "settle %s: %v\n", cmd.name, err)
		return exitMismatches
	case isUsage(err):
		fmt.Fprintf(stderr, "settle %s: %v\n", cmd.name, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "settle %s: %v\n", cmd.name, err)
		return exitFailed
	}
}

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: settle COMMAND [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %-45s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Configuration comes from the environment (SETTLE_DB, PORTONE_API_SECRET, PORTONE_API_BASE,")
	fmt.Fprintln(w, "PORTONE_TEST_MODE, SETTLE_TZ, SETTLE_CRON, SETTLE_HTTP_ADDR, SETTLE_API_TOKEN,")
	fmt.Fprintln(w, "PORTONE_WEBHOOK_SECRET, SETTLE_HOLIDAYS, SETTLE_ROUNDING, SETTLE_VAT_ROUNDING, SETTLE_LEASE,")
	fmt.Fprintln(w, "SETTLE_CONCURRENCY, SETTLE_HORIZON, SETTLE_RULES, SETTLE_LOG_FORMAT=text|json);")
	fmt.Fprintln(w, "flags override.")
	fmt.Fprintln(w, "Run `settle COMMAND --help` for a command's flags.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit codes:")
	fmt.Fprintln(w, "  0  done")
	fmt.Fprintln(w, "  1  failed (the error says why; rerun resumes)")
	fmt.Fprintln(w, "  2  bad usage or bad input")
	fmt.Fprintln(w, "  3  finished with reconciliation mismatches (Mismatches sheet)")
	fmt.Fprintln(w, "  4  finished, but transfers failed, conflict with PortOne or are stuck pending")
	fmt.Fprintln(w, "     (`settle intents`, then `settle retry` once the cause is fixed); outranks 3")
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
