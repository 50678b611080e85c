package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// runStatus is `settle status`: per business date the jobs and the
// intents, the records that wait and why, the last and the next run, and
// what needs a person with the command that helps.
func runStatus(ctx context.Context, e *env) error {
	fs := newFlags(e, "status", "[--days N] [--waiting N] [--json]")
	days := fs.Int("days", 7, "business dates shown besides those that need attention")
	waiting := fs.Int("waiting", 0, "also list up to N records that wait for a settlement, each with why")
	asJSON := fs.Bool("json", false, "JSON for machines (the shape of GET /v1/status)")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *days < 1 || *days > 366 {
		return usagef("--days %d: want 1..366", *days)
	}
	if *waiting < 0 {
		return usagef("--waiting %d: want the number of records to list", *waiting)
	}
	w, err := wire(ctx, e, false, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	st, err := jobs.ReadStatus(ctx, w.st, jobs.StatusOptions{Cron: e.cfg.Cron, Loc: e.cfg.TZ, Days: *days})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, st.View())
	}
	writeStatus(e.stdout, &st)
	if *waiting > 0 && st.WaitingTotal > 0 {
		return writeWaiting(ctx, e, w.st, st.LastSettle, *waiting)
	}
	return nil
}

// writeWaiting lists up to n records without a settlement, each with why.
func writeWaiting(ctx context.Context, e *env, st *store.Store, lastSettle settlement.Date, n int) error {
	fmt.Fprintln(e.stdout, "\nRecords waiting:")
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  DATE\tPARTNER\tPAYMENT\tTYPE\tCANCELLATION\tRECEIVED\tWHY")
	listed, more := 0, 0
	err := st.WaitingRecords(ctx, lastSettle, func(wr *store.Waiting) error {
		if listed == n {
			more++
			return nil
		}
		listed++
		why := waitWhy[wr.Reason]
		if wr.Detail != "" {
			why += ": " + wr.Detail
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", wr.BusinessDate, wr.PartnerID, wr.PaymentID, wr.Kind, dash(string(wr.CancellationID)),
			wr.ReceivedAt.In(e.cfg.TZ).Format("2006-01-02 15:04"), oneLine(why, 120))
		return nil
	})
	if err != nil {
		return err
	}
	tw.Flush()
	if more > 0 {
		fmt.Fprintf(e.stdout, "  … and %d more (--waiting N lists more)\n", more)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeStatus writes st as a person reads it: dates oldest first, the
// jobs in pipeline order, then what waits and what needs attention.
func writeStatus(out io.Writer, st *jobs.Status) {
	const layout = "2006-01-02 15:04"
	fmt.Fprintf(out, "settle status at %s\n\n", st.Now.Format(layout+" MST"))
	if len(st.Dates) == 0 {
		fmt.Fprintln(out, "No runs and no transfer intents yet.")
	}
	for _, ds := range st.Dates {
		fmt.Fprintf(out, "Business date %s\n", ds.Date)
		tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		if len(ds.Jobs) > 0 {
			fmt.Fprintln(tw, "  JOB\tSTATE\tFINISHED\tCOUNTS\tERROR")
			for _, r := range ds.Jobs {
				finished := "-"
				if !r.FinishedAt.IsZero() {
					finished = r.FinishedAt.In(st.Now.Location()).Format(layout)
				}
				state, errText := runState(r), r.Error
				if state == "to rerun" {
					errText = ""
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Job, state, finished, countsText(r.Counts), oneLine(errText, 80))
			}
		} else {
			fmt.Fprintln(tw, "  no job has run")
		}
		tw.Flush()
		if len(ds.Intents) > 0 {
			tw = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  INTENTS\tSTATUS\tCOUNT\tSETTLEMENT (WON)")
			for _, t := range ds.Intents {
				fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", t.Kind, t.Status, t.Count, jobs.FormatWon(t.Settlement))
			}
			tw.Flush()
		}
		fmt.Fprintln(out)
	}
	if st.WaitingTotal == 0 {
		fmt.Fprintln(out, "Records waiting: none")
	} else {
		fmt.Fprintf(out, "Records waiting: %d\n", st.WaitingTotal)
		for _, r := range st.View().Waiting.Reasons {
			fmt.Fprintf(out, "  %d %s: %s\n", r.Count, r.Type, waitWords[store.WaitReason(r.Reason)])
		}
	}
	if st.LastRun != nil {
		fmt.Fprintf(out, "Last run: %s %s, %s, started %s\n", st.LastRun.Job, st.LastRun.BusinessDate, runState(*st.LastRun),
			st.LastRun.StartedAt.In(st.Now.Location()).Format(layout))
	} else {
		fmt.Fprintln(out, "Last run: none")
	}
	if !st.NextRun.IsZero() {
		fmt.Fprintf(out, "Next scheduled run: %s (SETTLE_CRON %q, when `settle serve` runs)\n", st.NextRun.Format(layout+" MST"), st.Cron)
	}
	fmt.Fprintln(out)
	if len(st.Attention) == 0 {
		fmt.Fprintln(out, "Nothing needs attention.")
		return
	}
	fmt.Fprintln(out, "Needs attention:")
	for _, a := range st.Attention {
		fmt.Fprintf(out, "  - %s\n", a)
	}
}

var waitWords = map[store.WaitReason]string{
	store.WaitRejected:   "refused by the settlement rules (see rejected records)",
	store.WaitDateNotRun: "their business date has not been settled yet",
	store.WaitOrder:      "cancellations whose order is not stored or not settled",
	store.WaitNextRun:    "arrived after their date's run; the next run settles them",
}

// waitWhy says why one record waits.
var waitWhy = map[store.WaitReason]string{
	store.WaitRejected:   "refused by the settlement rules",
	store.WaitDateNotRun: "its business date has not been settled yet",
	store.WaitOrder:      "its order is not stored or not settled",
	store.WaitNextRun:    "arrived after its date's run; the next run settles it",
}

func countsText(c map[string]int64) string {
	keys := make([]string, 0, len(c))
	for k, v := range c {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, c[k])
	}
	return strings.Join(parts, " ")
}

// oneLine keeps a message on one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// runState is a run's state in words: a run reset by retry or --force is
// "to rerun", not failed.
func runState(r store.Run) string {
	if r.Status == store.RunFailed && r.Error == "reset for a rerun" {
		return "to rerun"
	}
	return string(r.Status)
}
