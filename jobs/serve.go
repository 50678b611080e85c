package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// TermsFor is the terms a new record of partnerID would be settled with
// now: the contract (contractID, or the partner's default) and the
// policies in force. Ingestion validates records with it. An unknown
// partner or contract is a store.ErrNotFound: the record may name one that
// the next refresh brings, so ingestion accepts it and settle decides.
func (p *Pipeline) TermsFor(ctx context.Context, partnerID, contractID string) (settlement.Terms, error) {
	tc, err := p.newTermsCache(ctx)
	if err != nil {
		return settlement.Terms{}, err
	}
	if contractID == "" {
		pt, err := tc.partner(ctx, partnerID)
		if err != nil {
			return settlement.Terms{}, fmt.Errorf("partner %q: %w", partnerID, err) // keeps store.ErrNotFound
		}
		contractID = pt.DefaultContractID
	}
	c, err := tc.contract(ctx, contractID, 0)
	if err != nil {
		return settlement.Terms{}, fmt.Errorf("contract %q: %w", contractID, err)
	}
	t, _ := p.terms(tc, c)
	return t, nil
}

// ServeOptions configure Serve.
type ServeOptions struct {
	Cron     string       // SETTLE_CRON, in the business time zone
	API      http.Handler // the HTTP API (nil: no API)
	Addr     string       // SETTLE_HTTP_ADDR
	Server   func(addr string, h http.Handler) *http.Server
	CatchUp  int           // at most this many missed nights are caught up at start; default 31
	JobLimit time.Duration // a nightly run is cancelled after this; default 6h
	// RetryBackoff is the wait before the first retry of a failed
	// scheduled or catch-up run; it doubles up to RetryMax (default 1m and
	// 30m). Retries stop before the next scheduled run would start.
	RetryBackoff, RetryMax time.Duration
}

// Serve runs the nightly pipeline on the cron schedule for the previous
// business date, catches up missed nights at start, and serves the HTTP
// API, until ctx ends (SIGTERM). Then it stops the schedule, lets the
// running step reach its checkpoint (the step's context is cancelled and
// every step resumes from the store), and shuts the API down.
func (p *Pipeline) Serve(ctx context.Context, o ServeOptions) error {
	if o.CatchUp <= 0 {
		o.CatchUp = 31
	}
	if o.JobLimit <= 0 {
		o.JobLimit = 6 * time.Hour
	}
	logger := cronLogger{p.log}
	c := cron.New(cron.WithLocation(p.opts.Loc), cron.WithLogger(logger),
		// Recover is not in cron's default chain, whatever New's comment says.
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	sched, err := cron.ParseStandard(o.Cron)
	if err != nil {
		return fmt.Errorf("SETTLE_CRON %q: %w", o.Cron, err)
	}
	nightly := func() {
		d := p.Today().AddDays(-1)
		p.withRetry(ctx, o, sched, "nightly "+d.String(), func() error {
			jctx, cancel := context.WithTimeout(ctx, o.JobLimit)
			defer cancel()
			_, err := p.Nightly(jctx, d, RunOptions{})
			return err
		})
	}
	if _, err := c.AddFunc(o.Cron, nightly); err != nil {
		return fmt.Errorf("SETTLE_CRON %q: %w", o.Cron, err)
	}
	errc := make(chan error, 1)
	var srv *http.Server
	if o.API != nil {
		// Bind before the catch-up run: a port that is taken fails the
		// start at once, not after a whole night of work.
		ln, err := net.Listen("tcp", o.Addr)
		if err != nil {
			return fmt.Errorf("SETTLE_HTTP_ADDR %s: %w", o.Addr, err)
		}
		srv = o.Server(o.Addr, o.API)
		go func() {
			p.log.Info("http api listening", "addr", ln.Addr().String())
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http api: %w", err)
			}
		}()
	}
	// Catch up before the schedule starts, so the two never overlap.
	p.withRetry(ctx, o, sched, "catch-up", func() error { return p.catchUp(ctx, o.CatchUp) })
	c.Start()
	p.log.Info("schedule started", "cron", o.Cron, "tz", p.opts.Loc.String())
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stopped := c.Stop() // waits for a running nightly; its ctx is already cancelled
	<-stopped.Done()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	p.log.Info("stopped")
	return err
}

// catchUp runs nightly for the business dates after the last one whose
// export is done, up to yesterday, at most max of them. With no history it
// runs yesterday only.
func (p *Pipeline) catchUp(ctx context.Context, max int) error {
	yesterday := p.Today().AddDays(-1)
	runs, err := p.st.Runs(ctx, store.RunQuery{Job: string(JobExport), Status: store.RunDone, To: yesterday, Limit: 1})
	if err != nil {
		return err
	}
	from := yesterday
	if len(runs) > 0 {
		from = runs[0].BusinessDate.AddDays(1)
	}
	if earliest := yesterday.AddDays(-(max - 1)); from.Before(earliest) {
		from = earliest
	}
	if from.After(yesterday) {
		return nil
	}
	p.log.Info("catching up", "from", from.String(), "to", yesterday.String())
	return p.Backfill(ctx, from, yesterday, RunOptions{}, nil)
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Info("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}

// withRetry runs fn, a scheduled or catch-up run, and retries it while it
// fails, waiting o.RetryBackoff, doubled each time up to o.RetryMax, and
// giving up when the next retry would start after the next scheduled run
// (which takes over). A run that finishes with mismatches is not retried:
// it did its work. Each outcome goes through Options.OnRun.
func (p *Pipeline) withRetry(ctx context.Context, o ServeOptions, sched cron.Schedule, what string, fn func() error) {
	wait, max := o.RetryBackoff, o.RetryMax
	if wait <= 0 {
		wait = time.Minute
	}
	if max <= 0 {
		max = 30 * time.Minute
	}
	for attempt := 1; ; attempt++ {
		err := fn()
		if ctx.Err() == nil {
			p.lastRun.set(err)
		}
		if err == nil || errors.Is(err, ErrMismatches) || ctx.Err() != nil {
			if p.opts.OnRun != nil && ctx.Err() == nil {
				p.opts.OnRun(err)
			}
			return
		}
		if p.opts.OnRun != nil {
			p.opts.OnRun(err)
		}
		now := p.opts.Now()
		if next := sched.Next(now.In(p.opts.Loc)); !now.Add(wait).Before(next) {
			p.log.Error(what+" failed; the next scheduled run takes over", "attempt", attempt, "next", next.Format(time.RFC3339), "err", err)
			return
		}
		p.log.Error(what+" failed; retrying", "attempt", attempt, "retry_in", wait.String(), "err", err)
		if sleepCtx(ctx, wait) != nil {
			return
		}
		wait = min(2*wait, max)
	}
}
