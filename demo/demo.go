package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// DemoOptions configure Demo.
type DemoOptions struct {
	Dir      string    // where the SQLite file and the workbooks go
	DSN      string    // a database instead of Dir/settle-demo.db (tests: PostgreSQL)
	Progress io.Writer // nil for none
	Logger   *slog.Logger
	Version  string
	Lang     string // workbook headers: ko (default) or en
}

// DemoResult is what the demo did.
type DemoResult struct {
	From, To      settlement.Date
	Imported      intake.Counts
	Intents       int
	AtPortOne     int // transfers the emulator holds
	Posted        int64
	Adopted       int64
	Mismatches    int64          // differences between our numbers and PortOne's
	Rejected      int64          // input records rejected (listed in the workbook)
	Payouts       int            // payouts checked against PortOne's (the week's settlement dates and after)
	PayoutIssues  []string       // payout mismatches, one line each: date, partner, reason
	Settlement    settlement.Won // net settlement of the week, ours
	PortOneNet    settlement.Won // net settlement of the week, PortOne's
	Workbook      string
	DailyBooks    []string
	Took          time.Duration
	DB            string
	EmulatorCalls int
}

// demoSecret is the emulator's API secret in the demo: not a real secret.
const demoSecret = "demo-api-secret"

// Demo runs the whole pipeline on the sample marketplace: the PortOne
// emulator in-process on loopback (seeded with the marketplace), a fresh
// store, the week's orders and cancellations imported through the same path
// as `settle import`, the nightly pipeline for each day as the cron would
// run it (at 02:00 of the next day, on a simulated clock), and the week's
// workbook.
func Demo(ctx context.Context, o DemoOptions) (DemoResult, error) {
	start := time.Now()
	from, to := Week()
	res := DemoResult{From: from, To: to}
	loc := Location()
	if o.Dir == "" {
		o.Dir = "settle-demo"
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return res, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	clock := jobs.NewSimClock(time.Date(from.Year, from.Month, from.Day, 9, 0, 0, 0, loc))
	emu := emulator.New(emulator.Options{Secret: demoSecret, Now: clock.Now, Location: loc, Logger: o.Logger})
	if err := emu.Seed(bytes.NewReader(Marketplace())); err != nil {
		return res, err
	}
	// One payout of the week fails at PortOne, as finance should see it in
	// the Payouts sheet (issue #15). The week's other payout issue is in
	// the data: 나무가구공방's negative net of 10-02 (scripted.go).
	emu.ControlPayout(false, "p-hanbit", settlement.MustDate("2025-10-02"), emulator.PayoutFail, "예금주 불일치 (account holder mismatch)")
	url, closeEmu := emu.Start()
	defer closeEmu()

	dsn := o.DSN
	if dsn == "" {
		dsn = filepath.Join(o.Dir, "settle-demo.db")
		// The demo starts afresh: the emulator's state lives in memory.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(dsn + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return res, err
			}
		}
	}
	res.DB = dsn
	st, err := store.Open(ctx, dsn, store.WithClock(clock.Now))
	if err != nil {
		return res, err
	}
	defer st.Close()
	client, err := transfer.New(transfer.Config{BaseURL: url, APISecret: demoSecret, MinBackoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		return res, err
	}
	p := jobs.NewPipeline(st, client, jobs.Options{Loc: loc, Now: clock.Now, OutDir: o.Dir, Owner: "demo", Logger: o.Logger,
		Progress: o.Progress, Version: o.Version, Concurrency: 16})

	// Terms first, so that imports are validated with them.
	if _, err := p.Refresh(ctx, from, jobs.RunOptions{}); err != nil {
		return res, err
	}
	rep, err := intake.Import(ctx, st, []intake.Input{
		{Name: OrdersFile, R: bytes.NewReader(Orders()), Format: intake.FormatJSONL},
		{Name: BadFile, R: bytes.NewReader(Bad()), Format: intake.FormatJSONL},
	}, intake.Options{Location: loc, Terms: p.TermsFor})
	if err != nil {
		return res, err
	}
	res.Imported = rep.Counts

	for d := from; !d.After(to); d = d.AddDays(1) {
		clock.Set(time.Date(d.Year, d.Month, d.Day+1, 2, 0, 0, 0, loc))
		results, err := p.Nightly(ctx, d, jobs.RunOptions{})
		if err != nil && !errors.Is(err, jobs.ErrMismatches) {
			return res, err
		}
		for _, r := range results {
			switch r.Job {
			case jobs.JobPost:
				res.Posted += r.Counts["posted"]
				res.Adopted += r.Counts["adopted"]
			case jobs.JobReconcile:
				res.Mismatches += r.Counts["mismatches"]
			}
		}
		res.DailyBooks = append(res.DailyBooks, filepath.Join(o.Dir, "settle-"+d.String()+".xlsx"))
	}

	res.Workbook = filepath.Join(o.Dir, fmt.Sprintf("settle-demo-%s_%s.xlsx", from, to))
	if err := p.ExportFile(ctx, from, to, res.Workbook, jobs.ExportOptions{Lang: o.Lang}); err != nil {
		return res, err
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		err := st.IntentsOn(ctx, d, func(*store.Intent) error { res.Intents++; return nil })
		if err != nil {
			return res, err
		}
	}
	err = st.SettlementRows(ctx, store.Query{From: from, To: to}, func(r *store.SettlementRow) error {
		sign := settlement.Won(1)
		if r.Kind == settlement.KindOrderCancel {
			sign = -1
		}
		res.Settlement += sign * r.Amounts.Settlement
		if r.HasPortOne {
			res.PortOneNet += sign * r.PortOne.Settlement // positive for a cancel, as stored
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	err = st.RejectedRecords(ctx, store.RejectedQuery{}, func(*store.Rejected) error { res.Rejected++; return nil })
	if err != nil {
		return res, err
	}
	// The payout dates the week's payouts jobs checked.
	pFrom, pUntil := from.AddDays(-jobs.PayoutLookback), to.AddDays(jobs.PayoutHorizon)
	checks, err := st.PayoutChecks(ctx, pFrom, pUntil)
	if err != nil {
		return res, err
	}
	res.Payouts = len(checks)
	pms, err := st.PayoutMismatches(ctx, pFrom, pUntil)
	if err != nil {
		return res, err
	}
	for _, m := range pms {
		line := fmt.Sprintf("%s %s %s %s", m.PayoutDate, m.PartnerID, m.Subject, m.Reason)
		switch m.Reason {
		case settlement.PayoutNegative:
			line += fmt.Sprintf(": net %s won, not paid; to recover from the partner", wonText(m.Local))
		case settlement.PayoutFailedReason:
			line += ": " + m.Detail
		}
		res.PayoutIssues = append(res.PayoutIssues, line)
	}
	res.AtPortOne = len(emu.Transfers(false))
	res.EmulatorCalls = len(emu.Requests())
	res.Took = time.Since(start)
	return res, nil
}

// wonText is v with thousands separated by commas, as the workbook shows it.
func wonText(v settlement.Won) string {
	s := strconv.FormatInt(int64(v), 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
