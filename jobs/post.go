package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// Post sends d's pending transfer intents to PortOne, Concurrency at a
// time, through claims that several instances share. Each intent carries
// the client transfer id stored before its first POST, so a retry, a rerun
// or another instance can never create a second transfer: PortOne's 409
// means the transfer is adopted, not posted again. A cancel waits until its
// order transfer exists. A dry run posts nothing.
func (p *Pipeline) Post(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error) {
	c := Counts{}
	if opts.DryRun {
		n, err := p.st.CountIntents(ctx, d)
		if err != nil {
			return c, err
		}
		c["would_post"] = int64(n[store.IntentPending])
		return c, nil
	}
	var posted, adopted, failed, conflicts, retried atomic.Int64
	prog := NewProgress(p.opts.Progress, "post "+d.String())
	defer prog.Done()
	batch := p.opts.Concurrency * 4
	idle := 0
	for {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		intents, err := p.st.ClaimIntentsOn(ctx, d, p.opts.Owner, batch, p.opts.Lease)
		if err != nil {
			return c, err
		}
		if len(intents) == 0 {
			counts, err := p.st.CountIntents(ctx, d)
			if err != nil {
				return c, err
			}
			if counts[store.IntentPending] == 0 {
				break
			}
			// Pending intents are leased by another poster or waiting for a
			// retry: wait for them, with a bound so a stuck peer cannot
			// hold this job forever (its lease will lapse and we take over).
			idle++
			if idle > int(p.opts.Lease/(200*time.Millisecond))+50 {
				return c, fmt.Errorf("post %s: %d intents still pending", d, counts[store.IntentPending])
			}
			if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
				return c, err
			}
			continue
		}
		idle = 0
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(p.opts.Concurrency)
		for _, in := range intents {
			g.Go(func() error {
				outcome, err := p.postOne(gctx, in)
				switch outcome {
				case store.IntentPosted:
					posted.Add(1)
				case store.IntentAdopted:
					adopted.Add(1)
				case store.IntentFailed:
					failed.Add(1)
				case store.IntentConflict:
					conflicts.Add(1)
				case store.IntentPending:
					retried.Add(1)
				}
				prog.Add(1)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return c, err
		}
	}
	c["posted"], c["adopted"], c["failed"], c["conflicts"], c["retries"] = posted.Load(), adopted.Load(), failed.Load(), conflicts.Load(), retried.Load()
	if failed.Load() > 0 || conflicts.Load() > 0 {
		p.log.Warn("intents need attention", "business_date", d.String(), "failed", failed.Load(), "conflicts", conflicts.Load())
	}
	return c, nil
}

// postOne posts one claimed intent and records the outcome. The error is
// only for store failures and a cancelled context; PortOne's answers are
// outcomes. On a cancelled context the claim is released for others.
func (p *Pipeline) postOne(ctx context.Context, in store.Intent) (store.IntentStatus, error) {
	owner := p.opts.Owner
	bg := context.WithoutCancel(ctx)
	if in.Kind == settlement.KindOrderCancel {
		if status, reason, err := p.cancelReady(ctx, in); err != nil {
			_ = p.st.ReleaseIntent(bg, in.IntentID, owner)
			return "", err
		} else if status == store.IntentFailed {
			return status, p.st.FailIntent(bg, in.IntentID, owner, reason)
		} else if status == store.IntentPending {
			return status, p.st.RetryIntent(bg, in.IntentID, owner, reason, p.opts.Now().Add(300*time.Millisecond))
		}
	}
	var res transfer.CreateResult
	var err error
	switch in.Kind {
	case settlement.KindOrder:
		var b transfer.CreateOrderTransferBody
		if err = json.Unmarshal(in.Request, &b); err == nil {
			res, err = p.api.CreateOrderTransfer(ctx, b)
		}
	case settlement.KindOrderCancel:
		var b transfer.CreateOrderCancelTransferBody
		if err = json.Unmarshal(in.Request, &b); err == nil {
			res, err = p.api.CreateOrderCancelTransfer(ctx, b)
		}
	default:
		err = fmt.Errorf("intent %s: unknown kind %q", in.IntentID, in.Kind)
	}
	if err == nil {
		status := store.IntentPosted
		if res.Adopted {
			status = store.IntentAdopted
		}
		return status, p.st.CompleteIntent(bg, in.IntentID, owner, status, p.answer(res.Transfer, in.IntentID))
	}
	if ctx.Err() != nil {
		// Interrupted (SIGTERM): let another run take it; the id makes a
		// POST that did reach PortOne harmless.
		_ = p.st.ReleaseIntent(bg, in.IntentID, owner)
		return "", ctx.Err()
	}
	var conflict *transfer.ConflictError
	var apiErr *transfer.APIError
	switch {
	case errors.As(err, &conflict):
		return store.IntentConflict, p.st.ConflictIntent(bg, in.IntentID, owner, conflict.Error())
	case errors.As(err, &apiErr) && !apiErr.Retryable():
		return store.IntentFailed, p.st.FailIntent(bg, in.IntentID, owner, fmt.Sprintf("%s (%d): %s", apiErr.Type, apiErr.StatusCode, apiErr.Message))
	case in.Attempts >= p.opts.MaxAttempts:
		return store.IntentFailed, p.st.FailIntent(bg, in.IntentID, owner, fmt.Sprintf("gave up after %d claims: %v", in.Attempts, err))
	}
	backoff := time.Duration(in.Attempts) * time.Second
	return store.IntentPending, p.st.RetryIntent(bg, in.IntentID, owner, err.Error(), p.opts.Now().Add(backoff))
}

// answer is PortOne's answer w to intent intentID as the store keeps it:
// made right once by transfer.Observe (the shape of our own transfers, a
// cancel's amounts positive, the partner's account never kept).
func (p *Pipeline) answer(w transfer.Transfer, intentID settlement.TransferID) store.PortOneTransfer {
	o := transfer.Observe(w)
	return store.PortOneTransfer{Transfer: o.Transfer, TransferID: o.ID, IntentID: intentID, Status: o.Status,
		Negated: o.Negated, Raw: o.Raw, ObservedAt: p.opts.Now()}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// cancelReady says whether a cancel intent may be posted now. Its order
// transfer must exist at PortOne, and every cancel of the same payment that
// we settled before it must have reached PortOne first: partial cancels are
// computed on what remains, so PortOne must see them in our order or its
// amounts differ from ours. It answers IntentPosted (go), IntentPending
// (wait, with the reason) or IntentFailed (an earlier one failed: posting
// out of order would be wrong).
func (p *Pipeline) cancelReady(ctx context.Context, in store.Intent) (store.IntentStatus, string, error) {
	order, err := p.st.IntentByKey(ctx, in.PartnerID, in.PaymentID, settlement.KindOrder, "")
	if errors.Is(err, store.ErrNotFound) {
		return store.IntentFailed, "no order intent: " + err.Error(), nil
	}
	if err != nil {
		return "", "", err // the store or ctx, not the intent: leave the claim to lapse
	}
	switch order.Status {
	case store.IntentFailed, store.IntentConflict:
		return store.IntentFailed, "its order transfer " + string(order.IntentID) + " is " + string(order.Status), nil
	case store.IntentPending:
		return store.IntentPending, string("waiting for order transfer " + order.IntentID), nil
	}
	settled, err := p.st.SettlementsOfPayment(ctx, in.PartnerID, in.PaymentID)
	if err != nil {
		return "", "", err
	}
	for _, s := range settled {
		if s.Transfer.Kind != settlement.KindOrderCancel || s.ID >= in.SettlementID {
			continue
		}
		prev, err := p.st.IntentByKey(ctx, in.PartnerID, in.PaymentID, settlement.KindOrderCancel, s.Transfer.CancellationID)
		if errors.Is(err, store.ErrNotFound) {
			return store.IntentFailed, string("no intent for earlier cancel " + s.Transfer.CancellationID), nil
		}
		if err != nil {
			return "", "", err
		}
		switch prev.Status {
		case store.IntentFailed, store.IntentConflict:
			return store.IntentFailed, "earlier cancel " + string(prev.IntentID) + " of the same payment is " + string(prev.Status), nil
		case store.IntentPending:
			return store.IntentPending, string("waiting for earlier cancel " + prev.IntentID), nil
		}
	}
	return store.IntentPosted, "", nil
}
