package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
)

// The one-screen summaries printed at the end of run, backfill and
// import: what was done in words, where the workbook is, and what needs a
// person with the command that deals with it.

// countsInWords renders a job's counts as "settled 3, rejected 1", keys in
// a stable order, zero counts left out.
func countsInWords(c jobs.Counts) string {
	keys := make([]string, 0, len(c))
	for k, v := range c {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+won(c[k]))
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, ", ")
}

// summarizeRun prints the summary of one date's jobs and returns nothing:
// the error (and exit code) is the run's.
func summarizeRun(ctx context.Context, w io.Writer, p *jobs.Pipeline, d settlement.Date, results []jobs.JobResult, runErr error, outDir string) {
	var took time.Duration
	for _, r := range results {
		took += r.Took
	}
	fmt.Fprintf(w, "\n%s: ", d)
	switch {
	case runErr == nil || errors.Is(runErr, jobs.ErrMismatches) || errors.Is(runErr, jobs.ErrNeedsAttention):
		fmt.Fprintf(w, "finished in %s\n", took.Round(time.Millisecond))
	default:
		fmt.Fprintf(w, "stopped by an error after %s (a rerun resumes)\n", took.Round(time.Millisecond))
	}
	for _, r := range results {
		state := "done"
		switch {
		case r.Skipped != "":
			state = "skipped (" + r.Skipped + ")"
		case r.Shared != "":
			state = "helped (" + r.Shared + " runs it)"
		}
		fmt.Fprintf(w, "  %-10s %-8s %s\n", r.Job, state, countsInWords(r.Counts))
		if r.Job == jobs.JobExport && r.Skipped == "" {
			abs, _ := filepath.Abs(filepath.Join(outDir, "settle-"+d.String()+".xlsx"))
			fmt.Fprintf(w, "  %-10s %s\n", "workbook", abs)
		}
	}
	var attention []string
	var aerr *jobs.AttentionError
	if errors.As(runErr, &aerr) {
		if aerr.Failed+aerr.Conflict > 0 {
			attention = append(attention, fmt.Sprintf("%d transfers failed or conflict: `settle intents --date %s --status failed` shows PortOne's answer; once the cause is fixed, `settle retry --date %s`", aerr.Failed+aerr.Conflict, d, d))
		}
		if aerr.Pending > 0 {
			attention = append(attention, fmt.Sprintf("%d transfers are stuck pending: `settle run post --date %s` posts them", aerr.Pending, d))
		}
	}
	if errors.Is(runErr, jobs.ErrMismatches) {
		attention = append(attention, "reconciliation found mismatches: the workbook's Mismatches sheet lists them")
	}
	for _, r := range results {
		if n := r.Counts["rejected"]; n > 0 && r.Job == jobs.JobSettle {
			attention = append(attention, fmt.Sprintf("%d records were rejected at settle: the workbook's Rejected sheet says why", n))
		}
	}
	if runErr != nil && len(attention) == 0 && !errors.Is(runErr, jobs.ErrMismatches) {
		attention = append(attention, "the run failed (the error is below); fix its cause and rerun the same command")
	}
	if len(attention) == 0 {
		fmt.Fprintln(w, "nothing needs attention")
		return
	}
	fmt.Fprintln(w, "needs attention:")
	for _, a := range attention {
		fmt.Fprintln(w, "  - "+a)
	}
}

// summarizeDryRun prints, per partner, what the run would post, and
// writes the request bodies to file if it is not "".
func summarizeDryRun(ctx context.Context, w io.Writer, p *jobs.Pipeline, d settlement.Date, file string) error {
	var out io.Writer
	var f *os.File
	if file != "" {
		var err error
		if f, err = os.Create(file); err != nil {
			return err
		}
		out = f
	}
	plans, err := p.WouldPost(ctx, d, out)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	var n, orders, cancels int
	var net settlement.Won
	for _, pl := range plans {
		n, orders, cancels, net = n+pl.Orders+pl.Cancels, orders+pl.Orders, cancels+pl.Cancels, net+pl.Net
	}
	fmt.Fprintf(w, "\ndry run %s: would post %d transfers (%d orders, %d cancels) to %d partners, %s won net; nothing was posted\n",
		d, n, orders, cancels, len(plans), won(int64(net)))
	if len(plans) > 0 {
		fmt.Fprintf(w, "  %-20s %7s %8s %16s\n", "partner", "orders", "cancels", "settlement (won)")
		for _, pl := range plans {
			fmt.Fprintf(w, "  %-20s %7d %8d %16s\n", pl.PartnerID, pl.Orders, pl.Cancels, won(int64(pl.Net)))
		}
	}
	if file != "" {
		abs, _ := filepath.Abs(file)
		fmt.Fprintf(w, "request bodies: %s (JSON Lines: method, path, id, body of each POST)\n", abs)
	}
	return nil
}

// summarizeImport prints an import's counts in words and what to do
// about the records that were not stored.
func summarizeImport(w io.Writer, files int, c intake.Counts) {
	fmt.Fprintf(w, "read %s from %s: %d stored, %d already stored (unchanged), %d rejected, %d in conflict with stored records\n",
		plural(c.Read, "record"), plural(files, "file"), c.Created, c.Duplicate, c.Rejected, c.Conflict)
	if c.Rejected+c.Conflict > 0 {
		fmt.Fprintln(w, "needs attention:")
		fmt.Fprintln(w, "  - rejected and conflicting records were not stored; they are kept with the reason (above, and in the workbook's Rejected sheet).")
		fmt.Fprintln(w, "    Correct them and import the corrected file: records already stored are recognised and left as they are.")
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// summarizeBackfill prints the totals of a backfill over from..to.
func summarizeBackfill(w io.Writer, from, to settlement.Date, dates int, total map[jobs.Job]jobs.Counts, attention []error, runErr error, outDir string) {
	fmt.Fprintf(w, "\nbackfill %s .. %s: %s run", from, to, plural(dates, "date"))
	if runErr != nil && !errors.Is(runErr, jobs.ErrMismatches) {
		fmt.Fprint(w, ", stopped by an error (a rerun skips what is done and resumes)")
	}
	fmt.Fprintln(w)
	for _, job := range jobs.NightlyJobs {
		if c, ok := total[job]; ok {
			fmt.Fprintf(w, "  %-10s %s\n", job, countsInWords(c))
		}
	}
	abs, _ := filepath.Abs(outDir)
	fmt.Fprintf(w, "  %-10s %s (settle-DATE.xlsx)\n", "workbooks", abs)
	if len(attention) == 0 && !errors.Is(runErr, jobs.ErrMismatches) {
		fmt.Fprintln(w, "nothing needs attention")
		return
	}
	fmt.Fprintln(w, "needs attention:")
	for _, a := range attention {
		var aerr *jobs.AttentionError
		if errors.As(a, &aerr) {
			fmt.Fprintf(w, "  - %s: %d failed, %d conflict, %d stuck: `settle intents --date %s`, then `settle retry --date %s`\n",
				aerr.Date, aerr.Failed, aerr.Conflict, aerr.Pending, aerr.Date, aerr.Date)
		}
	}
	if errors.Is(runErr, jobs.ErrMismatches) {
		fmt.Fprintln(w, "  - reconciliation found mismatches: the Mismatches sheet of each date's workbook lists them")
	}
}
