package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// Job names one step of the pipeline, as the run ledger records it.
type Job string

// The jobs of one business date, in the order nightly runs them, and
// nightly itself.
const (
	JobRefresh   Job = "refresh"
	JobSettle    Job = "settle"
	JobPost      Job = "post"
	JobSync      Job = "sync"
	JobReconcile Job = "reconcile"
	JobPayouts   Job = "payouts"
	JobExport    Job = "export"
	JobNightly   Job = "nightly"
)

// NightlyJobs is the order of the nightly pipeline.
var NightlyJobs = []Job{JobRefresh, JobSettle, JobPost, JobSync, JobReconcile, JobPayouts, JobExport}

// ErrUnknownJob is returned for a job name that is not one of the above.
var ErrUnknownJob = errors.New("unknown job")

// PortOne is what the pipeline needs of PortOne's API; *transfer.Client has it.
// Commands that never call PortOne (import, export) pass nil.
type PortOne interface {
	CreateOrderTransfer(ctx context.Context, b transfer.CreateOrderTransferBody) (transfer.CreateResult, error)
	CreateOrderCancelTransfer(ctx context.Context, b transfer.CreateOrderCancelTransferBody) (transfer.CreateResult, error)
	GetTransfer(ctx context.Context, id string) (transfer.Transfer, error)
	TransferStates(ctx context.Context, f *transfer.TransferFilter) iter.Seq2[transfer.TransferState, error]
	Transfers(ctx context.Context, f *transfer.TransferFilter) iter.Seq2[transfer.TransferSummary, error] // reconcile reads MANUAL ones back
	Partners(ctx context.Context, f *transfer.PartnerFilter) iter.Seq2[transfer.Partner, error]
	Contracts(ctx context.Context, f *transfer.ContractFilter) iter.Seq2[transfer.Contract, error]
	DiscountSharePolicies(ctx context.Context, f *transfer.DiscountSharePolicyFilter) iter.Seq2[transfer.DiscountSharePolicy, error]
	AdditionalFeePolicies(ctx context.Context, f *transfer.AdditionalFeePolicyFilter) iter.Seq2[transfer.AdditionalFeePolicy, error]
	GetSetting(ctx context.Context) (transfer.Setting, error)
}

// Options configures a Pipeline.
type Options struct {
	Loc         *time.Location       // business time zone; default Asia/Seoul
	Calendar    *settlement.Calendar // default the Korean calendar
	Rounding    settlement.Rounding  // default DOWN/DOWN; read only without Rules
	Rules       *settlement.Rules    // the merchant's rules (SETTLE_RULES); default the defaults with Rounding
	Owner       string               // this instance's name in leases; default host:pid
	Concurrency int                  // transfers posted at once; default 8
	Lease       time.Duration        // job and claim lease; default 2m
	MaxAttempts int                  // claims of one intent before it fails; default 8
	OutDir      string               // where export writes workbooks; default "."
	Version     string
	Logger      *slog.Logger
	Now         func() time.Time
	Progress    io.Writer               // counts and rate while posting; nil for none
	PayoutRules *settlement.PayoutRules // payout roundings (jobs/payouts.go); default settlement.DefaultPayoutRules
	// OnJob, when set, is told each job run this instance did (not the
	// skipped ones, not dry runs) with its error: metrics hook here.
	OnJob func(JobResult, error)
	// OnRun, when set, is told the outcome of each scheduled or catch-up
	// run of Serve (nil: done), after each attempt.
	OnRun func(error)
}

// Pipeline runs the nightly jobs of one business date against a store and
// PortOne. It is safe to run several pipelines (processes) on one
// PostgreSQL store: the run ledger runs each job once per date, and intents
// are shared through leased claims.
type Pipeline struct {
	st   *store.Store
	api  PortOne
	opts Options
	log  *slog.Logger
	// What /readyz reads: the latest scheduled run, PortOne's last probe.
	lastRun runOutcome
	probe   probeCache
}

// NewPipeline returns a pipeline over st and api with opts' defaults filled.
func NewPipeline(st *store.Store, api PortOne, opts Options) *Pipeline {
	if opts.Loc == nil {
		opts.Loc = seoulLocation()
	}
	if opts.Calendar == nil {
		opts.Calendar = settlement.KoreanCalendar()
	}
	if opts.Rounding == (settlement.Rounding{}) {
		opts.Rounding = settlement.DefaultRounding
	}
	if opts.Rules == nil {
		opts.Rules = settlement.DefaultRulesWith(opts.Rounding)
	}
	if opts.Owner == "" {
		host, _ := os.Hostname()
		opts.Owner = host + ":" + strconv.Itoa(os.Getpid())
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.OutDir == "" {
		opts.OutDir = "."
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{st: st, api: api, opts: opts, log: log}
}

func seoulLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Seoul"); err == nil {
		return loc
	}
	return time.FixedZone("KST", 9*3600)
}

// Today is the business date of now.
func (p *Pipeline) Today() settlement.Date { return settlement.DateOf(p.opts.Now(), p.opts.Loc) }

// RunOptions are the switches of one run.
type RunOptions struct {
	DryRun bool // compute, reconcile and export, but post nothing
	Force  bool // redo a job that is already done for the date
	// Share: a post running under another instance's lease is helped
	// (claims make that safe, as Nightly does when it waits for a post),
	// not skipped. The owner's run records the job.
	Share bool
}

// Counts are what a job did, by name (settled, posted, mismatches, …).
type Counts map[string]int64

// JobResult is one job's outcome for one date.
type JobResult struct {
	Job     Job
	Date    settlement.Date
	Skipped string // why the job did not run ("done", "running elsewhere"), or ""
	Counts  Counts
	Took    time.Duration
	Shared  string // the owner of the post this one helped (RunOptions.Share), or ""
}

// RunJob runs one job for business date d through the run ledger: a job
// already done for d is skipped unless opts.Force; one running under
// another instance's live lease is skipped; a failed or abandoned run is
// taken over and resumes (every job is written to resume from the store's
// state). The returned error is the job's; the ledger records it too.
func (p *Pipeline) RunJob(ctx context.Context, job Job, d settlement.Date, opts RunOptions) (JobResult, error) {
	if job == JobNightly {
		_, err := p.Nightly(ctx, d, opts)
		return JobResult{Job: job, Date: d}, err
	}
	fn, err := p.jobFunc(job)
	if err != nil {
		return JobResult{}, err
	}
	// A dry run leaves no trace in the ledger: it must not mark real work done.
	if opts.DryRun {
		start := time.Now()
		counts, err := fn(ctx, d, opts)
		return JobResult{Job: job, Date: d, Counts: counts, Took: time.Since(start)}, err
	}
	if opts.Force {
		if err := p.st.ResetRun(ctx, string(job), d); err != nil && !errors.Is(err, store.ErrNotFound) {
			return JobResult{}, err
		}
	}
	run, acquired, err := p.st.AcquireRun(ctx, string(job), d, p.opts.Owner, p.opts.Lease)
	if err != nil {
		return JobResult{}, err
	}
	res := JobResult{Job: job, Date: d}
	if !acquired && job == JobPost && opts.Share && run.Status != store.RunDone && !opts.DryRun {
		start := time.Now()
		res.Counts, err = p.Post(ctx, d, opts)
		res.Took, res.Shared = time.Since(start), run.Owner
		return res, err
	}
	if !acquired {
		res.Counts = run.Counts
		if run.Status == store.RunDone {
			res.Skipped = "done"
		} else {
			res.Skipped = skippedElsewhere + " (" + run.Owner + ")"
		}
		return res, nil
	}
	// Keep the lease alive while the job runs; the goroutine ends with the job.
	jobCtx, cancel := context.WithCancelCause(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(p.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-jobCtx.Done():
				return
			case <-t.C:
				if err := p.st.RenewRun(jobCtx, run, p.opts.Lease); err != nil && jobCtx.Err() == nil {
					cancel(fmt.Errorf("lost the lease of %s %s: %w", job, d, err))
					return
				}
			}
		}
	}()
	start := time.Now()
	counts, jerr := fn(jobCtx, d, opts)
	if cause := context.Cause(jobCtx); jerr != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		jerr = cause
	}
	cancel(nil)
	<-renewed
	res.Counts, res.Took = counts, time.Since(start)
	// Record the outcome even when ctx was cancelled (SIGTERM): the job
	// checkpointed in the store, the ledger says where it stands.
	ledgerErr := jerr
	if errors.Is(jerr, ErrMismatches) {
		ledgerErr = nil // the job did its work; the mismatches are its result
	}
	ferr := p.st.FinishRun(context.WithoutCancel(ctx), run, counts, ledgerErr)
	attrs := []any{"job", string(job), "business_date", d.String(), "took", res.Took.Round(time.Millisecond)}
	for k, v := range counts {
		attrs = append(attrs, k, v)
	}
	if jerr != nil && !errors.Is(jerr, ErrMismatches) {
		p.log.Error("job failed", append(attrs, "err", jerr)...)
	} else {
		p.log.Info("job done", attrs...)
	}
	if p.opts.OnJob != nil {
		p.opts.OnJob(res, jerr)
	}
	if jerr != nil {
		return res, jerr
	}
	return res, ferr
}

// skippedElsewhere starts JobResult.Skipped when another instance holds the job.
const skippedElsewhere = "running elsewhere"

type jobFunc func(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error)

func (p *Pipeline) jobFunc(job Job) (jobFunc, error) {
	switch job {
	case JobRefresh:
		return p.Refresh, nil
	case JobSettle:
		return p.Settle, nil
	case JobPost:
		return p.Post, nil
	case JobSync:
		return p.Sync, nil
	case JobReconcile:
		return p.Reconcile, nil
	case JobExport:
		return p.Export, nil
	case JobPayouts:
		return p.Payouts, nil
	}
	return nil, fmt.Errorf("%w %q: want one of refresh, settle, post, sync, reconcile, payouts, export, nightly", ErrUnknownJob, job)
}

// Nightly runs every job of NightlyJobs for d in order, through the ledger.
// A job never starts before the one before it is done: when another
// instance is running a job, Nightly waits for it (and takes it over if
// that instance's lease lapses); while it waits on post it helps post,
// since intents are claimed one by one. It stops at the first failure. A
// reconciliation that finds mismatches does not stop the export; Nightly
// then returns ErrMismatches.
func (p *Pipeline) Nightly(ctx context.Context, d settlement.Date, opts RunOptions) ([]JobResult, error) {
	var results []JobResult
	var mismatch error
	for _, job := range NightlyJobs {
		r, err := p.runInTurn(ctx, job, d, opts)
		results = append(results, r)
		if errors.Is(err, ErrMismatches) {
			mismatch = err
			continue
		}
		if err != nil {
			return results, fmt.Errorf("%s %s: %w", job, d, err)
		}
		if r.Skipped == "done" && (job == JobReconcile && r.Counts["mismatches"] > 0 || job == JobPayouts && r.Counts["payout_mismatches"] > 0) {
			mismatch = ErrMismatches
		}
	}
	return results, mismatch
}

// runInTurn runs job for d, waiting while another instance runs it.
func (p *Pipeline) runInTurn(ctx context.Context, job Job, d settlement.Date, opts RunOptions) (JobResult, error) {
	for {
		if err := ctx.Err(); err != nil {
			return JobResult{Job: job, Date: d}, err
		}
		r, err := p.RunJob(ctx, job, d, opts)
		if err != nil || !strings.HasPrefix(r.Skipped, skippedElsewhere) {
			return r, err
		}
		if job == JobPost {
			// Share the posting: claims make it safe. The owner's run
			// records the job; these counts are only logged.
			if c, err := p.Post(ctx, d, opts); err != nil {
				p.log.Warn("helping post failed", "business_date", d.String(), "err", err)
			} else {
				p.log.Info("helped post", "business_date", d.String(), "posted", c["posted"], "adopted", c["adopted"])
			}
		}
		if err := sleepCtx(ctx, time.Second); err != nil {
			return r, err
		}
	}
}

// Backfill runs Nightly for every date from..to in order; dates whose jobs
// are done are skipped job by job. It stops at the first failure and
// reports mismatches (ErrMismatches) after the last date.
func (p *Pipeline) Backfill(ctx context.Context, from, to settlement.Date, opts RunOptions, each func(settlement.Date, []JobResult)) error {
	if to.Before(from) {
		return fmt.Errorf("backfill: --to %s is before --from %s", to, from)
	}
	var mismatch error
	for d := from; !d.After(to); d = d.AddDays(1) {
		rs, err := p.Nightly(ctx, d, opts)
		if each != nil {
			each(d, rs)
		}
		if errors.Is(err, ErrMismatches) {
			mismatch = err
			continue
		}
		if err != nil {
			return err
		}
	}
	return mismatch
}
