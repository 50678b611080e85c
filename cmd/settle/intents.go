package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// intentFlags are the selectors `settle intents` and `settle retry` share.
type intentFlags struct {
	status, date, partner *string
}

func addIntentFlags(fs *flag.FlagSet, statusHelp string) intentFlags {
	return intentFlags{
		status:  fs.String("status", "", statusHelp),
		date:    fs.String("date", "", "business date (YYYY-MM-DD)"),
		partner: fs.String("partner", "", "partner id"),
	}
}

var intentFlagValued = map[string]bool{"status": true, "date": true, "partner": true, "limit": true}

// filter checks the selectors (before any work) and returns the filter.
func (f intentFlags) filter() (store.IntentFilter, error) {
	var q store.IntentFilter
	if *f.status != "" {
		for _, s := range strings.Split(*f.status, ",") {
			st, err := store.ParseIntentStatus(s)
			if err != nil {
				return q, usagef("--status: %v", err)
			}
			q.Statuses = append(q.Statuses, st)
		}
	}
	if *f.date != "" {
		d, err := parseDateFlag("date", *f.date)
		if err != nil {
			return q, err
		}
		q.Date = d
	}
	q.PartnerID = settlement.PartnerID(strings.TrimSpace(*f.partner))
	return q, nil
}

// runIntents is `settle intents`: transfer intents with PortOne's error,
// by business date, partner and payment.
func runIntents(ctx context.Context, e *env) error {
	fs := newFlags(e, "intents", "[--status failed|conflict|pending|posted|adopted] [--date D] [--partner P] [--limit N] [--json]")
	sel := addIntentFlags(fs, "only intents in these statuses, comma-separated (default: all)")
	limit := fs.Int("limit", 0, "at most N intents (default: all)")
	asJSON := fs.Bool("json", false, "JSON Lines for machines (one intent a line, the shape of GET /v1/intents)")
	flags, pos := splitArgs(e.args, intentFlagValued)
	if err := parseFlags(fs, flags); err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	q, err := sel.filter()
	if err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("--limit %d: want 0 (all) or more", *limit)
	}
	q.Limit = *limit
	w, err := wire(ctx, e, false, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	if *asJSON {
		return w.st.ListIntents(ctx, q, func(l *store.IntentLine) error {
			return writeCompactJSON(e.stdout, jobs.NewIntentView(l))
		})
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tPARTNER\tPAYMENT\tTYPE\tCANCELLATION\tSTATUS\tSETTLEMENT\tTRIES\tERROR / TRANSFER\tINTENT")
	n := 0
	var sum settlement.Won
	err = w.st.ListIntents(ctx, q, func(l *store.IntentLine) error {
		n++
		sum += l.Settlement
		detail := l.LastError
		if l.Status == store.IntentPosted || l.Status == store.IntentAdopted {
			detail = string(l.PortOneTransferID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", l.BusinessDate, l.PartnerID, l.PaymentID, l.Kind,
			dash(string(l.CancellationID)), l.Status, jobs.FormatWon(l.Settlement), l.Attempts, oneLine(detail, 90), l.IntentID)
		return nil
	})
	if err != nil {
		return err
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d intents, settlement %s won\n", n, jobs.FormatWon(sum))
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
