package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// ErrNeedsAttention is returned (wrapped in an *AttentionError) by a run
// that finished but left transfers that a person must look at: intents
// PortOne refused (failed), intents PortOne holds differently (conflict),
// or intents still pending after the post job finished (stuck). `settle`
// exits 4 on it.
var ErrNeedsAttention = errors.New("transfers need attention")

// AttentionError counts the intents of one business date that need a person.
type AttentionError struct {
	Date                      settlement.Date
	Failed, Conflict, Pending int
}

func (e *AttentionError) Error() string {
	var parts []string
	if e.Failed > 0 {
		parts = append(parts, plural(e.Failed, "transfer", "transfers")+" failed")
	}
	if e.Conflict > 0 {
		parts = append(parts, plural(e.Conflict, "transfer conflicts", "transfers conflict")+" with PortOne")
	}
	if e.Pending > 0 {
		parts = append(parts, plural(e.Pending, "transfer is", "transfers are")+" stuck pending")
	}
	return fmt.Sprintf("%s: %s (see `settle intents --date %s`; after fixing the cause, `settle retry --date %s`)",
		e.Date, strings.Join(parts, ", "), e.Date, e.Date)
}

// Unwrap makes errors.Is(err, ErrNeedsAttention) true.
func (e *AttentionError) Unwrap() error { return ErrNeedsAttention }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// CheckIntents returns an *AttentionError when intents of business date d
// failed or conflict, or are still pending although d's post job is done;
// nil when every intent of d is posted or adopted (or d has none).
func (p *Pipeline) CheckIntents(ctx context.Context, d settlement.Date) error {
	n, err := p.st.CountIntents(ctx, d)
	if err != nil {
		return err
	}
	e := &AttentionError{Date: d, Failed: n[store.IntentFailed], Conflict: n[store.IntentConflict]}
	if n[store.IntentPending] > 0 {
		// Pending is normal until post has run; after it, nothing moves them.
		if run, err := p.st.RunOf(ctx, string(JobPost), d); err == nil && run.Status == store.RunDone {
			e.Pending = n[store.IntentPending]
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if e.Failed+e.Conflict+e.Pending == 0 {
		return nil
	}
	return e
}

// CheckJob returns ErrUnknownJob for a name that is not a job, so that a
// command refuses it before any work.
func CheckJob(job Job) error {
	if job == JobNightly {
		return nil
	}
	_, err := (*Pipeline)(nil).jobFunc(job)
	return err
}
