package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// Post sends d's pending transfer intents to PortOne, Concurrency requests
// in flight at all times, through claims that several instances share.
// Each intent carries the client transfer id stored before its first POST,
// so a retry, a rerun or another instance can never create a second
// transfer: PortOne's 409 means the transfer is adopted, not posted again.
// A cancel waits until its order transfer and the payment's earlier
// cancels exist. A dry run posts nothing.
//
// Three parts run at once, so that no request waits for another's
// bookkeeping: this goroutine claims intents (a group at a time, from an
// index of the pending ones) whenever four rounds of requests or more are
// missing from the sixteen it keeps queued, and decides which cancels may
// go; Concurrency workers post; one writer records the outcomes in groups,
// one transaction per group.
func (p *Pipeline) Post(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error) {
	if opts.DryRun {
		n, err := p.st.CountIntents(ctx, d)
		if err != nil {
			return Counts{}, err
		}
		return Counts{"would_post": int64(n[store.IntentPending])}, nil
	}
	ps := &poster{p: p, d: d, wake: make(chan struct{}, 1), prog: NewProgress(p.opts.Progress, "post "+d.String())}
	defer ps.prog.Done()
	c, err := ps.run(ctx)
	if c["failed"] > 0 || c["conflicts"] > 0 {
		p.log.Warn("intents need attention", "business_date", d.String(), "failed", c["failed"], "conflicts", c["conflicts"])
	}
	return c, err
}

// Tuning of the poster; see poster.
const (
	// flushSize is the most outcomes one transaction records.
	flushSize = 2048
	// flushAfter is how long an outcome may wait for its group: the
	// latency of a lone outcome at the end of a night. Each group costs a
	// commit (a sync of the WAL on SQLite) and statements parsed afresh,
	// and a commit writes every page the group touched whole: the answers'
	// keys (transfer ids, status history) are random, so a group of 200
	// rewrote ~200 leaf pages of each such index, and the commits were a
	// third of recording's CPU at 100 ms groups. An outcome that waits is
	// not lost to a crash: its intent is posted again and PortOne's 409
	// adopts the transfer.
	flushAfter = 300 * time.Millisecond
	// waitRetry is when a cancel that waits for an intent posted elsewhere
	// (another instance, a later claim) is claimable again.
	waitRetry = 300 * time.Millisecond
)

// poster is one Post run.
//
// Claims are sized so that sixteen rounds of requests (16×Concurrency) are
// always queued or in flight, claimed four rounds or more at a time: a
// claim shares SQLite's one writer with the outcomes' groups and waits for
// the group being written, and with two rounds queued the workers sat idle
// for tasks half of the time (an execution trace of post). The writer
// groups up to flushSize outcomes or what came within flushAfter.
// A slow request holds one worker, never the others, and a cancel that
// must wait for an intent not in its own chain is released, claimable
// again after waitRetry, without counting as an attempt.
type poster struct {
	p    *Pipeline
	d    settlement.Date
	prog *Progress

	unposted   atomic.Int64  // claimed, no outcome yet
	unrecorded atomic.Int64  // claimed, outcome not yet recorded
	wake       chan struct{} // an outcome or a recorded group: room to claim

	mu     sync.Mutex
	counts Counts
}

// result is an outcome on its way to the writer.
type result struct {
	store.IntentResult
	kind string // the count it adds to once recorded: posted, adopted, failed, conflicts, retries, waits, released
}

func (ps *poster) run(parent context.Context) (Counts, error) {
	p := ps.p
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	ps.counts = Counts{}
	conc := p.opts.Concurrency
	target := int64(max(16*conc, 64))
	minClaim := max(target/4, 1)

	tasks := make(chan []store.Intent, target)
	results := make(chan result, 2*flushSize)
	var workers sync.WaitGroup
	for range conc {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for chain := range tasks {
				ps.postChain(ctx, chain, results)
			}
		}()
	}
	writerDone := make(chan error, 1)
	go func() { writerDone <- ps.write(results, cancel) }()

	err := ps.claimLoop(ctx, tasks, results, target, minClaim)
	close(tasks)
	workers.Wait()
	close(results)
	werr := <-writerDone
	ps.mu.Lock()
	c := ps.counts
	ps.mu.Unlock()
	switch {
	case werr != nil:
		return c, werr
	case err != nil:
		return c, err
	case parent.Err() != nil:
		return c, parent.Err()
	}
	return c, nil
}

// claimLoop claims and plans until nothing of d is left pending, ctx ends
// or the store fails.
func (ps *poster) claimLoop(ctx context.Context, tasks chan<- []store.Intent, results chan<- result, target, minClaim int64) error {
	p := ps.p
	idle := 0
	for {
		if err := ctx.Err(); err != nil {
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
				return cause // the writer's failure
			}
			return nil
		}
		room := target - ps.unposted.Load()
		if room < minClaim {
			ps.sleep(ctx, time.Second)
			continue
		}
		// The claim is not cancelled with the run: one interrupted after
		// its UPDATE … RETURNING committed would leave intents leased to
		// us that nobody knows of, unposted until the lease lapses. What
		// it claims is released below when the run has ended meanwhile.
		intents, err := p.st.ClaimIntentsOn(context.WithoutCancel(ctx), ps.d, p.opts.Owner, int(room), p.opts.Lease)
		if err != nil {
			return err
		}
		if len(intents) == 0 {
			if ps.unrecorded.Load() > 0 {
				// Ours are still on their way: their outcomes decide
				// whether anything is left.
				ps.sleep(ctx, 200*time.Millisecond)
				continue
			}
			pending, err := p.st.PendingIntents(ctx, ps.d)
			if err != nil {
				if ctx.Err() != nil {
					continue
				}
				return err
			}
			if pending == 0 {
				return nil
			}
			// Pending intents are leased by another poster or waiting for a
			// retry: wait for them, with a bound so a stuck peer cannot
			// hold this job forever (its lease will lapse and we take over).
			idle++
			if idle > int(p.opts.Lease/(200*time.Millisecond))+50 {
				return fmt.Errorf("post %s: %d intents still pending", ps.d, pending)
			}
			if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
				continue
			}
			continue
		}
		idle = 0
		ps.unposted.Add(int64(len(intents)))
		ps.unrecorded.Add(int64(len(intents)))
		chains, now, err := ps.plan(ctx, intents)
		if err != nil {
			for _, in := range intents {
				ps.emit(results, result{store.IntentResult{IntentID: in.IntentID}, "released"})
			}
			if ctx.Err() != nil {
				continue
			}
			return err
		}
		for _, r := range now {
			ps.emit(results, r)
		}
		for i, chain := range chains {
			select {
			case tasks <- chain:
			case <-ctx.Done():
				for _, rest := range chains[i:] {
					ps.release(rest, results, "")
				}
				goto next
			}
		}
	next:
	}
}

// sleep waits for an outcome (room to claim), at most d.
func (ps *poster) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-ps.wake:
	case <-t.C:
	}
}

func (ps *poster) signal() {
	select {
	case ps.wake <- struct{}{}:
	default:
	}
}

// emit hands an outcome to the writer.
func (ps *poster) emit(results chan<- result, r result) {
	results <- r
	ps.unposted.Add(-1)
	ps.signal()
}

// release gives a chain's intents back unposted: waited (not an attempt)
// when reason says what they wait for, else released at shutdown.
func (ps *poster) release(chain []store.Intent, results chan<- result, reason string) {
	for _, in := range chain {
		r := result{store.IntentResult{IntentID: in.IntentID}, "released"}
		if reason != "" {
			r.Status, r.Reason, r.NotBefore, r.Waited, r.kind = store.IntentPending, reason, ps.p.opts.Now().Add(waitRetry), true, "waits"
		}
		ps.emit(results, r)
	}
}

// postChain posts a chain, one intent after the other: a payment's order
// and cancels claimed together go in the order they were settled, each
// once the one before it has an answer. When one does not succeed, the
// rest wait for it.
func (ps *poster) postChain(ctx context.Context, chain []store.Intent, results chan<- result) {
	for i, in := range chain {
		if ctx.Err() != nil {
			ps.release(chain[i:], results, "")
			return
		}
		r := ps.p.postOne(ctx, in)
		ps.emit(results, r)
		if r.Status != store.IntentPosted && r.Status != store.IntentAdopted && i+1 < len(chain) {
			reason := "waiting for " + string(in.IntentID) + " of the same payment"
			if ctx.Err() != nil {
				reason = ""
			}
			ps.release(chain[i+1:], results, reason)
			return
		}
	}
}

// write records outcomes in groups until results is closed. It records
// with a context that outlives a cancelled run (SIGTERM): what was posted
// and what is released must be written. A store failure cancels the run.
func (ps *poster) write(results <-chan result, cancel context.CancelCauseFunc) error {
	ctx := context.WithoutCancel(context.Background())
	var buf []result
	var failed error
	flush := func() {
		if len(buf) == 0 {
			return
		}
		if failed == nil {
			failed = ps.record(ctx, buf)
			if failed != nil {
				cancel(failed)
			}
		}
		ps.unrecorded.Add(-int64(len(buf)))
		ps.prog.Add(int64(len(buf)))
		buf = buf[:0]
		ps.signal()
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case r, ok := <-results:
			if !ok {
				flush()
				return failed
			}
			if len(buf) == 0 {
				timer.Reset(flushAfter)
			}
			buf = append(buf, r)
			if len(buf) >= flushSize {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// record writes one group and counts it. A lease lost on a release or a
// failure is another poster's business now (it took the intent over); any
// other refusal is not expected of a claimed intent and stops the run.
func (ps *poster) record(ctx context.Context, buf []result) error {
	rs := make([]store.IntentResult, len(buf))
	for i := range buf {
		rs[i] = buf[i].IntentResult
	}
	errs, err := ps.p.st.RecordResults(ctx, ps.p.opts.Owner, rs)
	if err != nil {
		return err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var first error
	for i, e := range errs {
		switch {
		case e == nil:
			if buf[i].kind != "released" {
				ps.counts[buf[i].kind]++
			}
		case errors.Is(e, store.ErrLeaseLost):
			ps.counts["lease_lost"]++
			ps.p.log.Warn("claim taken over by another poster", "intent_id", string(rs[i].IntentID), "err", e)
		case first == nil:
			first = e
		}
	}
	return first
}

// plan decides, for a claim, which intents go now and in which chains,
// and which cancels must wait or fail: a cancel goes once its payment's
// order transfer and every cancel settled before it exist at PortOne, or
// are ahead of it in its chain. The payments' histories are read in one
// go for the whole claim.
func (ps *poster) plan(ctx context.Context, intents []store.Intent) (chains [][]store.Intent, now []result, err error) {
	groups := map[store.PaymentKey][]store.Intent{}
	var order []store.PaymentKey
	var withCancels []store.PaymentKey
	for _, in := range intents {
		k := store.PaymentKey{PartnerID: in.PartnerID, PaymentID: in.PaymentID}
		g, seen := groups[k]
		if !seen {
			order = append(order, k)
		}
		if in.Kind == settlement.KindOrderCancel && !hasCancel(g) {
			withCancels = append(withCancels, k)
		}
		groups[k] = append(g, in)
	}
	var hist map[store.PaymentKey]*store.PaymentHistory
	if len(withCancels) > 0 {
		if hist, err = ps.p.st.PaymentHistories(ctx, withCancels); err != nil {
			return nil, nil, err
		}
	}
	waitAt := ps.p.opts.Now().Add(waitRetry)
	for _, k := range order {
		g := groups[k]
		sortChain(g)
		var chain []store.Intent
		chained := map[settlement.TransferID]bool{}
		blocked := ""
		for _, in := range g {
			if in.Kind != settlement.KindOrderCancel {
				chain = append(chain, in)
				chained[in.IntentID] = true
				continue
			}
			status, reason := store.IntentPosted, ""
			if blocked != "" {
				status, reason = store.IntentPending, blocked
			} else {
				status, reason = cancelReady(in, hist[k], chained)
			}
			switch status {
			case store.IntentPosted:
				chain = append(chain, in)
				chained[in.IntentID] = true
			case store.IntentFailed:
				now = append(now, result{store.IntentResult{IntentID: in.IntentID, Status: store.IntentFailed, Reason: reason}, "failed"})
				blocked = "waiting for earlier cancel " + string(in.IntentID)
			default:
				now = append(now, result{store.IntentResult{IntentID: in.IntentID, Status: store.IntentPending, Reason: reason,
					NotBefore: waitAt, Waited: true}, "waits"})
				blocked = reason
			}
		}
		if len(chain) > 0 {
			chains = append(chains, chain)
		}
	}
	return chains, now, nil
}

func hasCancel(g []store.Intent) bool {
	for _, in := range g {
		if in.Kind == settlement.KindOrderCancel {
			return true
		}
	}
	return false
}

// sortChain orders a payment's claimed intents as they must reach PortOne:
// the order first, then the cancels in the order they were settled.
func sortChain(g []store.Intent) {
	rank := func(in *store.Intent) (int, int64) {
		if in.Kind == settlement.KindOrderCancel {
			return 1, in.SettlementID
		}
		return 0, in.ID
	}
	for i := 1; i < len(g); i++ {
		for j := i; j > 0; j-- {
			a1, a2 := rank(&g[j-1])
			b1, b2 := rank(&g[j])
			if a1 < b1 || (a1 == b1 && a2 <= b2) {
				break
			}
			g[j-1], g[j] = g[j], g[j-1]
		}
	}
}

// cancelReady says whether a cancel intent may be posted now. Its order
// transfer must exist at PortOne, and every cancel of the same payment that
// we settled before it must have reached PortOne first: partial cancels are
// computed on what remains, so PortOne must see them in our order or its
// amounts differ from ours. An intent ahead of it in its chain (chained)
// will have. It answers IntentPosted (go), IntentPending (wait, with the
// reason) or IntentFailed (an earlier one failed: posting out of order
// would be wrong).
func cancelReady(in store.Intent, h *store.PaymentHistory, chained map[settlement.TransferID]bool) (store.IntentStatus, string) {
	if h == nil || h.Order == nil {
		return store.IntentFailed, fmt.Sprintf("no order intent: the order transfer of payment %q of partner %q is not found", in.PaymentID, in.PartnerID)
	}
	switch h.Order.Status {
	case store.IntentFailed, store.IntentConflict:
		return store.IntentFailed, "its order transfer " + string(h.Order.IntentID) + " is " + string(h.Order.Status)
	case store.IntentPending:
		if !chained[h.Order.IntentID] {
			return store.IntentPending, "waiting for order transfer " + string(h.Order.IntentID)
		}
	}
	for _, c := range h.Cancels {
		if c.SettlementID >= in.SettlementID {
			continue
		}
		if c.Intent == nil {
			return store.IntentFailed, "no intent for earlier cancel " + string(c.CancellationID)
		}
		switch c.Intent.Status {
		case store.IntentFailed, store.IntentConflict:
			return store.IntentFailed, "earlier cancel " + string(c.Intent.IntentID) + " of the same payment is " + string(c.Intent.Status)
		case store.IntentPending:
			if !chained[c.Intent.IntentID] {
				return store.IntentPending, "waiting for earlier cancel " + string(c.Intent.IntentID)
			}
		}
	}
	return store.IntentPosted, ""
}

// postOne posts one claimed intent and says what became of it; PortOne's
// answers are outcomes, and nothing here writes to the store. On a
// cancelled context the claim is released for others (the id makes a POST
// that did reach PortOne harmless).
func (p *Pipeline) postOne(ctx context.Context, in store.Intent) result {
	var res transfer.CreateResult
	var err error
	switch in.Kind {
	case settlement.KindOrder:
		var b transfer.CreateOrderTransferBody
		if err = transfer.DecodeRequest(in.Request, &b); err == nil {
			res, err = p.api.CreateOrderTransfer(ctx, b)
		}
	case settlement.KindOrderCancel:
		var b transfer.CreateOrderCancelTransferBody
		if err = transfer.DecodeRequest(in.Request, &b); err == nil {
			res, err = p.api.CreateOrderCancelTransfer(ctx, b)
		}
	default:
		err = fmt.Errorf("intent %s: unknown kind %q", in.IntentID, in.Kind)
	}
	out := store.IntentResult{IntentID: in.IntentID}
	if err == nil {
		out.Status, out.Answer = store.IntentPosted, p.kept(transfer.ObserveCreated(res), in.IntentID)
		if res.Adopted {
			out.Status = store.IntentAdopted
			return result{out, "adopted"}
		}
		return result{out, "posted"}
	}
	if ctx.Err() != nil {
		return result{out, "released"}
	}
	var conflict *transfer.ConflictError
	var apiErr *transfer.APIError
	switch {
	case errors.As(err, &conflict):
		out.Status, out.Reason = store.IntentConflict, conflict.Error()
		return result{out, "conflicts"}
	case errors.As(err, &apiErr) && !apiErr.Retryable():
		out.Status, out.Reason = store.IntentFailed, fmt.Sprintf("%s (%d): %s", apiErr.Type, apiErr.StatusCode, apiErr.Message)
		return result{out, "failed"}
	case in.Attempts >= p.opts.MaxAttempts:
		out.Status, out.Reason = store.IntentFailed, fmt.Sprintf("gave up after %d claims: %v", in.Attempts, err)
		return result{out, "failed"}
	}
	out.Status, out.Reason, out.NotBefore = store.IntentPending, err.Error(), p.opts.Now().Add(time.Duration(in.Attempts)*time.Second)
	return result{out, "retries"}
}

// answer is PortOne's answer w to intent intentID as the store keeps it:
// made right once by transfer.Observe (the shape of our own transfers, a
// cancel's amounts positive, the partner's account never kept).
func (p *Pipeline) answer(w transfer.Transfer, intentID settlement.TransferID) store.PortOneTransfer {
	return p.kept(transfer.Observe(w), intentID)
}

// kept is an observed answer to intent intentID as the store keeps it. A
// create's answer is observed by transfer.ObserveCreated, from the bytes
// PortOne sent.
func (p *Pipeline) kept(o transfer.Observed, intentID settlement.TransferID) store.PortOneTransfer {
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
