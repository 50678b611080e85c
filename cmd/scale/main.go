// Command scale is settle's scale benchmark: it generates a night of N
// orders (three lines each, discounts, additional fees, about one in ten
// cancelled, half of those whole), starts `settle emulator` on loopback
// seeded with the sample marketplace, and runs each stage of the pipeline
// as its own `settle` process (import, settle, post, sync, reconcile,
// export), measuring wall time, rate, the process's peak RSS, the
// emulator's RSS and the database's size after each stage.
//
//	go run ./cmd/scale -orders 100000
//	go run ./cmd/scale -orders 1000000 -db postgres -latency 50ms -concurrency 64
//
// The generator is deterministic (-seed); the business date is yesterday
// in Asia/Seoul. Results print as a Markdown table and are appended as JSON
// lines to DIR/results.jsonl. The README's "Scale" section explains the
// targets.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/settle-dev/settle/demo"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store/storetest"
)

type stage struct {
	name  string
	args  []string
	unit  string // what the rate counts
	count func(genCounts) int
}

type result struct {
	Orders      int     `json:"orders"`
	DB          string  `json:"db"`
	Stage       string  `json:"stage"`
	Seconds     float64 `json:"seconds"`
	CPUSeconds  float64 `json:"cpuSeconds"` // user + system time of the stage's process
	Rate        float64 `json:"rate"`
	Unit        string  `json:"unit"`
	PeakRSSMB   float64 `json:"peakRssMB"`
	EmulatorMB  float64 `json:"emulatorRssMB"`
	DBBytes     int64   `json:"dbBytes,omitempty"`
	Concurrency int     `json:"concurrency"`
	LatencyMS   int64   `json:"latencyMs"`
	Load        string  `json:"load"`
	Instances   int     `json:"instances,omitempty"` // settle processes that posted
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	n := fs.Int("orders", 10000, "orders in the night")
	dir := fs.String("dir", "", "work directory (default: a new one under the system temp dir)")
	dbKind := fs.String("db", "sqlite", "sqlite, postgres (a throwaway server from /usr/lib/postgresql), or a postgres:// DSN")
	stagesFlag := fs.String("stages", "import,settle,post,sync,reconcile,export", "stages to run, in order")
	latency := fs.Duration("latency", 0, "the emulator's added latency per request")
	faults := fs.String("faults", "", "the emulator's --faults spec (see settle emulator --help)")
	conc := fs.Int("concurrency", 64, "SETTLE_CONCURRENCY: transfers posted at once")
	seed := fs.Uint64("seed", 1, "generator seed")
	settleBin := fs.String("settle", "", "settle binary (default: go build ./cmd/settle into DIR)")
	instances := fs.Int("instances", 1, "post with this many settle processes at once (the first runs the job, the others help it with --share), as several settle serve instances on one PostgreSQL do")
	from := fs.String("from", "", "SQLite only: start from a copy of this database (a night earlier stages left, e.g. after -stages import,settle), to measure the next stages again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "settle-scale-*")
		if err != nil {
			return err
		}
		*dir = d
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	bin := *settleBin
	if bin == "" {
		bin = filepath.Join(*dir, "settle")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/settle")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/settle (run scale from the repository root): %w", err)
		}
	}

	// The night: yesterday in Asia/Seoul.
	loc := time.FixedZone("Asia/Seoul", 9*3600)
	date := settlement.DateOf(time.Now().In(loc).AddDate(0, 0, -1), loc)
	m, err := marketplaceMix()
	if err != nil {
		return err
	}
	ordersFile := filepath.Join(*dir, fmt.Sprintf("orders-%d-%s.jsonl", *n, date))
	f, err := os.Create(ordersFile)
	if err != nil {
		return err
	}
	gc, err := generate(f, *n, date, m, *seed)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "scale: %d orders, %d lines, %d cancels (%d whole) for %s in %s\n", gc.Orders, gc.Lines, gc.Cancels, gc.FullCancels, date, ordersFile)

	seedFile := filepath.Join(*dir, "marketplace.json")
	if err := os.WriteFile(seedFile, demo.Marketplace(), 0o600); err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	emuArgs := []string{"emulator", "--addr", addr, "--seed", seedFile}
	if *latency > 0 {
		emuArgs = append(emuArgs, "--latency", latency.String())
	}
	if *faults != "" {
		emuArgs = append(emuArgs, "--faults", *faults)
	}
	emu := exec.CommandContext(ctx, bin, emuArgs...)
	emuLog, err := os.Create(filepath.Join(*dir, "emulator.log"))
	if err != nil {
		return err
	}
	defer emuLog.Close()
	emu.Stdout, emu.Stderr = emuLog, emuLog
	if err := emu.Start(); err != nil {
		return err
	}
	defer func() { _ = emu.Process.Signal(syscall.SIGTERM); _ = emu.Wait() }()
	if err := waitListening(ctx, addr); err != nil {
		return fmt.Errorf("emulator: %w (see %s)", err, emuLog.Name())
	}

	dsn, dbLabel, cleanup, err := database(*dbKind, *dir, *n)
	if err != nil {
		return err
	}
	if *from != "" {
		if dbLabel != "sqlite" {
			cleanup()
			return fmt.Errorf("-from %s: only with -db sqlite", *from)
		}
		if err := copyFile(dsn, *from); err != nil {
			return fmt.Errorf("-from: %w", err)
		}
	}
	defer cleanup()
	env := append(os.Environ(), "SETTLE_DB="+dsn, "PORTONE_API_BASE=http://"+addr, "PORTONE_API_SECRET=scale-run",
		"SETTLE_TZ=Asia/Seoul", "SETTLE_LEASE=10m", "SETTLE_CONCURRENCY="+strconv.Itoa(*conc))
	ds := date.String()
	all := map[string]stage{
		"import":    {"import", []string{"import", ordersFile}, "orders/s", func(c genCounts) int { return c.Orders }},
		"settle":    {"settle", []string{"run", "settle", "--date", ds}, "orders/s", func(c genCounts) int { return c.Orders }},
		"post":      {"post", []string{"run", "post", "--date", ds}, "transfers/s", func(c genCounts) int { return c.Orders + c.Cancels }},
		"sync":      {"sync", []string{"run", "sync", "--date", ds}, "transfers/s", func(c genCounts) int { return c.Orders + c.Cancels }},
		"reconcile": {"reconcile", []string{"run", "reconcile", "--date", ds}, "transfers/s", func(c genCounts) int { return c.Orders + c.Cancels }},
		"export":    {"export", []string{"run", "export", "--date", ds, "--out", *dir}, "lines/s", func(c genCounts) int { return c.Lines }},
	}
	// Terms first, as the nightly run does, so that import validates with them.
	if _, err := runStage(ctx, bin, env, *dir, "refresh", []string{"run", "refresh", "--date", ds}); err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	var results []result
	for _, name := range strings.Split(*stagesFlag, ",") {
		st, ok := all[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("-stages: unknown stage %q", name)
		}
		load := loadAvg() // other work on the machine skews wall time; cpu s does not
		var m measured
		if st.name == "post" && *instances > 1 {
			m, err = runShared(ctx, bin, env, *dir, st.args, *instances)
		} else {
			m, err = runStage(ctx, bin, env, *dir, st.name, st.args)
		}
		if err != nil && !errors.Is(err, errExit3) {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		r := result{Orders: *n, DB: dbLabel, Stage: st.name, Seconds: m.wall.Seconds(), CPUSeconds: m.cpu.Seconds(), Unit: st.unit,
			PeakRSSMB: float64(m.maxRSSKB) / 1024, EmulatorMB: procRSSMB(emu.Process.Pid), DBBytes: dbSize(dsn),
			Concurrency: *conc, LatencyMS: latency.Milliseconds(), Load: load, Instances: *instances}
		if r.Seconds > 0 {
			r.Rate = float64(st.count(gc)) / r.Seconds
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "scale: %-9s %8.1f s (cpu %.1f s) %10.0f %-11s peak RSS %6.0f MB, load %s\n", st.name, r.Seconds, r.CPUSeconds, r.Rate, st.unit, r.PeakRSSMB, loadAvg())
	}
	printTable(stdout, results, gc)
	out, err := os.OpenFile(filepath.Join(*dir, "results.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	enc := json.NewEncoder(out)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// runShared runs the post stage as n processes: the first runs the job,
// the others (started once it holds the job's lease) help it with
// --share. Wall time is until the last ends; CPU is theirs summed; RSS
// the largest.
func runShared(ctx context.Context, bin string, env []string, dir string, args []string, n int) (measured, error) {
	start := time.Now()
	type done struct {
		m   measured
		err error
	}
	out := make(chan done, n)
	for i := range n {
		name, a := "post", args
		if i > 0 {
			name, a = fmt.Sprintf("post-%d", i+1), append(slices.Clone(args), "--share")
			time.Sleep(time.Second) // the first holds the run's lease by now
		}
		go func() {
			m, err := runStage(ctx, bin, env, dir, name, a)
			out <- done{m, err}
		}()
	}
	var all measured
	var errs []error
	for range n {
		d := <-out
		all.cpu += d.m.cpu
		all.maxRSSKB = max(all.maxRSSKB, d.m.maxRSSKB)
		if d.err != nil {
			errs = append(errs, d.err)
		}
	}
	all.wall = time.Since(start)
	return all, errors.Join(errs...)
}

var errExit3 = errors.New("finished with mismatches (exit 3)")

type measured struct {
	wall     time.Duration
	cpu      time.Duration // user + system
	maxRSSKB int64
}

// runStage runs one settle command and measures it. Its output goes to a
// log file in dir.
func runStage(ctx context.Context, bin string, env []string, dir, name string, args []string) (measured, error) {
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return measured{}, err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	start := time.Now()
	err = cmd.Run()
	m := measured{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSSKB = ru.Maxrss // kilobytes on Linux
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		return m, errExit3
	}
	if err != nil {
		return m, fmt.Errorf("settle %s: %w (see %s)", strings.Join(args, " "), err, logf.Name())
	}
	return m, nil
}

func marketplaceMix() (mix, error) {
	var d struct {
		Partners []struct {
			ID string `json:"id"`
		} `json:"partners"`
		DiscountSharePolicies []struct {
			ID string `json:"id"`
		} `json:"discountSharePolicies"`
		AdditionalFeePolicies []struct {
			ID string `json:"id"`
		} `json:"additionalFeePolicies"`
	}
	if err := json.Unmarshal(demo.Marketplace(), &d); err != nil {
		return mix{}, err
	}
	var m mix
	for _, p := range d.Partners {
		m.partners = append(m.partners, p.ID)
	}
	for _, p := range d.DiscountSharePolicies {
		m.discounts = append(m.discounts, p.ID)
	}
	for _, p := range d.AdditionalFeePolicies {
		m.fees = append(m.fees, p.ID)
	}
	return m, nil
}

// database returns the DSN of a fresh database of kind.
func database(kind, dir string, n int) (dsn, label string, cleanup func(), err error) {
	switch {
	case kind == "sqlite":
		p := filepath.Join(dir, fmt.Sprintf("scale-%d.db", n))
		for _, s := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(p + s)
		}
		return p, "sqlite", func() {}, nil
	case kind == "postgres":
		srv, err := storetest.StartPostgres(scalePostgres()...)
		if err != nil {
			return "", "", nil, err
		}
		dsn, err := srv.CreateDatabase(fmt.Sprintf("scale_%d", n))
		if err != nil {
			srv.Stop()
			return "", "", nil, err
		}
		return dsn, "postgres", func() { _ = srv.Stop() }, nil
	case strings.HasPrefix(kind, "postgres://"), strings.HasPrefix(kind, "postgresql://"):
		return kind, "postgres", func() {}, nil
	}
	return "", "", nil, fmt.Errorf("-db %q: want sqlite, postgres or a postgres:// DSN", kind)
}

// scalePostgres is how the benchmark's throwaway PostgreSQL runs: durable,
// as the SQLite it is compared with is (synchronous=FULL), and with a
// buffer pool a production server would give a night of this size (the
// tests' server has fsync off and 32 MB).
func scalePostgres() []string {
	return []string{"fsync=on", "synchronous_commit=on", "full_page_writes=on", "shared_buffers=1GB", "max_wal_size=4GB"}
}

// copyFile copies the SQLite database src (checkpointed: its -wal is not
// copied) to dst.
func copyFile(dst, src string) error {
	if _, err := os.Stat(src + "-wal"); err == nil {
		return fmt.Errorf("%s has a -wal file: checkpoint it first (sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE)')", src, src)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// dbSize is the SQLite file's size with its WAL (0 for PostgreSQL).
func dbSize(dsn string) int64 {
	var total int64
	for _, s := range []string{"", "-wal"} {
		if fi, err := os.Stat(dsn + s); err == nil {
			total += fi.Size()
		}
	}
	return total
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not listening after 20s", addr)
}

// procRSSMB is a process's peak resident set (VmHWM) so far.
func procRSSMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func printTable(w io.Writer, rs []result, gc genCounts) {
	fmt.Fprintf(w, "\n%d orders, %d lines, %d cancels\n\n", gc.Orders, gc.Lines, gc.Cancels)
	fmt.Fprintln(w, "| stage | db | wall s | cpu s | rate | peak RSS MB | emulator RSS MB | db MB | load at start |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %s | %.1f | %.1f | %.0f %s | %.0f | %.0f | %.0f | %s |\n", r.Stage, r.DB, r.Seconds, r.CPUSeconds, r.Rate, r.Unit,
			r.PeakRSSMB, r.EmulatorMB, float64(r.DBBytes)/(1<<20), r.Load)
	}
}
