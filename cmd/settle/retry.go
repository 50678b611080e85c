package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// runRetry is `settle retry`: failed or conflicting intents pending again,
// once their cause is fixed, with the same client transfer id (PortOne
// cannot end up with two transfers for one intent).
func runRetry(ctx context.Context, e *env) error {
	fs := newFlags(e, "retry", "(--all | --date D | --partner P | INTENT_ID...) [--status failed|conflict] [--json]")
	sel := addIntentFlags(fs, "only failed or only conflict (default: both)")
	all := fs.Bool("all", false, "every failed and conflicting intent")
	asJSON := fs.Bool("json", false, "JSON for machines")
	flags, ids := splitArgs(e.args, intentFlagValued)
	if err := parseFlags(fs, flags); err != nil {
		return err
	}
	q, err := sel.filter()
	if err != nil {
		return err
	}
	for _, st := range q.Statuses {
		if st != store.IntentFailed && st != store.IntentConflict {
			return usagef("--status %s: only failed or conflicting intents are retried", st)
		}
	}
	for _, id := range ids {
		q.IntentIDs = append(q.IntentIDs, settlement.TransferID(strings.TrimSpace(id)))
	}
	if !*all && q.Date.IsZero() && q.PartnerID == "" && len(q.IntentIDs) == 0 {
		return usagef("say what to retry: --all, --date, --partner or intent ids (see `settle intents --status failed`)")
	}
	w, err := wire(ctx, e, false, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	res, err := jobs.Retry(ctx, w.st, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, retryView(res))
	}
	writeRetry(e.stdout, res)
	if len(res.NotRetried) > 0 && len(res.Requeued) == 0 {
		return usagef("nothing was retried")
	}
	return nil
}

type retryJSON struct {
	Requeued   []requeuedJSON      `json:"requeued"`
	Rerun      map[string][]string `json:"rerun"`
	Busy       map[string][]string `json:"busy,omitempty"`
	NotRetried []string            `json:"notRetried,omitempty"`
	Next       []string            `json:"next"`
}

type requeuedJSON struct {
	IntentID     string `json:"intentId"`
	BusinessDate string `json:"businessDate"`
	PartnerID    string `json:"partnerId"`
	PaymentID    string `json:"paymentId"`
	Type         string `json:"type"`
	Was          string `json:"was"`
	Error        string `json:"error,omitempty"`
}

func retryView(res jobs.RetryResult) retryJSON {
	v := retryJSON{Requeued: []requeuedJSON{}, Rerun: map[string][]string{}, Busy: map[string][]string{}, NotRetried: res.NotRetried, Next: nextCommands(res)}
	for _, r := range res.Requeued {
		v.Requeued = append(v.Requeued, requeuedJSON{IntentID: string(r.IntentID), BusinessDate: r.BusinessDate.String(), PartnerID: string(r.PartnerID),
			PaymentID: string(r.PaymentID), Type: string(r.Kind), Was: string(r.Was), Error: r.LastError})
	}
	for d, js := range res.Rerun {
		v.Rerun[d.String()] = jobNames(js)
	}
	for d, js := range res.Busy {
		v.Busy[d.String()] = jobNames(js)
	}
	return v
}

func jobNames(js []jobs.Job) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = string(j)
	}
	return out
}

func nextCommands(res jobs.RetryResult) []string {
	out := []string{}
	for _, d := range res.Dates {
		out = append(out, fmt.Sprintf("settle run nightly --date %s", d))
	}
	return out
}

func writeRetry(out io.Writer, res jobs.RetryResult) {
	for _, msg := range res.NotRetried {
		fmt.Fprintln(out, "not retried:", msg)
	}
	if len(res.Requeued) == 0 {
		fmt.Fprintln(out, "No failed or conflicting transfer intents matched: nothing to retry (see `settle intents --status failed,conflict`).")
		return
	}
	type key struct {
		d settlement.Date
		p settlement.PartnerID
	}
	per := map[key]int{}
	var keys []key
	for _, r := range res.Requeued {
		k := key{r.BusinessDate, r.PartnerID}
		if per[k] == 0 {
			keys = append(keys, k)
		}
		per[k]++
	}
	fmt.Fprintf(out, "Re-queued %d transfer intents (same client transfer ids: a transfer PortOne already holds is adopted, never doubled):\n", len(res.Requeued))
	for _, k := range keys {
		fmt.Fprintf(out, "  %s  partner %s: %d\n", k.d, k.p, per[k])
	}
	for _, d := range res.Dates {
		if js := res.Busy[d]; len(js) > 0 {
			fmt.Fprintf(out, "%s: %s running on another instance now; it posts them itself\n", d, strings.Join(jobNames(js), ", "))
		}
	}
	fmt.Fprintln(out, "Next, post, reconcile and export them:")
	for _, c := range nextCommands(res) {
		fmt.Fprintf(out, "  %s\n", c)
	}
	fmt.Fprintln(out, "(`settle serve` posts them at its next scheduled run only for the date it runs; run the commands above for older dates.)")
}

func writeCompactJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}
