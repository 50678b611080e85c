package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// RetryResult is what Retry did.
type RetryResult struct {
	Requeued []store.Requeued  // intents pending again, in the order a person reads them
	Dates    []settlement.Date // their business dates, oldest first
	// Rerun names, per date, the jobs (post and after) whose ledger entry
	// was reset so the next run of the date posts, syncs, reconciles and
	// exports again; Busy the ones running elsewhere now (they pick the
	// intents up themselves or are reset by the next retry).
	Rerun map[settlement.Date][]Job
	Busy  map[settlement.Date][]Job
	// NotRetried explains the ids asked for by name that were not failed
	// or conflicting (posted, pending, unknown).
	NotRetried []string
}

// rerunAfterRetry are the jobs of a date redone after its intents are
// re-queued: post sends them, sync, reconcile and export take them in.
var rerunAfterRetry = []Job{JobPost, JobSync, JobReconcile, JobExport}

// Retry re-queues the failed and conflicting intents f selects (an
// operator's decision, once the cause is fixed) and resets the ledger of
// post, sync, reconcile and export of their dates, so that `settle run
// post` or `settle run nightly` of each date posts them. An order retried
// by id takes its failed cancels along. Each intent keeps
// its client transfer id and request: a transfer PortOne already holds is
// adopted (409), never created twice. Safe to run on several instances at
// once: each intent is re-queued once.
func Retry(ctx context.Context, st *store.Store, f store.IntentFilter) (RetryResult, error) {
	res := RetryResult{Rerun: map[settlement.Date][]Job{}, Busy: map[settlement.Date][]Job{}}
	req, err := st.ResetIntents(ctx, f)
	if err != nil {
		return res, err
	}
	// A cancel fails when its order's transfer failed: an order retried by
	// id takes its failed cancels with it, or they would stay failed.
	if len(f.IntentIDs) > 0 {
		for _, r := range slices.Clone(req) {
			if r.Kind != settlement.KindOrder {
				continue
			}
			more, err := st.ResetIntents(ctx, store.IntentFilter{PartnerID: r.PartnerID, PaymentID: r.PaymentID, Kind: settlement.KindOrderCancel,
				Statuses: []store.IntentStatus{store.IntentFailed}})
			if err != nil {
				return res, err
			}
			req = append(req, more...)
		}
	}
	slices.SortFunc(req, func(a, b store.Requeued) int {
		if c := a.BusinessDate.Compare(b.BusinessDate); c != 0 {
			return c
		}
		for _, c := range []int{cmp.Compare(a.PartnerID, b.PartnerID), cmp.Compare(a.PaymentID, b.PaymentID), cmp.Compare(a.Kind, b.Kind)} {
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.IntentID, b.IntentID)
	})
	res.Requeued = req
	seen := map[settlement.Date]bool{}
	for _, r := range req {
		if !seen[r.BusinessDate] {
			seen[r.BusinessDate] = true
			res.Dates = append(res.Dates, r.BusinessDate)
		}
	}
	for _, d := range res.Dates {
		for _, job := range rerunAfterRetry {
			err := st.ResetRun(ctx, string(job), d)
			var le *store.LeaseError
			switch {
			case err == nil:
				res.Rerun[d] = append(res.Rerun[d], job)
			case errors.Is(err, store.ErrNotFound):
				// never ran: the next run of the date runs it anyway
			case errors.As(err, &le):
				res.Busy[d] = append(res.Busy[d], job)
			default:
				return res, err
			}
		}
	}
	if len(f.IntentIDs) > 0 {
		done := map[settlement.TransferID]bool{}
		for _, r := range req {
			done[r.IntentID] = true
		}
		for _, id := range f.IntentIDs {
			if done[id] {
				continue
			}
			in, err := st.IntentByID(ctx, id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				res.NotRetried = append(res.NotRetried, fmt.Sprintf("transfer intent %s: no such intent (see `settle intents`)", id))
			case err != nil:
				return res, err
			default:
				res.NotRetried = append(res.NotRetried, fmt.Sprintf("transfer intent %s (%s %s of %s): is %s, only failed or conflicting intents are retried",
					id, in.Kind, in.PaymentID, in.PartnerID, in.Status))
			}
		}
	}
	return res, nil
}
