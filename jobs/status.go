package jobs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// StatusOptions configure ReadStatus.
type StatusOptions struct {
	Cron string         // SETTLE_CRON: the next scheduled run is computed from it ("" for none)
	Loc  *time.Location // business time zone (SETTLE_TZ); default Asia/Seoul
	Now  time.Time      // default time.Now()
	Days int            // business dates shown besides those needing attention; default 7
}

// Status is what `settle status` and GET /v1/status show: per business
// date the jobs and the intents, the records that wait and why, the last
// run and the next scheduled one.
type Status struct {
	Now   time.Time
	Dates []DateStatus // oldest first
	// Waiting counts the records without a settlement by kind and reason
	// (store.WaitingRecords), as of the last settle run.
	Waiting      store.WaitCounts
	WaitingTotal int64
	LastSettle   settlement.Date // business date of the last settle run done (zero: none)
	LastRun      *store.Run      // the run started last, of any job (nil: none)
	Cron         string
	NextRun      time.Time // zero without a schedule
	// PayoutIssues counts the payouts job's current mismatches by reason
	// (a failed, withheld or excluded payout, a differing amount, …).
	PayoutIssues map[settlement.MismatchReason]int64
	// Attention lists, in words, what needs a person, each with the command
	// that shows or fixes it; empty when all is well.
	Attention []string
}

// DateStatus is one business date's jobs (in pipeline order) and intents.
type DateStatus struct {
	Date    settlement.Date
	Jobs    []store.Run // the jobs that have run, in NightlyJobs order
	Intents []store.IntentTotal
}

// IntentCount sums the intents of the date with status st.
func (d *DateStatus) IntentCount(st store.IntentStatus) (n int64, sum settlement.Won) {
	for _, t := range d.Intents {
		if t.Status == st {
			n += t.Count
			sum += t.Settlement
		}
	}
	return n, sum
}

// ReadStatus reads the status from st: the last o.Days business dates that
// have runs or intents, and every older date whose intents still need a
// person (failed, conflicting, or pending).
func ReadStatus(ctx context.Context, st *store.Store, o StatusOptions) (Status, error) {
	if o.Loc == nil {
		o.Loc = seoulLocation()
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Days <= 0 {
		o.Days = 7
	}
	s := Status{Now: o.Now.In(o.Loc), Cron: o.Cron}
	today := settlement.DateOf(o.Now, o.Loc)
	from := today.AddDays(-o.Days)
	runs, err := st.Runs(ctx, store.RunQuery{From: from})
	if err != nil {
		return s, err
	}
	totals, err := st.IntentTotals(ctx, from, settlement.Date{})
	if err != nil {
		return s, err
	}
	old, err := st.DatesNeedingAttention(ctx)
	if err != nil {
		return s, err
	}
	byDate := map[settlement.Date]*DateStatus{}
	get := func(d settlement.Date) *DateStatus {
		if ds := byDate[d]; ds != nil {
			return ds
		}
		ds := &DateStatus{Date: d}
		byDate[d] = ds
		return ds
	}
	for _, r := range runs {
		get(r.BusinessDate).Jobs = append(get(r.BusinessDate).Jobs, r)
	}
	for _, t := range totals {
		get(t.BusinessDate).Intents = append(get(t.BusinessDate).Intents, t)
	}
	for _, d := range old {
		if !d.Before(from) {
			continue
		}
		ts, err := st.IntentTotals(ctx, d, d)
		if err != nil {
			return s, err
		}
		ds := get(d)
		ds.Intents = ts
		for _, job := range NightlyJobs {
			if r, err := st.RunOf(ctx, string(job), d); err == nil {
				ds.Jobs = append(ds.Jobs, r)
			}
		}
	}
	for _, ds := range byDate {
		slices.SortFunc(ds.Jobs, func(a, b store.Run) int { return jobIndex(Job(a.Job)) - jobIndex(Job(b.Job)) })
		s.Dates = append(s.Dates, *ds)
	}
	slices.SortFunc(s.Dates, func(a, b DateStatus) int { return a.Date.Compare(b.Date) })
	if last, ok, err := st.LastStartedRun(ctx); err != nil {
		return s, err
	} else if ok {
		s.LastRun = &last
	}
	var lastSettle settlement.Date
	if rs, err := st.Runs(ctx, store.RunQuery{Job: string(JobSettle), Status: store.RunDone, Limit: 1}); err != nil {
		return s, err
	} else if len(rs) > 0 {
		lastSettle = rs[0].BusinessDate
	}
	s.LastSettle = lastSettle
	if s.Waiting, err = st.CountWaiting(ctx, lastSettle); err != nil {
		return s, err
	}
	for _, reasons := range s.Waiting {
		for _, n := range reasons {
			s.WaitingTotal += n
		}
	}
	if o.Cron != "" {
		sched, err := cron.ParseStandard(o.Cron)
		if err != nil {
			return s, fmt.Errorf("SETTLE_CRON %q: %w", o.Cron, err)
		}
		s.NextRun = sched.Next(o.Now.In(o.Loc))
	}
	s.Attention = attention(&s)
	if s.PayoutIssues, err = st.CountPayoutMismatches(ctx); err != nil {
		return s, err
	}
	for _, r := range slices.Sorted(maps.Keys(s.PayoutIssues)) {
		next := "once handled in PortOne's console, `settle run payouts --date D --force`"
		if r == settlement.PayoutNegative {
			// Nothing to do at PortOne: the partner owes the difference.
			next = "recover the amount from the partner, or let later orders net it"
		}
		s.Attention = append(s.Attention, fmt.Sprintf("%d payout(s) %s: see the Payouts sheet (지급) or GET /v1/payouts; %s", s.PayoutIssues[r], r, next))
	}
	adjs, err := st.Adjustments(ctx, "")
	if err != nil {
		return s, err
	}
	for _, a := range adjs {
		if a.Status != store.IntentPosted && a.Status != store.IntentAdopted {
			s.Attention = append(s.Attention, fmt.Sprintf("adjustment %s of partner %s (%s won on %s) is %s: %s; fix the cause and run the same `settle adjust --ref %s` again",
				a.Reference, a.PartnerID, formatWon(a.Amount), a.SettlementDate, a.Status, a.LastError, a.Reference))
		}
	}
	return s, nil
}

func jobIndex(j Job) int {
	if i := slices.Index(NightlyJobs, j); i >= 0 {
		return i
	}
	return len(NightlyJobs)
}

// attention says in words what needs a person and which command helps.
func attention(s *Status) []string {
	var out []string
	for _, ds := range s.Dates {
		d := ds.Date
		for _, st := range []store.IntentStatus{store.IntentFailed, store.IntentConflict} {
			if n, sum := ds.IntentCount(st); n > 0 {
				out = append(out, fmt.Sprintf("%s: %d transfer intents %s (%s won); see `settle intents --date %s --status %s`, fix the cause, then `settle retry --date %s` and `settle run nightly --date %s`",
					d, n, st, formatWon(sum), d, st, d, d))
			}
		}
		posting := false
		for _, r := range ds.Jobs {
			switch {
			case r.Job == string(JobPost) && r.Status == store.RunRunning:
				posting = true
			case r.Status == store.RunFailed && r.Error == resetForRerun:
				// re-queued by retry: said below with the pending intents
			case r.Status == store.RunFailed:
				out = append(out, fmt.Sprintf("%s: job %s failed: %s; rerun with `settle run %s --date %s`", d, r.Job, r.Error, r.Job, d))
			case r.Job == string(JobReconcile) && r.Status == store.RunDone && r.Counts["mismatches"] > 0:
				out = append(out, fmt.Sprintf("%s: %d reconciliation mismatches with PortOne; see the workbook of the date (`settle export --from %s --to %s --out FILE`)",
					d, r.Counts["mismatches"], d, d))
			}
		}
		if n, sum := ds.IntentCount(store.IntentPending); n > 0 && !posting {
			out = append(out, fmt.Sprintf("%s: %d transfer intents wait to be posted (%s won); `settle run nightly --date %s` posts, reconciles and exports them",
				d, n, formatWon(sum), d))
		}
	}
	for _, kind := range []settlement.Kind{settlement.KindOrder, settlement.KindOrderCancel} {
		if n := s.Waiting[kind][store.WaitRejected]; n > 0 {
			out = append(out, fmt.Sprintf("%d %s records were refused by the settlement rules; see the rejected records in the workbook or GET /v1/orders/{paymentId}", n, kind))
		}
	}
	return out
}

// resetForRerun is the error store.ResetRun leaves on a run to be redone.
const resetForRerun = "reset for a rerun"

// formatWon writes w with thousands separators (2,341,110).
func formatWon(w settlement.Won) string {
	n := int64(w)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-(n + 1)) + 1 // no overflow for the most negative value
	}
	digits := fmt.Sprint(u)
	var b []byte
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, byte(c))
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// FormatWon writes w with thousands separators, as the status shows amounts.
func FormatWon(w settlement.Won) string { return formatWon(w) }
