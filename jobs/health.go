package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/settle-dev/settle/store"
)

// The readiness checks of `settle serve` (/readyz): each returns nil when
// its part needs no person.

// CheckDatabase reads the schema version: the database answers.
func (p *Pipeline) CheckDatabase(ctx context.Context) error {
	if _, err := p.st.SchemaVersion(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	return nil
}

// CheckLastRun fails when the latest scheduled run of this instance failed
// (it is being retried, or waits for the next night), or when a job of the
// latest business date in the run ledger failed (any instance's).
func (p *Pipeline) CheckLastRun(ctx context.Context) error {
	if err := p.lastRun.get(); err != nil {
		return fmt.Errorf("the last scheduled run failed: %w", err)
	}
	runs, err := p.st.Runs(ctx, store.RunQuery{Limit: 4 * len(NightlyJobs)})
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.BusinessDate != runs[0].BusinessDate {
			break
		}
		if r.Status == store.RunFailed {
			return fmt.Errorf("%s %s failed: %s", r.Job, r.BusinessDate, r.Error)
		}
	}
	return nil
}

// portOneProbe caches PortOne's reachability: probes come every few
// seconds and must not load PortOne's API.
const portOneProbeTTL = 30 * time.Second

// CheckPortOne reads the platform setting from PortOne (at most once per
// 30 s; the answer is cached).
func (p *Pipeline) CheckPortOne(ctx context.Context) error {
	if p.api == nil {
		return nil
	}
	p.probe.mu.Lock()
	defer p.probe.mu.Unlock()
	if now := time.Now(); now.Sub(p.probe.at) >= portOneProbeTTL {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := p.api.GetSetting(pctx)
		cancel()
		p.probe.at, p.probe.err = now, err
	}
	if p.probe.err != nil {
		return fmt.Errorf("PortOne unreachable: %w", p.probe.err)
	}
	return nil
}

// probeCache is CheckPortOne's last answer.
type probeCache struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// runOutcome is the outcome of the latest scheduled or catch-up run.
type runOutcome struct {
	mu  sync.Mutex
	err error
}

func (o *runOutcome) set(err error) {
	if errors.Is(err, ErrMismatches) {
		err = nil
	}
	o.mu.Lock()
	o.err = err
	o.mu.Unlock()
}

func (o *runOutcome) get() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// SetHooks sets Options.OnJob and Options.OnRun of a pipeline built
// before its observer (serve's metrics); call it before running jobs.
func (p *Pipeline) SetHooks(onJob func(JobResult, error), onRun func(error)) {
	p.opts.OnJob, p.opts.OnRun = onJob, onRun
}
