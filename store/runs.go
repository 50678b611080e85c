package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/settle-dev/settle/settlement"
)

// RunStatus is where a job run stands.
type RunStatus string

// The statuses of a job run.
const (
	RunRunning RunStatus = "running"
	RunDone    RunStatus = "done"
	RunFailed  RunStatus = "failed"
)

// Run is one job's run for one business date: the run ledger's row. There is
// at most one per (job, date); a rerun after a failure or a dead owner
// continues the same row from its Checkpoint.
type Run struct {
	ID           int64
	Job          string
	BusinessDate settlement.Date
	Status       RunStatus
	Counts       map[string]int64
	Checkpoint   string
	Error        string
	StartedAt    time.Time
	FinishedAt   time.Time
	Owner        string
	LeaseExpires time.Time
	Attempts     int
}

func (r *jobRunRow) run() (Run, error) {
	var counts map[string]int64
	if r.CountsJSON != "" {
		if err := json.Unmarshal([]byte(r.CountsJSON), &counts); err != nil {
			return Run{}, fmt.Errorf("run %s %s: counts: %w", r.Job, r.BusinessDate.date(), err)
		}
	}
	var lease time.Time
	if r.LeaseExpiresMS > 0 {
		lease = time.UnixMilli(r.LeaseExpiresMS).UTC()
	}
	return Run{ID: r.ID, Job: r.Job, BusinessDate: r.BusinessDate.date(), Status: RunStatus(r.Status), Counts: counts,
		Checkpoint: r.Checkpoint, Error: r.Error, StartedAt: r.StartedAt.Time, FinishedAt: r.FinishedAt.Time,
		Owner: r.Owner, LeaseExpires: lease, Attempts: int(r.Attempts)}, nil
}

func encodeCounts(c map[string]int64) string {
	if len(c) == 0 {
		return ""
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func runWhat(job string, d settlement.Date) string { return fmt.Sprintf("run %s %s", job, d) }

// AcquireRun takes the run of job for business date d for owner, leased
// until now+lease, so that among several instances each job runs once per
// date. acquired is true when the caller now owns the run: it did not exist,
// or it failed, or its owner's lease expired while running (then
// Run.Checkpoint says where to resume). acquired is false when the run is
// done (Run says so; ResetRun to redo it) or running under a live lease.
func (s *Store) AcquireRun(ctx context.Context, job string, d settlement.Date, owner string, lease time.Duration) (Run, bool, error) {
	if job == "" || owner == "" || d.IsZero() || lease <= 0 {
		return Run{}, false, &InvalidError{Record: runWhat(job, d), Field: "job/date/owner/lease", Err: errors.New("all required")}
	}
	now := s.nowMS()
	var row jobRunRow
	acquired := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		ins := jobRunRow{Job: job, BusinessDate: day(d), Status: string(RunRunning), StartedAt: at(s.nowUTC()), Owner: owner,
			LeaseExpiresMS: now + lease.Milliseconds(), Attempts: 1}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "job"}, {Name: "business_date"}}, DoNothing: true}).Create(&ins)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			acquired = true
			return tx.Where("id = ?", ins.ID).Take(&row).Error
		}
		up := tx.Model(&jobRunRow{}).
			Where("job = ? AND business_date = ? AND (status = ? OR (status = ? AND lease_expires_ms <= ?))",
				job, day(d), string(RunFailed), string(RunRunning), now).
			Updates(map[string]any{"status": string(RunRunning), "owner": owner, "lease_expires_ms": now + lease.Milliseconds(),
				"attempts": gorm.Expr("attempts + 1"), "error": "", "finished_at": instant{}, "started_at": at(s.nowUTC())})
		if up.Error != nil {
			return up.Error
		}
		acquired = up.RowsAffected == 1
		return tx.Where("job = ? AND business_date = ?", job, day(d)).Take(&row).Error
	})
	if err != nil {
		return Run{}, false, fmt.Errorf("acquire %s: %w", runWhat(job, d), err)
	}
	r, err := row.run()
	if err != nil {
		return Run{}, false, err
	}
	return r, acquired, nil
}

// updateRun changes run r where it is still owned and running.
func (s *Store) updateRun(ctx context.Context, r Run, set map[string]any) error {
	res := s.w(ctx).Model(&jobRunRow{}).Where("id = ? AND owner = ? AND status = ?", r.ID, r.Owner, string(RunRunning)).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("%s: %w", runWhat(r.Job, r.BusinessDate), res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var cur jobRunRow
	if err := s.w(ctx).Where("id = ?", r.ID).Take(&cur).Error; err != nil {
		return notFound(err, runWhat(r.Job, r.BusinessDate))
	}
	return &LeaseError{What: runWhat(r.Job, r.BusinessDate) + " (" + cur.Status + ")", Owner: r.Owner, Held: cur.Owner}
}

// RenewRun extends the lease of a run the caller owns. It returns a
// *LeaseError (ErrLeaseLost) when another owner has taken it over.
func (s *Store) RenewRun(ctx context.Context, r Run, lease time.Duration) error {
	return s.updateRun(ctx, r, map[string]any{"lease_expires_ms": s.nowMS() + lease.Milliseconds()})
}

// Checkpoint records how far a run got (an opaque string the job
// understands, e.g. the last order id settled) and its counts so far, and
// renews its lease by lease. It returns a *LeaseError when the run is no
// longer the caller's.
func (s *Store) Checkpoint(ctx context.Context, r Run, checkpoint string, counts map[string]int64, lease time.Duration) error {
	return s.updateRun(ctx, r, map[string]any{"checkpoint": checkpoint, "counts_json": encodeCounts(counts),
		"lease_expires_ms": s.nowMS() + lease.Milliseconds()})
}

// FinishRun ends a run the caller owns: done when runErr is nil, failed with
// its message otherwise. It returns a *LeaseError when the run is no longer
// the caller's.
func (s *Store) FinishRun(ctx context.Context, r Run, counts map[string]int64, runErr error) error {
	set := map[string]any{"status": string(RunDone), "counts_json": encodeCounts(counts), "finished_at": at(s.nowUTC()), "lease_expires_ms": 0}
	if runErr != nil {
		set["status"], set["error"] = string(RunFailed), runErr.Error()
	}
	return s.updateRun(ctx, r, set)
}

// ResetRun marks a finished run of job for d to be redone ("unless asked"):
// the next AcquireRun takes it and starts from an empty checkpoint. A run
// running under a live lease is not touched (*LeaseError).
func (s *Store) ResetRun(ctx context.Context, job string, d settlement.Date) error {
	res := s.w(ctx).Model(&jobRunRow{}).Where("job = ? AND business_date = ? AND (status <> ? OR lease_expires_ms <= ?)", job, day(d), string(RunRunning), s.nowMS()).
		Updates(map[string]any{"status": string(RunFailed), "error": "reset for a rerun", "checkpoint": "", "lease_expires_ms": 0})
	if res.Error != nil {
		return fmt.Errorf("reset %s: %w", runWhat(job, d), res.Error)
	}
	if res.RowsAffected == 0 {
		r, err := s.RunOf(ctx, job, d)
		if err != nil {
			return err
		}
		return &LeaseError{What: runWhat(job, d) + " (running)", Held: r.Owner}
	}
	return nil
}

// RunOf returns the run of job for d, or a *NotFoundError.
func (s *Store) RunOf(ctx context.Context, job string, d settlement.Date) (Run, error) {
	var row jobRunRow
	if err := s.w(ctx).Where("job = ? AND business_date = ?", job, day(d)).Take(&row).Error; err != nil {
		return Run{}, notFound(err, runWhat(job, d))
	}
	return row.run()
}

// RunQuery selects runs; zero fields select everything.
type RunQuery struct {
	Job    string
	From   settlement.Date
	To     settlement.Date
	Status RunStatus
	Limit  int
}

// Runs returns runs matching q, newest business date first (for the API's
// GET /v1/runs and `settle backfill`'s "what is missing").
func (s *Store) Runs(ctx context.Context, q RunQuery) ([]Run, error) {
	db := s.r(ctx).Model(&jobRunRow{})
	if q.Job != "" {
		db = db.Where("job = ?", q.Job)
	}
	if !q.From.IsZero() {
		db = db.Where("business_date >= ?", day(q.From))
	}
	if !q.To.IsZero() {
		db = db.Where("business_date <= ?", day(q.To))
	}
	if q.Status != "" {
		db = db.Where("status = ?", string(q.Status))
	}
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var rows []jobRunRow
	if err := db.Order("business_date DESC, job").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	out := make([]Run, len(rows))
	for i := range rows {
		r, err := rows[i].run()
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}
